"""Login throttling: an account is locked after 5 wrong passwords, an address after its own
(higher) limit; the right password is then refused with the reason in Chinese; an admin of the
person's unit unlocks on the 人员 page (journaled); the lock also ends by itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from duban.core.errors import Forbidden, InvalidInput
from duban.journal.models import Event
from duban.orgs import services
from tests.accounts.conftest import logged_in, login
from tests.conftest import make_user, unit

LOCKED = "连续 5 次密码错误，账号已被锁定"


def fail(username: str, times: int, *, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        _, r = login(username, "wrong-password", address=address)
        assert r.status_code in (200, 429) and not logged_in(r)


def test_four_wrong_passwords_do_not_lock(county_clerk, clock):
    clock("2021-10-08 09:00")
    fail("county_clerk", 4)
    _, r = login("county_clerk", "pw-123456")
    assert logged_in(r)


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(county_clerk, clock):
    clock("2021-10-08 09:00")
    fail("county_clerk", 4)
    _, fifth = login("county_clerk", "wrong-password")
    assert fifth.status_code == 429 and LOCKED in fifth.content.decode()

    c, r = login("county_clerk", "pw-123456")
    assert r.status_code == 429
    page = r.content.decode()
    assert LOCKED in page and "请 30 分钟后再试，或联系管理员解除锁定" in page
    assert "_auth_user_id" not in c.session
    # From another address too: the lock is on the account.
    _, r = login("county_clerk", "pw-123456", address="10.9.9.9")
    assert r.status_code == 429 and LOCKED in r.content.decode()
    # Others are not affected.
    make_user("other_clerk", unit("140105"), "clerk")
    assert logged_in(login("other_clerk", "pw-123456")[1])


def test_lock_ends_by_itself_after_the_cool_off(county_clerk, clock):
    clock("2021-10-08 09:00")
    fail("county_clerk", 5)
    clock("2021-10-08 09:29")
    assert login("county_clerk", "pw-123456")[1].status_code == 429
    # The refused attempt at 09:29 counts as a failure and restarts the 30 minutes.
    clock("2021-10-08 09:58")
    assert login("county_clerk", "pw-123456")[1].status_code == 429
    clock("2021-10-08 10:29")
    assert logged_in(login("county_clerk", "pw-123456")[1])


def test_a_success_clears_earlier_failures(county_clerk, clock):
    clock("2021-10-08 09:00")
    fail("county_clerk", 4)
    assert logged_in(login("county_clerk", "pw-123456")[1])
    fail("county_clerk", 4)
    assert logged_in(login("county_clerk", "pw-123456")[1])


def test_an_address_spraying_many_accounts_is_locked(shanxi, settings, clock):
    clock("2021-10-08 09:00")
    settings.DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    for i in range(6):
        make_user(f"clerk{i}", unit("140105"), "clerk")
    # Two wrong passwords each for three accounts: no account reaches 5, the address reaches 6.
    for i in range(3):
        fail(f"clerk{i}", 2, address="10.6.6.6")
    _, r = login("clerk5", "pw-123456", address="10.6.6.6")
    assert r.status_code == 429
    assert "该地址登录失败次数过多，已暂停从此地址登录，请 30 分钟后再试" in r.content.decode()
    # The same person from another address is fine: it is the address that is locked.
    assert logged_in(login("clerk5", "pw-123456", address="10.7.7.7")[1])
    assert logged_in(login("clerk0", "pw-123456", address="10.7.7.7")[1])


def test_the_address_limit_is_not_the_account_limit(shanxi, clock):
    """Twenty by default: five people behind one office NAT address mistyping once each must
    not lock the office out."""
    clock("2021-10-08 09:00")
    for i in range(6):
        make_user(f"clerk{i}", unit("140105"), "clerk")
        fail(f"clerk{i}", 2, address="10.6.6.6")
    assert logged_in(login("clerk0", "pw-123456", address="10.6.6.6")[1])


def test_admin_unlocks_on_the_people_page_and_the_login_works(county_clerk, admin_user, clock):
    clock("2021-10-08 09:00")
    fail("county_clerk", 5, address="10.1.1.1")
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/manage/users/")
    assert "登录已锁定" in page.content.decode()
    page = admin.get(f"/manage/users/{county_clerk.pk}/").content.decode()
    assert "已锁定" in page and "连续 5 次密码错误" in page and "10.1.1.1" in page and 'id="unlock"' in page

    clock("2021-10-08 09:05")
    r = admin.post(f"/manage/users/{county_clerk.pk}/", {"action": "unlock"})
    assert r.status_code == 302
    e = Event.objects.filter(action="user.unlock").get()
    assert e.actor_id == admin_user.pk and e.object_id == county_clerk.pk
    assert e.old == {"failures": 5, "locked": True, "addresses": ["10.1.1.1"]}
    assert logged_in(login("county_clerk", "pw-123456", address="10.1.1.1")[1])
    # Nothing left to unlock: the button is gone and the service says why.
    assert 'id="unlock"' not in admin.get(f"/manage/users/{county_clerk.pk}/").content.decode()
    r = admin.post(f"/manage/users/{county_clerk.pk}/", {"action": "unlock"})
    assert r.status_code == 409 and "无需解除锁定" in r.content.decode()


def test_only_an_admin_over_the_person_unlocks(county_clerk, city_sup, clock):
    clock("2021-10-08 09:00")
    fail("county_clerk", 5)
    prov_user = make_user("prov_clerk", unit("140000"), "clerk")
    fail("prov_clerk", 5)
    city_admin = make_user("ty_admin", unit("140100"), "admin")
    # The Taiyuan admin keeps Xiaodian's people, not the province's.
    with pytest.raises(Forbidden):
        services.unlock_login(actor=city_admin, user_id=prov_user.pk)
    c = Client()
    c.force_login(city_admin)
    assert c.get(f"/manage/users/{prov_user.pk}/").status_code == 404
    assert c.post(f"/manage/users/{prov_user.pk}/", {"action": "unlock"}).status_code == 404
    assert login("prov_clerk", "pw-123456")[1].status_code == 429
    # A supervisor has no 人员 page at all.
    c.force_login(city_sup)
    assert c.post(f"/manage/users/{county_clerk.pk}/", {"action": "unlock"}).status_code == 404
    with pytest.raises(Forbidden):
        services.unlock_login(actor=city_sup, user_id=county_clerk.pk)
    assert not Event.objects.filter(action="user.unlock").exists()
    services.unlock_login(actor=city_admin, user_id=county_clerk.pk)
    assert logged_in(login("county_clerk", "pw-123456")[1])


def test_unlock_from_the_command_line_needs_failures(county_clerk):
    with pytest.raises(InvalidInput):
        services.unlock_login(actor=None, user_id=county_clerk.pk)


def test_lock_state_reads_the_system_clock(county_clerk, clock):
    from duban.orgs.lockout import lock_state

    start = clock("2021-10-08 09:00")
    fail("county_clerk", 5)
    state = lock_state("county_clerk")
    assert state.locked and state.failures == 5 and state.until == start + dt.timedelta(minutes=30)
    clock("2021-10-08 09:31")
    assert not lock_state("county_clerk").locked
