"""The stored roll-up of closed tracks agrees with the tracks after random histories, and
``duban check-dashboard`` finds and fixes a row that does not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.core.clock import SHANGHAI, travel_to
from duban.dashboard import rollup
from duban.dashboard.models import ClosedCount
from duban.items import services
from duban.items.models import Source
from duban.orgs.models import User
from tests.conftest import make_user, unit

pytestmark = pytest.mark.django_db

UNITS = ("140105", "140200", "140106")

history = st.fixed_dictionaries(
    {
        "start": st.integers(0, 90),  # days after 2026-01-05
        "unit": st.sampled_from(UNITS),
        "source": st.sampled_from([Source.MEETING, Source.WORK_REPORT]),
        "result_after": st.integers(1, 20),  # days from assignment to the closure request
        "returned": st.booleans(),
        "resubmit_after": st.integers(1, 8),
        "close": st.booleans(),  # or leave the request waiting
    }
)


def at(day: dt.datetime, days: float) -> dt.datetime:
    return day + dt.timedelta(days=days)


def play(sup, clerks, h) -> None:
    t0 = dt.datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI) + dt.timedelta(days=h["start"])
    clerk = clerks[h["unit"]]
    with travel_to(t0):
        item = services.register_and_assign(
            actor=sup, title="随机事项", source=h["source"], lead=[unit(h["unit"])]
        )
    track = item.tracks.get()
    with travel_to(at(t0, 0.05)):
        services.sign(actor=clerk, track_id=track.pk)
        services.file_report(actor=clerk, track_id=track.pk, kind="deploy", done="部署")
        services.file_report(actor=clerk, track_id=track.pk, kind="feedback", done="反馈")
    when = at(t0, h["result_after"])
    with travel_to(when):
        services.file_report(actor=clerk, track_id=track.pk, kind="result", done="完成")
    if h["returned"]:
        with travel_to(at(when, 0.1)):
            services.return_track(actor=sup, track_id=track.pk, reason="材料不全")
        when = at(when, h["resubmit_after"])
        with travel_to(when):
            services.file_report(actor=clerk, track_id=track.pk, kind="result", done="补充材料")
    if h["close"]:
        with travel_to(at(when, 1)):
            services.close_track(actor=sup, track_id=track.pk, rating="good")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=st.lists(history, min_size=1, max_size=4))
def test_rollup_agrees_with_the_tracks(shanxi, histories):
    sup = User.objects.filter(username="rollup_sup").first() or make_user("rollup_sup", shanxi, "supervisor")
    clerks = {
        code: User.objects.filter(username=f"rollup_{code}").first()
        or make_user(f"rollup_{code}", unit(code), "clerk")
        for code in UNITS
    }
    for h in histories:
        play(sup, clerks, h)
    assert rollup.differences() == []
    closed = sum(1 for h in histories if h["close"])
    assert sum(ClosedCount.objects.values_list("closed", flat=True)) >= closed


def test_check_command_names_and_fixes_a_wrong_row(shanxi, prov_sup, county_clerk, capsys):
    play(
        prov_sup,
        {"140105": county_clerk},
        {
            "start": 3,
            "unit": "140105",
            "source": Source.WORK_REPORT,
            "result_after": 2,
            "returned": False,
            "resubmit_after": 1,
            "close": True,
        },
    )
    row = ClosedCount.objects.get()
    assert (row.closed, row.on_time, row.wr_closed, row.wr_on_time) == (1, 1, 1, 1)
    assert row.month == dt.date(2026, 1, 1) and row.unit_path == unit("140105").path
    call_command("check_dashboard")
    assert "agrees" in capsys.readouterr().out
    ClosedCount.objects.filter(pk=row.pk).update(on_time=0)
    with pytest.raises(CommandError, match="1 roll-up rows differ"):
        call_command("check_dashboard")
    assert "stored (1, 0, 1, 1), tracks say (1, 1, 1, 1)" in capsys.readouterr().out
    call_command("check_dashboard", "--fix")
    call_command("check_dashboard")
    assert ClosedCount.objects.get().on_time == 1
