"""The holiday calendar page in Chromium: an admin unticks a working day in the year grid, saves,
and the open deadline that counted that day moves."""

import datetime as dt

import pytest

from duban.core.clock import SHANGHAI
from duban.items import services
from duban.items.models import Node
from duban.workcal.models import CalendarDay
from tests.conftest import make_user, unit
from tests.plans.test_browser import log_in


@pytest.mark.browser
def test_admin_closes_a_day_in_the_year_grid(live_server, browser, shanxi, clock, shots_dir):
    clock("2021-11-01 10:00")
    sup = make_user("sup_b", unit("140000"), "supervisor")
    item = services.register_and_assign(actor=sup, title="浏览器日历测试事项", lead=[unit("140105")])
    result = Node.objects.get(track__item=item, kind="result")
    assert result.due_at.astimezone(SHANGHAI).date() == dt.date(2021, 11, 10)
    admin = make_user("adm_b", unit("140000"), "admin")

    page = log_in(browser, live_server, admin)
    page.get_by_role("link", name="管理").click()
    page.get_by_role("link", name="节假日安排").click()
    page.goto(f"{live_server.url}/manage/calendar/2021/")
    assert "2021年节假日安排" in page.content()
    box = page.locator('input[name=working][value="2021-11-05"]')
    assert box.is_checked()
    box.uncheck()
    page.locator("#year-grid button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/manage/calendar/2021/")
    assert "已修改 1 天" in page.content()
    assert not page.locator('input[name=working][value="2021-11-05"]').is_checked()
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.screenshot(path=str(shots_dir / "calendar.png"), full_page=False)

    assert CalendarDay.objects.get(date=dt.date(2021, 11, 5)).is_working is False
    result.refresh_from_db()
    assert result.due_at.astimezone(SHANGHAI).date() == dt.date(2021, 11, 11)
