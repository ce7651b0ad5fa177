"""The whole supervision flow in Chromium, through the real login page: a provincial supervisor
registers and assigns an item to Xiaodian; the district clerk signs, reports with evidence and
asks to close; the supervisor returns it, the clerk resubmits, the supervisor closes it (良好);
the item page's timeline shows every step."""

from __future__ import annotations

import pytest

from duban.items import services
from duban.items.models import Attachment, Item, Track
from tests.conftest import make_user, unit

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def log_in(browser, live_server, username, password="pw-123456", *, width=1280, height=900):
    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/")
    page.wait_for_url("**/login/?next=/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    # Each role lands where its work is: a clerk on 我的待办, a supervisor on the 督办工作台.
    landing = {"prov_sup": "督办工作台"}.get(username, "我的待办")
    assert page.get_by_role("heading", name=landing).first.is_visible()
    return page


def message(page) -> str:
    return page.locator(".messages").inner_text()


@pytest.mark.browser
def test_whole_flow(live_server, browser, shanxi, shots_dir):
    sup_user = make_user("prov_sup", shanxi, "supervisor")
    make_user("xd_clerk", unit("140105"), "clerk")
    # Other work already waiting for the clerk, so the queue screenshot has company.
    for title in (
        "推进老旧小区改造年内开工1866个",
        "新建5G基站1.5万座（小店区任务）",
        "整治城区背街小巷环境卫生",
    ):
        services.register_and_assign(actor=sup_user, title=title, lead=[unit("140105")])

    # 1. The provincial supervisor registers and assigns through the new-item form.
    sup = log_in(browser, live_server, "prov_sup")
    sup.get_by_role("link", name="事项").click()
    sup.get_by_role("link", name="立项交办").click()
    sup.fill("#id_title", "加快推进城镇老旧小区改造")
    sup.fill("#id_body", "今年开工改造老旧小区，10月底前报送改造进展。")
    sup.select_option("#id_source", "work_report")
    # The unit picker filters ~1,600 units as one types.
    sup.get_by_placeholder("输入单位名称筛选").first.fill("小店")
    visible = sup.locator("#id_lead option:not([hidden])").all_inner_texts()
    assert "小店区" in [v.strip() for v in visible] and all("小店" in v for v in visible) and len(visible) < 5
    sup.select_option("#id_lead", ["140105"])
    assert sup.locator(".picked").first.inner_text() == "已选：小店区"
    sup.set_input_files(
        "#id_files", files=[{"name": "改造方案.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    sup.check("#id_not_classified")
    sup.get_by_role("button", name="立项并交办").click()
    sup.wait_for_url("**/items/*/")
    assert "已立项并交办给 小店区" in message(sup)
    item = Item.objects.get(title="加快推进城镇老旧小区改造")
    track = Track.objects.get(item=item)
    item_url = f"{live_server.url}/items/{item.pk}/"
    assert sup.url == item_url
    assert sup.locator(".item-head").get_by_role("link", name="改造方案.pdf").is_visible()

    # 2. The district clerk finds it in the queue and signs.
    clerk = log_in(browser, live_server, "xd_clerk", width=1100, height=700)
    assert clerk.locator(".tabs a.active").inner_text().startswith("待签收")
    assert clerk.locator("table.queue tbody tr").count() == 4
    clerk.screenshot(path=str(shots_dir / "queue.png"), full_page=True)
    clerk.get_by_role("link", name="加快推进城镇老旧小区改造").click()
    box = clerk.locator(f"#track-{track.pk}")
    box.get_by_role("button", name="签收").click()
    clerk.wait_for_load_state()
    assert "已签收" in message(clerk)

    def report(kind: str, done: str, files=()):
        box = clerk.locator(f"#track-{track.pk}")
        form = box.locator("form.report-form")
        form.locator("select[name=kind]").select_option(kind)
        form.locator("textarea[name=done]").fill(done)
        if files:
            form.locator("input[name=files]").set_input_files(files=list(files))
        form.get_by_role("button", name="提交报告").click()
        clerk.wait_for_load_state()

    # 3. Deployment and feedback reports with evidence, then the closure request.
    report(
        "deploy",
        "区政府召开专题会议部署，成立工作专班。",
        [{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}],
    )
    assert "部署报告已报送" in message(clerk)
    report(
        "feedback",
        "已完成摸底，制定改造方案。",
        [{"name": "改造清单.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    assert "反馈报告已报送" in message(clerk)
    report("result", "12个小区已全部开工。")
    assert "已申请办结" in message(clerk)
    assert Attachment.objects.filter(report__track=track).count() == 2

    # 4. The supervisor returns it with a reason.
    sup.goto(item_url)
    sup.locator(f"#track-{track.pk} form.return-form textarea[name=reason]").fill(
        "缺少开工佐证材料，请补充。"
    )
    sup.get_by_role("button", name="退回").click()
    sup.wait_for_load_state()
    assert "已退回 小店区 重新办理" in message(sup)

    # 5. The clerk resubmits.
    clerk.goto(f"{live_server.url}/?kind=returned")
    clerk.get_by_role("link", name="加快推进城镇老旧小区改造").click()
    report(
        "result",
        "补充了12个小区的开工照片和施工许可。",
        [{"name": "开工照片.png", "mimeType": "image/png", "buffer": PNG}],
    )
    assert "已申请办结" in message(clerk)

    # 6. The supervisor closes it: 良好.
    sup.goto(item_url)
    form = sup.locator(f"#track-{track.pk} form.close-form")
    form.get_by_label("良好").check()
    form.locator("textarea[name=comment]").fill("按期完成，材料齐全。")
    form.get_by_role("button", name="同意办结").click()
    sup.wait_for_load_state()
    assert "已办结，评价：良好" in message(sup)
    track.refresh_from_db()
    assert track.state == "closed" and track.rating == "good"

    # 7. The timeline shows all of it, in order.
    labels = sup.locator("#timeline .ev-label").all_inner_texts()
    assert labels == [
        "立项",
        "交办",
        "签收",
        "报送部署报告",
        "报送反馈报告",
        "申请办结",
        "退回",
        "申请办结",
        "办结",
    ]
    timeline = sup.locator("#timeline").inner_text()
    assert "缺少开工佐证材料" in timeline and "评价：良好" in timeline and "申请办结 → 已办结" in timeline
    assert "附件：现场照片.png" in timeline
    assert "已办结·良好" in sup.locator(f"#track-{track.pk} .track-head").inner_text()
    # The evidence downloads from the item page with its Chinese name.
    with sup.expect_download() as dl:
        sup.locator(f"#track-{track.pk}").get_by_role("link", name="现场照片.png").click()
    assert dl.value.suggested_filename == "现场照片.png"
    sup.screenshot(path=str(shots_dir / "item.png"), full_page=True)

    # On a phone the item page still fits the screen width.
    phone = sup.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(item_url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
