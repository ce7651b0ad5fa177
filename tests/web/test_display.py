"""Display helpers: Asia/Shanghai times, lateness in words, journal events in words."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from duban.core.clock import SHANGHAI
from duban.web.templatetags.duban_web import light_badge, local, span


def test_times_show_in_shanghai():
    assert local(dt.datetime(2021, 10, 8, 15, 59, 59, tzinfo=dt.UTC)) == "2021-10-08 23:59"
    assert local("2021-10-08T15:59:59+00:00") == "2021-10-08 23:59"
    assert local(dt.date(2021, 10, 20)) == "2021-10-20"
    assert local(None) == ""


@given(
    st.datetimes(min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    st.sampled_from([dt.UTC, SHANGHAI, dt.timezone(dt.timedelta(hours=-5, minutes=-30))]),
)
def test_the_fast_way_for_times_is_strftimes(moment, zone):
    """``local``'s shortcut for aware datetimes (isoformat) says what strftime says."""
    aware = moment.replace(tzinfo=zone)
    assert local(aware) == aware.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert local(aware, "%Y-%m-%d") == aware.astimezone(SHANGHAI).strftime("%Y-%m-%d")


def test_lateness_in_words():
    assert span(dt.timedelta(days=2, hours=5)) == "2 天"
    assert span(dt.timedelta(hours=9, minutes=59)) == "9 小时"
    assert span(dt.timedelta(seconds=20)) == "1 分钟"
    assert span(None) == ""


def test_light_badges_carry_text():
    assert "红灯" in light_badge("red") and "badge-red" in light_badge("red")
    assert "已办结·良好" in light_badge("closed", "good")
    assert "待审核" in light_badge("waiting")


def test_journal_in_words(assigned_item, prov_sup, county_clerk, clock):
    from duban.items import services
    from duban.journal.models import Event
    from duban.web.journal import describe

    clock("2021-10-08 09:00")
    track = assigned_item.tracks.get()
    services.sign(actor=county_clerk, track_id=track.pk)
    services.request_extension(
        actor=county_clerk, track_id=track.pk, reason="等待审批", proposed_due=dt.date(2021, 10, 20)
    )
    entries = [describe(e) for e in Event.objects.filter(item=assigned_item).order_by("seq")]
    assert [e.label for e in entries] == ["立项", "交办", "签收", "申请延期"]
    assert entries[2].change == "待签收 → 已签收" and entries[2].unit == "小店区"
    assert "部署报告期限 2021-10-08 23:59，申请延至 2021-10-20" in entries[3].detail
