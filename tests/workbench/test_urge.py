"""Bulk 催办: three tracks, one message, all or nothing."""

from __future__ import annotations

import pytest

from duban.core.errors import DubanError
from duban.items.models import Track, Urge
from duban.journal.models import Event
from duban.notify.models import Alert
from duban.workbench import services


def state(*tracks):
    return (
        list(
            Track.objects.filter(pk__in=[t.pk for t in tracks])
            .order_by("pk")
            .values_list("version", "last_urged_at")
        ),
        Urge.objects.count(),
        Event.objects.count(),
        Alert.objects.filter(kind="urged").count(),
    )


def test_three_tracks_one_message(story, prov_sup, clock):
    s = story
    clock("2021-10-11 09:00")
    before_events = Event.objects.count()
    before_alerts = Alert.objects.filter(kind="urged").count()
    urges = services.urge_many(
        actor=prov_sup,
        track_ids=[s.late_a.pk, s.late_b.pk, str(s.late_c.pk), s.late_a.pk],
        message="请今日内签收",
    )
    assert [u.track_id for u in urges] == [s.late_a.pk, s.late_b.pk, s.late_c.pk]  # duplicates once
    assert {u.message for u in urges} == {"请今日内签收"}
    events = Event.objects.filter(action="track.urge").order_by("-seq")[:3]
    assert {e.track_id for e in events} == {s.late_a.pk, s.late_b.pk, s.late_c.pk}
    assert Event.objects.count() == before_events + 3
    alerts = Alert.objects.filter(kind="urged").order_by("-id")[:3]
    assert {a.track_id for a in alerts} == {s.late_a.pk, s.late_b.pk, s.late_c.pk}
    assert Alert.objects.filter(kind="urged").count() == before_alerts + 3
    for t in (s.late_a, s.late_b, s.late_c):
        t.refresh_from_db()
        assert t.last_urged_at is not None
    # The workbench counts the new urges.
    from duban.workbench.selectors import Workbench

    rows = {t.pk: t for t in Workbench(prov_sup).rows("overdue", 0, 50)}
    assert rows[s.late_a.pk].urge_count == 3 and rows[s.late_b.pk].urge_count == 1


def test_an_empty_message_is_the_usual_one(story, prov_sup, clock):
    clock("2021-10-11 09:00")
    (u,) = services.urge_many(actor=prov_sup, track_ids=[story.late_b.pk], message="  ")
    assert u.message == "请抓紧办理"


def test_one_refusal_urges_none_and_names_it(story, prov_sup, county_clerk, clock):
    from duban.items import services as item_services
    from tests.web.conftest import advance

    s = story
    clock("2021-10-11 09:00")
    # 乙 closes before the supervisor sends the batch.
    advance(s.late_b, county_clerk, to="requested")
    item_services.close_track(actor=prov_sup, track_id=s.late_b.pk, rating="good")
    before = state(s.late_a, s.late_b, s.late_c)
    with pytest.raises(DubanError) as exc:
        services.urge_many(
            actor=prov_sup, track_ids=[s.late_a.pk, s.late_b.pk, s.late_c.pk], message="请办理"
        )
    assert exc.value.code == "bulk_refused"
    assert "迟报事项乙（小店区）：事项已办结，无需催办" in exc.value.message
    assert "未发送任何催办" in exc.value.message
    assert state(s.late_a, s.late_b, s.late_c) == before


def test_outsiders_and_bad_input_change_nothing(story, other_sup, city_sup, prov_sup, clock):
    s = story
    clock("2021-10-11 09:00")
    before = state(s.late_a, s.late_b, s.late_c)
    cases = [
        (other_sup, [s.late_a.pk], "不存在或无权查看"),  # another city: cannot even see it
        (city_sup, [s.city.pk, s.late_c.pk], ""),  # Taiyuan oversees Yingze: may urge both
        (prov_sup, [], "请先勾选"),
        (prov_sup, ["x"], "无效"),
        (prov_sup, list(range(1, services.MAX_BATCH + 2)), "一次最多"),
        (prov_sup, [s.late_a.pk], "过长"),
    ]
    for actor, track_ids, words in cases:
        if not words:
            continue
        message = "催" * (services.MAX_MESSAGE + 1) if words == "过长" else "请办理"
        with pytest.raises(DubanError) as exc:
            services.urge_many(actor=actor, track_ids=track_ids, message=message)
        assert words in exc.value.message
        assert state(s.late_a, s.late_b, s.late_c) == before


def test_a_failure_midway_rolls_back_the_urges_made(story, prov_sup, clock, monkeypatch):
    from duban.core.errors import StaleVersion
    from duban.items import services as item_services

    s = story
    clock("2021-10-11 09:00")
    before = state(s.late_a, s.late_b, s.late_c)
    real = item_services.urge

    def urge(*, actor, track_id, message=""):
        if track_id == s.late_c.pk:  # someone changed 丙 between the check and its urge
            raise StaleVersion("该事项已被他人更新，请刷新页面后重试")
        return real(actor=actor, track_id=track_id, message=message)

    monkeypatch.setattr(item_services, "urge", urge)
    with pytest.raises(StaleVersion):
        services.urge_many(
            actor=prov_sup, track_ids=[s.late_a.pk, s.late_b.pk, s.late_c.pk], message="请办理"
        )
    assert state(s.late_a, s.late_b, s.late_c) == before
