"""In Chromium: a county clerk has the queue open; a supervisor urges in another browser; the
clerk's unread count rises without a reload; the clerk opens the inbox and follows the link."""

import pytest

from duban.items import services
from tests.conftest import make_user, unit
from tests.plans.test_browser import log_in


@pytest.mark.browser
def test_clerk_sees_the_urge_arrive(live_server, browser, shanxi, clock, settings, shots_dir):
    settings.DUBAN_INBOX_POLL_SECONDS = 1
    clock("2021-09-30 10:00")
    sup = make_user("sup_n", unit("140000"), "supervisor")
    clerk = make_user("clerk_n", unit("140105"), "clerk")
    item = services.register_and_assign(actor=sup, title="浏览器提醒测试事项", lead=[unit("140105")])

    clerk_page = log_in(browser, live_server, clerk)
    badge = clerk_page.locator("#inbox-link .unread")
    assert badge.inner_text() == "1"  # the assignment

    sup_page = log_in(browser, live_server, sup)
    sup_page.goto(f"{live_server.url}/items/{item.pk}/")
    sup_page.locator("details.action summary", has_text="催办").click()
    sup_page.fill("form.urge-form textarea[name=message]", "请今天内签收")
    sup_page.locator("form.urge-form button[type=submit]").click()
    sup_page.wait_for_load_state()

    # The clerk's page was not reloaded: the header asks again and shows two.
    clerk_page.wait_for_function(
        "() => document.querySelector('#inbox-link .unread').textContent === '2'", timeout=10000
    )
    clerk_page.locator("#inbox-link").click()
    clerk_page.wait_for_url(f"{live_server.url}/inbox/")
    row = clerk_page.locator("tr.unread", has_text="【催办】浏览器提醒测试事项")
    assert "请今天内签收" in row.inner_text()
    clerk_page.set_viewport_size({"width": 1280, "height": 700})
    clerk_page.screenshot(path=str(shots_dir / "inbox.png"), full_page=False)
    row.get_by_role("button", name="查看").click()
    clerk_page.wait_for_url(f"{live_server.url}/items/{item.pk}/")
    assert "浏览器提醒测试事项" in clerk_page.content()
    assert clerk_page.locator("#inbox-link .unread").inner_text() == "1"
    # Stop the polling pages before the live server goes away (a late poll would hold a connection).
    clerk_page.context.close()
    sup_page.context.close()
