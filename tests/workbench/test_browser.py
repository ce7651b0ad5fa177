"""In Chromium: the provincial supervisor logs in, lands on the 督办工作台, opens 已逾期, ticks three
late items and urges them with one message."""

import pytest

from duban.items import services
from duban.items.models import Urge
from duban.notify.models import Alert
from tests.conftest import make_user, unit
from tests.plans.test_browser import log_in


@pytest.mark.browser
def test_supervisor_bulk_urges_three_late_items(live_server, browser, shanxi, clock, shots_dir):
    clock("2021-09-30 10:00")
    sup = make_user("sup_wb", unit("140000"), "supervisor")
    make_user("clerk_wb", unit("140105"), "clerk")
    make_user("clerk_yz", unit("140106"), "clerk")
    titles = ["推进老旧小区改造", "新建5G基站", "完成三制改革"]
    codes = ["140105", "140105", "140106"]
    tracks = [
        services.register_and_assign(actor=sup, title=t, lead=[unit(c)]).tracks.get()
        for t, c in zip(titles, codes, strict=True)
    ]
    clock("2021-10-11 08:00")
    services.register_and_assign(actor=sup, title="今天交办的事项", lead=[unit("140105")])  # not late
    clock("2021-10-11 09:00")  # sign and deploy were due 10-08: late by two working days

    page = log_in(browser, live_server, sup)
    assert page.locator("h1").inner_text() == "督办工作台"  # "/" is the supervisor's workbench
    page.locator("nav.tabs a[data-section=overdue]").click()
    page.wait_for_load_state()
    assert page.locator("p.section-count").inner_text().startswith("共 3 条承办记录，涉及 3 项事项")
    assert page.locator("table.by-unit tr[data-unit]").count() == 2
    # Select all, then take one off and put it back: the button counts what is ticked.
    page.check("input.select-all")
    assert page.get_by_role("button", name="催办所选（3）").is_visible()
    page.uncheck(f"tr[data-track='{tracks[0].pk}'] input[name=track]")
    assert page.get_by_role("button", name="催办所选（2）").is_visible()
    page.check(f"tr[data-track='{tracks[0].pk}'] input[name=track]")
    page.fill("fieldset.urge-all textarea[name=message]", "请于今日内签收并报送部署情况")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(shots_dir / "workbench.png"), full_page=True)
    page.get_by_role("button", name="催办所选（3）").click()
    page.wait_for_load_state()

    assert "已催办 3 条承办记录（3 项事项）" in page.locator("ul.messages").inner_text()
    for t in tracks:
        assert "1 次" in page.locator(f"tr[data-track='{t.pk}'] td.urges").inner_text()
    assert Urge.objects.filter(message="请于今日内签收并报送部署情况").count() == 3
    assert Alert.objects.filter(kind="urged", track__in=tracks).count() == 3
    page.context.close()
