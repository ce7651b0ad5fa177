"""E-mail through a real SMTP server, webhooks to a real HTTP server that checks the 钉钉
signature, and a failing endpoint retried with backoff and then logged — nothing else lost."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.core.clock import travel_to
from duban.items import services as items
from duban.notify import dispatch
from duban.notify.models import Delivery, Robot

from ..conftest import unit
from .conftest import local, pump, sweep
from .servers import RobotServer, SmtpServer

pytestmark = pytest.mark.django_db
SECRET = "SEC0123456789abcdef"


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield server


@pytest.fixture
def robots():
    with RobotServer(SECRET) as server:
        yield server


def robot(unit_code: str, flavour: str, url: str, secret: str = "", kinds=()) -> Robot:
    from duban.orgs.models import OrgUnit

    return Robot.objects.create(
        unit=OrgUnit.objects.get(code=unit_code),
        name=f"{flavour} 群",
        flavour=flavour,
        url=url,
        secret=secret,
        kinds=list(kinds),
        created_at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
    )


def test_email_over_real_smtp_in_chinese_with_link(smtp, prov_sup, county_clerk, clock):
    county_clerk.email = "clerk@xd.gov.cn"
    county_clerk.save()
    clock("2021-09-30 10:00")
    item = items.register_and_assign(actor=prov_sup, title="推进老旧小区改造", lead=[unit("140105")])
    pump()
    assert len(smtp.messages) == 1
    rcpt, msg = smtp.messages[0]
    assert rcpt == ["clerk@xd.gov.cn"]
    assert str(msg["Subject"]).strip() == "【新交办事项】推进老旧小区改造"
    text = msg.get_content()
    assert "承办单位：小店区" in text and f"http://duban.test/items/{item.pk}/" in text
    assert Delivery.objects.get().state == "sent"


def test_dingtalk_signed_wecom_format_and_a_failing_robot(
    robots, smtp, prov_sup, county_clerk, county_head, assigned_item
):
    county_clerk.email = "clerk@xd.gov.cn"
    county_clerk.save()
    robot("140105", "dingtalk", robots.url + "/dingtalk?access_token=t1", SECRET)
    robot("140105", "wecom", robots.url + "/wecom?key=k1", kinds=["urged"])
    bad = robot("140105", "json", robots.url + "/down")
    track = assigned_item.tracks.get()
    robots.received.clear()
    Delivery.objects.all().delete()
    smtp.messages.clear()

    with travel_to(local("2021-10-08 09:00")):
        items.urge(actor=prov_sup, track_id=track.pk, message="请于今日报送")
        pump()
    by_path = {path: (query, body, verdict) for path, query, body, verdict in robots.received}
    query, body, verdict = by_path["/dingtalk"]
    assert verdict == "ok" and query["access_token"] == "t1"
    assert body["msgtype"] == "markdown" and "请于今日报送" in body["markdown"]["text"]
    assert body["markdown"]["title"].startswith("【催办】")
    _q, body, _v = by_path["/wecom"]
    assert body["msgtype"] == "markdown" and "【催办】推进老旧小区改造" in body["markdown"]["content"]
    assert "/down" in by_path
    # The bad robot: retried after 1, 5, 30 and 120 minutes, then failed for good and logged.
    d = Delivery.objects.get(robot=bad, alert__kind="urged")
    assert (d.state, d.attempts) == ("waiting", 1) and "HTTP 500" in d.last_error
    start = local("2021-10-08 09:00")
    minutes = 0
    for wait in dispatch.BACKOFF_MINUTES:
        sweep(start + dt.timedelta(minutes=minutes + wait - 0.5))  # not yet
        assert Delivery.objects.get(pk=d.pk).attempts == 1 + dispatch.BACKOFF_MINUTES.index(wait)
        minutes += wait
        sweep(start + dt.timedelta(minutes=minutes, seconds=30))
    d.refresh_from_db()
    assert (d.state, d.attempts) == ("failed", dispatch.MAX_ATTEMPTS)
    urges = [r for r in robots.received if "请于今日报送" in str(r[2])]
    assert sum(1 for r in urges if r[0] == "/down") == dispatch.MAX_ATTEMPTS
    # Nothing else was lost or sent twice (the sweep meanwhile told of the sign node falling due).
    others = Delivery.objects.filter(alert__kind="urged").exclude(robot=bad)
    assert sorted(others.values_list("channel", "state")) == [
        ("email", "sent"),
        ("webhook", "sent"),
        ("webhook", "sent"),
    ]
    assert sum(1 for _to, m in smtp.messages if "催办" in str(m["Subject"])) == 1
    assert sum(1 for r in urges if r[0] == "/dingtalk") == 1
    assert set(Delivery.objects.exclude(robot=bad).values_list("state", flat=True)) == {"sent"}


def test_wrong_dingtalk_secret_is_a_failure_with_the_robots_answer(
    robots, prov_sup, county_clerk, assigned_item
):
    robot("140105", "dingtalk", robots.url + "/dingtalk?access_token=t1", "SECwrong")
    items.urge(actor=prov_sup, track_id=assigned_item.tracks.get().pk)
    pump()
    d = Delivery.objects.get(channel="webhook")
    assert d.state == "waiting" and "310000" in d.last_error and "sign not match" in d.last_error


def test_unreachable_smtp_is_retried_not_lost(settings, prov_sup, county_clerk, assigned_item):
    from .servers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    county_clerk.email = "clerk@xd.gov.cn"
    county_clerk.save()
    with travel_to(local("2021-10-08 09:00")):
        items.urge(actor=prov_sup, track_id=assigned_item.tracks.get().pk)
        pump()
    d = Delivery.objects.get(alert__kind="urged")
    assert d.state == "waiting" and d.attempts == 1 and "Connection" in d.last_error
    with SmtpServer() as server:
        settings.EMAIL_PORT = server.port
        sweep(local("2021-10-08 09:01:30"))
        assert sum("【催办】" in str(m["Subject"]) for _to, m in server.messages) == 1
    d.refresh_from_db()
    assert d.state == "sent"
