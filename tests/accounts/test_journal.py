"""Every login, failed login and logout leaves a journal row."""

from __future__ import annotations

from duban.journal.models import Event
from duban.journal.services import verify
from tests.accounts.conftest import logged_in, login


def rows(action: str) -> list[Event]:
    return list(Event.objects.filter(action=action).order_by("seq"))


def test_login_and_logout_are_journaled_with_the_address(county_clerk, clock):
    at = clock("2021-10-08 09:00")
    c, r = login("county_clerk", "pw-123456", address="10.2.3.4")
    assert logged_in(r)
    (e,) = rows("user.login")
    assert e.actor_id == county_clerk.pk and e.actor_unit_id == county_clerk.unit_id
    assert e.object_id == county_clerk.pk and e.payload == {"address": "10.2.3.4"} and e.at == at

    assert c.post("/logout/").status_code == 302
    (e,) = rows("user.logout")
    assert e.actor_id == county_clerk.pk and e.payload == {"address": "10.2.3.4"}
    assert "_auth_user_id" not in c.session
    assert verify().ok


def test_a_wrong_password_is_journaled_without_an_actor(county_clerk, clock):
    clock("2021-10-08 09:00")
    _, r = login("county_clerk", "not-it", address="10.2.3.4")
    assert r.status_code == 200 and not logged_in(r)
    (e,) = rows("user.login_failed")
    assert e.actor_id is None and e.actor_unit_id is None
    assert e.object_type == "user" and e.object_id == county_clerk.pk
    assert e.payload == {"username": "county_clerk", "address": "10.2.3.4", "locked": False}
    assert "not-it" not in str(e.payload) and not rows("user.login")


def test_an_unknown_username_is_journaled_as_typed(shanxi, clock):
    clock("2021-10-08 09:00")
    login("nobody-here", "whatever", address="10.5.5.5")
    (e,) = rows("user.login_failed")
    assert e.actor_id is None and e.object_id is None
    assert e.payload == {"username": "nobody-here", "address": "10.5.5.5", "locked": False}


def test_refusals_while_locked_are_journaled_as_locked(county_clerk, clock):
    clock("2021-10-08 09:00")
    for _ in range(5):
        login("county_clerk", "wrong")
    login("county_clerk", "pw-123456")
    flags = [e.payload["locked"] for e in rows("user.login_failed")]
    assert flags == [False, False, False, False, True, True]
    assert not rows("user.login")
