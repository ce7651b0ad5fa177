"""In Chromium, without logging in: the public progress page shows the published task, its
status and the approved progress text — and no person's name, no internal comment, no file."""

import pytest

from duban.items import services

from .conftest import PUBLIC_TEXT, SECRETS


@pytest.mark.browser
def test_public_page_without_login(
    live_server, browser, story, plan, prov_sup, prov_leader, county_clerk, sibling_clerk, shots_dir
):
    services.set_public(actor=prov_sup, item_id=story.a.pk, public=True)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    page = ctx.new_page()
    page.goto(f"{live_server.url}/public/")
    assert page.url == f"{live_server.url}/public/"  # no login redirect
    page.get_by_role("heading", name=plan.title).wait_for()
    item = page.locator(f"li.public-item[data-item='{story.a.pk}']")
    assert "推进老旧小区改造" in item.inner_text()
    assert PUBLIC_TEXT in item.inner_text()
    assert item.locator(".public-status").inner_text() == "滞后"
    assert page.locator("h2", has_text="（五）持续改善民生").count() == 1
    text = page.locator("body").inner_text()
    for secret in vars(SECRETS).values():
        assert secret not in text
    for user in (prov_sup, prov_leader, county_clerk, sibling_clerk):
        assert user.username not in text and user.display_name not in text
    assert "整治城区道路积水" not in text
    assert page.locator("form, input, a[href*='/attachments/'], a[href*='/items/']").count() == 0
    page.screenshot(path=str(shots_dir / "public.png"), full_page=True)
    ctx.close()


@pytest.mark.browser
def test_notice_prints_on_one_a4_page(live_server, browser, story, prov_sup, shots_dir):
    from tests.plans.test_browser import log_in

    page = log_in(browser, live_server, prov_sup)
    page.goto(f"{live_server.url}/items/{story.a.pk}/")
    page.get_by_role("link", name="打印督办通知单").click()
    page.wait_for_url(f"{live_server.url}/ledgers/print/item/{story.a.pk}/notice/")
    page.screenshot(path=str(shots_dir / "notice.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator(".print-actions").is_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    import re

    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # one sheet of A4
