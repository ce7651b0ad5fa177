"""Accounts in Chromium: a clerk locks their account with wrong passwords and is told so in
Chinese, the admin unlocks it on the 人员 page, and the clerk then creates an API token on
我的令牌 (shown once) and changes their password on 修改密码."""

import pytest

from duban.orgs.models import ApiToken, User
from tests.conftest import make_user, unit
from tests.plans.test_browser import log_in

NEW = "Xiaodian-2021-pw"


@pytest.mark.browser
def test_lock_unlock_token_and_password(live_server, browser, shanxi, clock, shots_dir):
    clock("2021-10-08 09:00")
    clerk = make_user("xd_clerk", unit("140105"), "clerk")
    admin = make_user("adm_b", unit("140000"), "admin")

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    for _ in range(5):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "xd_clerk")
        page.fill("input[name=password]", "wrong-password")
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "xd_clerk")
    page.fill("input[name=password]", "pw-123456")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "连续 5 次密码错误，账号已被锁定" in page.locator("#lockout").inner_text()
    page.screenshot(path=str(shots_dir / "login-locked.png"))

    adm = log_in(browser, live_server, admin)
    adm.goto(f"{live_server.url}/manage/users/?q=xd_clerk")
    assert "登录已锁定" in adm.locator("#users").inner_text()
    adm.get_by_role("link", name="xd_clerk").click()
    adm.locator("#unlock button").click()
    adm.wait_for_load_state()
    assert "已解除登录锁定" in adm.content()

    me = log_in(browser, live_server, clerk)
    me.get_by_role("link", name="我的令牌").click()
    me.fill("#create-token input[name=name]", "夜间同步")
    me.fill("#create-token input[name=days]", "30")
    me.locator("#create-token button").click()
    me.wait_for_load_state()
    raw = me.locator("#token-value").inner_text()
    assert raw.startswith("dbn_") and ApiToken.objects.get(user=clerk).name == "夜间同步"
    me.screenshot(path=str(shots_dir / "tokens.png"))
    me.goto(f"{live_server.url}/account/tokens/")
    assert raw not in me.content() and "夜间同步" in me.locator("#tokens").inner_text()
    assert ApiToken.objects.count() == 1

    me.get_by_role("link", name="修改密码").click()
    me.fill("input[name=old_password]", "pw-123456")
    me.fill("input[name=password]", NEW)
    me.fill("input[name=password2]", NEW)
    me.locator("#change-password button").click()
    me.wait_for_load_state()
    assert "密码已修改" in me.content()
    assert User.objects.get(pk=clerk.pk).check_password(NEW)
