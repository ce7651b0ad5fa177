"""The whole flow in Chromium: upload the seed report, correct a task, assign ten, and the
lead unit's clerk finds the items in their queue."""

from pathlib import Path

import pytest

from duban.items.models import Item, Track
from duban.plans.models import Plan, PlanTask
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "duban" / "data" / "shanxi_2021_government_work_report.txt"


def log_in(browser, live_server, user, *, password="pw-123456", width=1280, height=900):
    """A fresh browser context, logged in as ``user`` through the real login page."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.mark.browser
def test_upload_review_assign_and_clerk_queue(live_server, browser, shanxi, clock, shots_dir):
    clock("2021-03-10 09:00")
    sup = make_user("prov_sup", shanxi, "supervisor")
    page = log_in(browser, live_server, sup)

    page.goto(f"{live_server.url}/plans/")
    page.set_input_files("input[name=report]", str(SEED))
    page.get_by_role("button", name="上传并分解").click()
    page.wait_for_url("**/plans/*/")
    plan = Plan.objects.get()
    # A page of tasks at a time; the source pane shows every task's span.
    assert page.locator("article.task").count() == min(plan.tasks.count(), 200) >= 50
    assert page.locator("#report-text a.span").count() == plan.tasks.count()

    # Correct one task's wording.
    led = [t for t in plan.tasks.order_by("position") if t.lead_codes][:10]
    assert len(led) == 10
    first = led[0]
    page.locator(f"#task-{first.pk}").get_by_role("link", name="编辑").click()
    page.wait_for_url(f"**?edit={first.pk}*")
    page.fill(f"#task-{first.pk} textarea[name=text]", "新认定高新技术企业1000家（经核对修正）")
    page.locator(f"#task-{first.pk}").get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已保存" in page.locator(".messages").inner_text()
    first.refresh_from_db()
    assert first.text == "新认定高新技术企业1000家（经核对修正）"
    assert "经核对修正" in page.locator(f"#task-{first.pk} .ttext").inner_text()

    # Clicking a highlighted span in the report scrolls to its task.
    page.locator(f"#src-{led[1].pk}").click()
    assert page.evaluate("location.hash") == f"#task-{led[1].pk}"

    # Tick ten tasks; the button counts them; assign in one go.
    for t in led:
        page.check(f"#task-{t.pk} input.pick")
    assert page.locator("#pending-count").inner_text() == "10"
    page.check("#id_not_classified")  # the batch registers items: the 涉密 confirmation
    page.once("dialog", lambda d: d.accept())
    page.locator("#assign-btn").click()
    page.wait_for_load_state()
    assert "已立项并交办 10 项督办事项" in page.locator(".messages").inner_text()
    assert Item.objects.count() == 10
    assert PlanTask.objects.filter(item__isnull=False).count() == 10
    page.locator(f"#src-{led[2].pk}").scroll_into_view_if_needed()
    page.locator(f"#task-{led[2].pk}").scroll_into_view_if_needed()
    page.screenshot(path=str(shots_dir / "plan_review.png"), full_page=False)

    # On a phone the panes stack: the report above the tasks.
    phone = page.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(page.url)
    src, tasks = (
        phone.locator("section.pane.source").bounding_box(),
        phone.locator("section.pane.tasks").bounding_box(),
    )
    assert src["y"] + src["height"] <= tasks["y"] + 1 and tasks["width"] > 300

    # The lead unit's clerk finds the items in their queue ("待签收"), but not the plan itself.
    first.refresh_from_db()
    track = Track.objects.filter(item=first.item, role="lead").select_related("unit").get()
    clerk = make_user("lead_clerk", track.unit, "clerk")
    mine = set(Item.objects.filter(tracks__unit=track.unit, tracks__role="lead").values_list("pk", flat=True))
    assert first.item_id in mine
    clerk_page = log_in(browser, live_server, clerk)
    clerk_page.goto(f"{live_server.url}/?kind=to_sign")
    assert int(clerk_page.locator("a[data-kind=to_sign] b.count").inner_text()) >= len(mine)
    for pk in mine:
        assert clerk_page.locator(f'table a[href^="/items/{pk}/"]').count() == 1
    resp = clerk_page.goto(f"{live_server.url}/plans/{plan.pk}/")
    assert resp.status == 404
