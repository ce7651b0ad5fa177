"""The settled rows of closed tracks (``ClosedTrack``) agree with the tracks' histories after
random histories, a bulletin's figures are the same read with or without them (and replayed from
the journal) at any moment, and
``duban check-bulletins`` finds and fixes a row that does not agree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.bulletins import figures, periods, replay, rollup
from duban.bulletins.models import ClosedTrack
from duban.core.clock import SHANGHAI, travel_to
from duban.items import services
from duban.items.models import Track
from duban.orgs.models import User
from tests.conftest import make_user, unit

pytestmark = pytest.mark.django_db

UNITS = ("140105", "140200", "140106")

history = st.fixed_dictionaries(
    {
        "start": st.integers(0, 80),  # days after Mon 2026-01-05
        "unit": st.sampled_from(UNITS),
        "sign_after": st.sampled_from([0.05, 2.2, 6.1]),  # on time, or late by a few days
        "extend": st.booleans(),  # ask for more time for the result, and get it
        "result_after": st.integers(3, 25),
        "returned": st.booleans(),
        "resubmit_after": st.integers(1, 8),
        "rating": st.sampled_from(["excellent", "good", "pass", "fail", None]),  # None: left waiting
    }
)


def play(sup, clerks, h) -> Track:
    t0 = dt.datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI) + dt.timedelta(days=h["start"])
    clerk = clerks[h["unit"]]
    with travel_to(t0):
        item = services.register_and_assign(actor=sup, title="随机事项", lead=[unit(h["unit"])])
    track = item.tracks.get()
    with travel_to(t0 + dt.timedelta(days=h["sign_after"])):
        services.sign(actor=clerk, track_id=track.pk)
        services.file_report(actor=clerk, track_id=track.pk, kind="deploy", done="部署")
        services.file_report(actor=clerk, track_id=track.pk, kind="feedback", done="反馈")
        if h["extend"]:
            day = (t0 + dt.timedelta(days=30)).astimezone(SHANGHAI).date()
            ext = services.request_extension(
                actor=clerk, track_id=track.pk, reason="需协调", proposed_due=day
            )
            services.decide_extension(actor=sup, extension_id=ext.pk, grant=True)
    when = t0 + dt.timedelta(days=max(h["result_after"], h["sign_after"] + 0.1))
    with travel_to(when):
        services.file_report(actor=clerk, track_id=track.pk, kind="result", done="完成")
    if h["returned"]:
        with travel_to(when + dt.timedelta(hours=2)):
            services.return_track(actor=sup, track_id=track.pk, reason="材料不全")
        when += dt.timedelta(days=h["resubmit_after"])
        with travel_to(when):
            services.file_report(actor=clerk, track_id=track.pk, kind="result", done="补充材料")
    if h["rating"]:
        with travel_to(when + dt.timedelta(days=1)):
            services.close_track(actor=sup, track_id=track.pk, rating=h["rating"])
    return track


def people(shanxi):
    sup = User.objects.filter(username="bul_sup").first() or make_user("bul_sup", shanxi, "supervisor")
    clerks = {
        code: User.objects.filter(username=f"bul_{code}").first()
        or make_user(f"bul_{code}", unit(code), "clerk")
        for code in UNITS
    }
    return sup, clerks


def both(sup, period, at) -> tuple[dict, dict]:
    args = {"issuer": sup.unit, "scope": sup.unit, "period": period, "at": at, "rules": None}
    fast, slow = figures.compute(**args), figures.compute(**args, use_settled=False)
    journal = replay.compute(**args)
    assert {k: journal[k] for k in ("rows", "totals", "named")} == {
        k: slow[k] for k in ("rows", "totals", "named")
    }
    return fast, slow


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=st.lists(history, min_size=1, max_size=4))
def test_settled_rows_agree_with_the_histories(shanxi, histories):
    sup, clerks = people(shanxi)
    tracks = [play(sup, clerks, h) for h in histories]
    assert rollup.differences() == []
    closed = {t.pk for t in Track.objects.filter(pk__in=[t.pk for t in tracks], state="closed")}
    assert closed <= set(ClosedTrack.objects.values_list("track_id", flat=True))
    with travel_to(dt.datetime(2026, 6, 1, tzinfo=SHANGHAI)):
        period = periods.parse("dates", start="2026-01-01", end="2026-05-31")
    # At moments before, between and after the closures, the sums of settled rows and the
    # histories give the same bulletin.
    for moment in ("2026-01-20", "2026-02-15", "2026-03-10", "2026-04-20", "2026-06-01"):
        at = dt.datetime.fromisoformat(moment).replace(hour=12, tzinfo=SHANGHAI)
        fast, slow = both(sup, period, at)
        assert fast == slow


def test_check_command_names_and_fixes_a_wrong_row(shanxi, capsys):
    sup, clerks = people(shanxi)
    h = {
        "start": 3,
        "unit": "140105",
        "sign_after": 4.2,
        "extend": False,
        "result_after": 5,
        "returned": True,
        "resubmit_after": 2,
        "rating": "good",
    }
    track = play(sup, clerks, h)
    row = ClosedTrack.objects.get(track=track)
    assert (row.rating, row.returns, row.signed_on_time, row.closed_on_time) == ("good", 1, 0, 1)
    # Assigned Thu 8 Jan, signing due Fri 9 Jan, signed Mon 12 Jan: one working day late.
    assert row.overdue_days == 1
    assert row.unit_path == unit("140105").path and row.issuer_unit_id == sup.unit_id
    call_command("check_bulletins")
    ClosedTrack.objects.filter(pk=row.pk).update(rating="excellent")
    ClosedTrack.objects.create(
        **{f: getattr(row, f) for f in rollup.FIELDS if f != "track_id"},
        track=play(sup, clerks, {**h, "rating": None}),
    )
    with pytest.raises(CommandError, match="2 settled rows"):
        call_command("check_bulletins")
    assert "its history says" in capsys.readouterr().out
    call_command("check_bulletins", "--fix")
    assert rollup.differences() == []
    assert ClosedTrack.objects.get(pk=row.pk).rating == "good"
    assert ClosedTrack.objects.count() == 1
