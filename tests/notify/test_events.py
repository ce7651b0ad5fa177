"""Who is told of each action: routing, passing down, returns and closures of passed-down
work, 批示 — and that a broken notification never costs the user their action."""

from __future__ import annotations

import pytest

from duban.items import services as items
from duban.items.models import ReportKind, Urge
from duban.notify.models import Notification

from ..conftest import make_user, unit
from .conftest import told

pytestmark = pytest.mark.django_db


def recipients(kind: str) -> list[str]:
    return sorted(u for k, u in told(kind))


def signed(track, clerk):
    items.sign(actor=clerk, track_id=track.pk)
    items.file_report(actor=clerk, track_id=track.pk, kind=ReportKind.DEPLOY, done="已部署")


def test_routing_tells_the_assignee_and_heads_only(prov_sup, county_head, county_clerk, shanxi, clock):
    other = make_user("county_clerk_2", unit("140105"), "clerk")
    clock("2021-09-30 10:00")
    item = items.register_and_assign(actor=prov_sup, title="秸秆禁烧", lead=[unit("140105")])
    assert recipients("assigned") == ["county_clerk", "county_clerk_2", "county_head"]
    track = item.tracks.get()
    items.route(actor=county_head, track_id=track.pk, assignee_id=other.pk)
    assert recipients("routed") == ["county_clerk_2"]  # the head routed it: not told of it
    items.urge(actor=prov_sup, track_id=track.pk)
    assert recipients("urged") == ["county_clerk_2", "county_head"]  # the routed-away clerk is not


def test_pass_down_and_its_review_stay_between_county_and_township(
    prov_sup, county_head, county_clerk, town_clerk, clock
):
    clock("2021-09-30 10:00")
    item = items.register_and_assign(actor=prov_sup, title="农村改厕", lead=[unit("140105")])
    track = item.tracks.get()
    clock("2021-10-08 09:00")
    signed(track, county_clerk)
    child = items.pass_down(actor=county_clerk, track_id=track.pk, units=[unit("140105001")])[0]
    assert recipients("assigned") == ["county_clerk", "county_head", "town_clerk"]
    signed(child, town_clerk)
    items.file_report(actor=town_clerk, track_id=child.pk, kind=ReportKind.FEEDBACK, done="已反馈")
    items.file_report(actor=town_clerk, track_id=child.pk, kind=ReportKind.RESULT, done="已完成")
    # The county reviews its township's work (its clerk cannot: only supervisors and heads).
    assert recipients("closure.requested") == ["county_head"]
    items.return_track(actor=county_head, track_id=child.pk, reason="缺照片")
    assert recipients("returned") == ["town_clerk"]
    assert "缺照片" in Notification.objects.get(alert__kind="returned").alert.body


def test_instruction_reaches_every_unit_still_handling(
    prov_sup, prov_leader, county_clerk, sibling_clerk, clock
):
    clock("2021-09-30 10:00")
    item = items.register_and_assign(
        actor=prov_sup, title="冬季供暖", lead=[unit("140105")], coop=[unit("140106")]
    )
    items.add_instruction(actor=prov_leader, item_id=item.pk, text="务必确保群众温暖过冬")
    assert recipients("instructed") == ["county_clerk", "sibling_clerk"]
    alert = Notification.objects.filter(alert__kind="instructed").first().alert
    assert "务必确保群众温暖过冬" in alert.body and alert.track_id is None


def test_a_broken_notification_does_not_cost_the_urge(
    prov_sup, county_clerk, assigned_item, monkeypatch, caplog
):
    from duban.notify import fanout

    def broken(*a, **kw):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(fanout, "event_message", broken)
    items.urge(actor=prov_sup, track_id=assigned_item.tracks.get().pk, message="快")
    assert Urge.objects.filter(message="快").exists()
    assert not Notification.objects.filter(alert__kind="urged").exists()
    assert "could not notify of urged" in caplog.text


def test_next_years_calendar_missing_on_1_december_tells_the_admins_once(admin_user, county_clerk):
    from .conftest import local, sweep

    sweep(local("2026-11-30 23:00"))
    assert told("calendar.missing") == []
    sweep(local("2026-12-01 00:01"))
    sweep(local("2026-12-01 09:00"))
    assert told("calendar.missing") == [("calendar.missing", "admin_user")]
    alert = Notification.objects.get(alert__kind="calendar.missing").alert
    assert "2027" in alert.title and alert.url.endswith("/manage/calendar/2027/")
    from django.test import Client

    resp = Client()
    resp.force_login(admin_user)
    n = Notification.objects.get(alert__kind="calendar.missing")
    assert resp.post(f"/inbox/{n.pk}/open/")["Location"] == "/manage/calendar/2027/"
