"""Preferences at work: a channel switched off, quiet hours, the daily digest, and a reminder
that stopped being true while it waited."""

from __future__ import annotations

import pytest
from django.core import mail

from duban.core.clock import travel_to
from duban.items import services as items
from duban.notify import services as notify
from duban.notify.models import Delivery, Notification

from ..conftest import unit
from .conftest import local, pump, sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(county_clerk):
    county_clerk.email = "clerk@xd.gov.cn"
    county_clerk.save()
    return county_clerk


def assign(prov_sup, title="推进老旧小区改造"):
    return items.register_and_assign(actor=prov_sup, title=title, lead=[unit("140105")])


def test_channel_off_still_inbox(prov_sup, clerk):
    with travel_to(local("2021-09-30 10:00")):
        notify.save_preferences(actor=clerk, email_kinds=["urged"], quiet=False)
        item = assign(prov_sup)
        items.urge(actor=prov_sup, track_id=item.tracks.get().pk)
        pump()
    assert [m.subject for m in mail.outbox] == ["【催办】推进老旧小区改造"]
    assert Notification.objects.filter(recipient=clerk).count() == 2  # the inbox keeps both


def test_quiet_hours_hold_until_they_end(prov_sup, clerk):
    with travel_to(local("2021-09-29 23:10")):
        notify.save_preferences(
            actor=clerk, email_kinds=["urged", "assigned"], quiet=True, quiet_start=22, quiet_end=7
        )
        assign(prov_sup)
        pump()
    assert mail.outbox == []
    d = Delivery.objects.get()
    assert d.state == "waiting"
    sweep(local("2021-09-30 06:59"))
    assert mail.outbox == []
    sweep(local("2021-09-30 07:00"))
    assert len(mail.outbox) == 1 and Delivery.objects.get().state == "sent"


def test_daily_digest_is_one_message(prov_sup, clerk):
    with travel_to(local("2021-09-28 10:00")):
        notify.save_preferences(
            actor=clerk, email_kinds=["assigned", "urged"], digest=True, digest_hour=8, quiet=False
        )
        a = assign(prov_sup, "事项甲")
        assign(prov_sup, "事项乙")
    with travel_to(local("2021-09-28 15:00")):
        items.urge(actor=prov_sup, track_id=a.tracks.get().pk)
        pump()
    sweep(local("2021-09-28 20:00"))
    assert mail.outbox == []
    sweep(local("2021-09-29 08:00"))
    assert len(mail.outbox) == 1
    m = mail.outbox[0]
    assert m.subject.startswith("【督办每日汇总】") and "共 3 条" in m.subject
    assert "事项甲" in m.body and "事项乙" in m.body and "【催办】" in m.body
    assert "http://duban.test/inbox/" not in m.subject
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    sweep(local("2021-09-30 08:00"))
    assert len(mail.outbox) == 1  # nothing new, nothing resent


def test_reminder_no_longer_true_is_dropped(prov_sup, clerk):
    # Quiet until 10:00, so the 08:30 due-soon e-mail waits; the clerk signs at 09:00.
    with travel_to(local("2021-09-30 10:00")):
        notify.save_preferences(
            actor=clerk, email_kinds=["due_soon"], quiet=True, quiet_start=20, quiet_end=10
        )
        item = assign(prov_sup)
    track = item.tracks.get()
    sweep(local("2021-10-08 08:30"))  # signing falls due today (the first day after the holiday)
    held = Delivery.objects.get(alert__kind="due_soon")
    assert held.state == "waiting" and "签收" in held.alert.body
    with travel_to(local("2021-10-08 09:00")):
        items.sign(actor=clerk, track_id=track.pk)
        pump()
    sweep(local("2021-10-08 10:00"))
    held.refresh_from_db()
    assert held.state == "dropped" and held.last_error.startswith("提醒发送前情况已变化")
    # What is still true went out: the deploy report, due today too, is now where the unit stands.
    assert [m.subject for m in mail.outbox] == ["【即将到期】推进老旧小区改造"]
    assert "部署报告" in mail.outbox[0].body


def test_sweep_twice_tells_once(prov_sup, clerk):
    with travel_to(local("2021-09-30 10:00")):
        assign(prov_sup)
    first = sweep(local("2021-10-11 10:00"))  # overdue by a working day: the supervisor
    assert first.claimed == 1 and sum(first.alerts.values()) > 0
    n = Notification.objects.count()
    again = sweep(local("2021-10-11 10:00"))
    assert again.tracks == 0 and Notification.objects.count() == n
    later = sweep(local("2021-10-11 10:01"))
    assert later.tracks == 0  # the track's next look is when its next reminder comes due


@pytest.mark.parametrize("length", [1, 10, 40, 41, 42, 60, 200])
def test_sms_text_is_under_70_characters(length):
    from duban.notify.fanout import sms_text

    text = sms_text("overdue.3", "关" * length)
    assert (
        len(text) < 70
        and text.startswith("【督办】逾期 3 个工作日：")
        and text.endswith("请登录督办系统办理")
    )


def test_digest_sms_is_one_short_text(prov_sup, county_head, settings):
    from .conftest import sms_lines

    county_head.phone = "13900000003"
    county_head.save()
    with travel_to(local("2021-09-28 10:00")):
        notify.save_preferences(
            actor=county_head, sms_kinds=["assigned", "urged"], digest=True, digest_hour=9
        )
        for n in range(12):
            item = assign(prov_sup, f"事项{n}")
            items.urge(actor=prov_sup, track_id=item.tracks.get().pk)
        pump()
    sweep(local("2021-09-29 09:00"))
    texts = sms_lines(settings)
    assert len(texts) == 1
    assert texts[0]["text"] == "【督办】今日提醒：新交办事项12条，催办12条，请登录督办系统查看"
    assert len(texts[0]["text"]) < 70


def test_inbox_keeps_messages_for_the_retention_time(prov_sup, clerk, settings):
    settings.DUBAN_NOTIFY_RETENTION_DAYS = 30
    with travel_to(local("2021-09-01 10:00")):
        assign(prov_sup)
    sweep(local("2021-09-30 10:00"))
    assert Notification.objects.filter(recipient=clerk).exists()
    sweep(local("2021-10-02 10:00"))
    assert not Notification.objects.filter(recipient=clerk, alert__kind="assigned").exists()


@pytest.mark.parametrize("returning", [True, False], ids=["insert-returning", "read-back"])
def test_both_write_paths_tell_once(prov_sup, clerk, county_head, monkeypatch, returning):
    # SQLite before 3.35 has no UPDATE/INSERT … RETURNING: the sweep reads back instead.
    from duban.notify import fanout
    from duban.notify import sweep as sweep_mod

    monkeypatch.setattr(fanout, "can_return_inserted", lambda: returning)
    monkeypatch.setattr(sweep_mod, "can_return_inserted", lambda: returning)
    with travel_to(local("2021-09-30 10:00")):
        assign(prov_sup)
    first = sweep(local("2021-10-11 10:00"))
    assert first.claimed == 1 and dict(first.alerts) == {"overdue": 1, "overdue.1": 1}
    assert sorted(Notification.objects.values_list("alert__kind", "recipient__username")) == [
        ("assigned", "county_clerk"),
        ("assigned", "county_head"),
        ("overdue", "county_head"),
        ("overdue.1", "prov_sup"),
    ]
    from duban.notify.models import Watch

    Watch.objects.update(sweep_at=local("2021-10-11 09:00"))  # as if a service touched the track
    again = sweep(local("2021-10-11 10:05"))
    assert again.claimed == 1 and not again.alerts and Notification.objects.count() == 4
