"""A login ends after 30 idle minutes or 12 hours, whichever first (both configurable); the
times follow the system clock, and the logout is journaled with the reason."""

from __future__ import annotations

import datetime as dt

from duban.journal.models import Event
from tests.accounts.conftest import logged_in, login


def alive(c) -> bool:
    r = c.get("/items/")
    return r.status_code == 200


def test_idle_for_thirty_minutes_logs_out(county_clerk, limits_on, clock):
    clock("2021-10-08 09:00")
    c, r = login("county_clerk", "pw-123456")
    assert logged_in(r)
    clock("2021-10-08 09:29")
    assert alive(c)
    clock("2021-10-08 09:58")  # 29 minutes after the last request, 58 after the login
    assert alive(c)
    clock("2021-10-08 10:28")
    r = c.get("/items/")
    assert r.status_code == 302 and r.url.startswith("/login/")
    assert "30 分钟未操作，已自动退出，请重新登录" in c.get(r.url).content.decode()
    e = Event.objects.get(action="user.logout")
    assert e.actor_id == county_clerk.pk and e.payload["reason"] == "idle"
    assert not alive(c)


def test_the_header_poll_does_not_keep_a_session_alive(county_clerk, limits_on, clock):
    clock("2021-10-08 09:00")
    c, _ = login("county_clerk", "pw-123456")
    for minute in (10, 20, 29):
        clock(f"2021-10-08 09:{minute:02d}")
        assert c.get("/inbox/unread.json").status_code == 200
    clock("2021-10-08 09:31")
    assert not alive(c)


def test_twelve_hours_end_a_busy_login(county_clerk, limits_on, clock):
    start = clock("2021-10-08 08:00")
    c, _ = login("county_clerk", "pw-123456")
    at = start
    while at + dt.timedelta(minutes=20) < start + dt.timedelta(hours=12):
        at += dt.timedelta(minutes=20)
        clock(at)
        assert alive(c), at
    clock(start + dt.timedelta(hours=12))
    r = c.get("/items/")
    assert r.status_code == 302
    assert "登录已满 12 小时，请重新登录" in c.get(r.url).content.decode()
    assert Event.objects.get(action="user.logout").payload["reason"] == "absolute"
    # A fresh login starts the count again.
    c, r = login("county_clerk", "pw-123456")
    assert logged_in(r) and alive(c)


def test_limits_come_from_the_settings(county_clerk, limits_on, clock):
    limits_on.DUBAN_SESSION_IDLE_MINUTES = 5
    limits_on.DUBAN_SESSION_HOURS = 1
    clock("2021-10-08 09:00")
    c, _ = login("county_clerk", "pw-123456")
    clock("2021-10-08 09:04")
    assert alive(c)
    clock("2021-10-08 09:10")
    assert not alive(c)
    c, _ = login("county_clerk", "pw-123456")
    for minute in (14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 54, 58):
        clock(f"2021-10-08 09:{minute:02d}")
        assert alive(c)
    clock("2021-10-08 10:10")
    assert not alive(c)


def test_an_expired_session_is_refused_by_the_api_too(county_clerk, limits_on, clock):
    clock("2021-10-08 09:00")
    c, _ = login("county_clerk", "pw-123456")
    assert c.get("/api/v1/me").status_code == 200
    clock("2021-10-08 09:45")
    r = c.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_the_settings_read_the_environment(monkeypatch):
    import importlib

    from duban import settings as project

    monkeypatch.setenv("DUBAN_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("DUBAN_SESSION_HOURS", "8")
    try:
        fresh = importlib.reload(project)
        assert fresh.DUBAN_SESSION_IDLE_MINUTES == 15 and fresh.DUBAN_SESSION_HOURS == 8
        assert fresh.SESSION_COOKIE_AGE == 8 * 3600
    finally:
        monkeypatch.delenv("DUBAN_SESSION_IDLE_MINUTES")
        monkeypatch.delenv("DUBAN_SESSION_HOURS")
        fresh = importlib.reload(project)
    assert fresh.DUBAN_SESSION_IDLE_MINUTES == 30 and fresh.DUBAN_SESSION_HOURS == 12


def session_writes(c, path="/items/") -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        assert c.get(path).status_code == 200
    return sum(1 for x in q.captured_queries if x["sql"].startswith('UPDATE "django_session"'))


def test_the_last_seen_time_is_written_at_most_once_a_minute(county_clerk, limits_on, clock):
    clock("2021-10-08 09:00")
    c, _ = login("county_clerk", "pw-123456")
    assert session_writes(c) == 0  # the login itself stamped it
    clock("2021-10-08 09:00:59")
    assert session_writes(c) == 0
    clock("2021-10-08 09:01:01")
    assert session_writes(c) == 1
    assert session_writes(c) == 0
    # Without an idle limit nothing is written at all.
    limits_on.DUBAN_SESSION_IDLE_MINUTES = 0
    clock("2021-10-08 09:05")
    assert session_writes(c) == 0
