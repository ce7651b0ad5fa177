"""A published bulletin recomputes from the journal alone to the figures it stored.

The journal keeps every node a track was given with its due time, the reports that completed
them, returns, closures, extensions and calendar moves, each with its moment; replaying them
up to the bulletin's moment (``bulletins.replay``) must give the published numbers — also after
the items' tables were changed behind the services' back, which the journal does not follow."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from duban.bulletins import figures, periods, replay
from duban.bulletins.models import Bulletin
from duban.core.clock import SHANGHAI, travel_to
from duban.items import services as items
from duban.items.models import Node, Review
from duban.workcal import services as workcal
from duban.workcal.services import DayEntry
from tests.bulletins.conftest import EXPECTED, KEYS, PUBLISHED_AT, at

pytestmark = pytest.mark.django_db

FIGURES = ("rows", "totals", "named")


@pytest.fixture
def published(story, prov_sup, clock):
    from duban.bulletins import services

    clock(PUBLISHED_AT)
    return services.publish(actor=prov_sup, period=periods.parse("month", year=2026, month=11))


def period_of(b: Bulletin) -> periods.Period:
    return periods.Period(b.period_kind, b.period_start, b.period_end, b.data["period"]["label"])


def from_journal(b: Bulletin) -> dict:
    return replay.compute(
        issuer=b.issuer_unit,
        scope=b.scope_unit,
        period=period_of(b),
        at=at(PUBLISHED_AT),
        rules=b.data["rules"],
    )


def test_published_bulletin_recomputes_from_the_journal(published, story, prov_sup, clerks, clock):
    b = Bulletin.objects.get(pk=published.pk)
    again = from_journal(b)
    assert {k: again[k] for k in FIGURES} == {k: b.data[k] for k in FIGURES}
    assert {r["name"]: tuple(r[k] for k in KEYS) for r in again["rows"]} == EXPECTED
    # Work goes on after publication: the journal's bulletin at its moment does not move.
    clock("2026-12-02 10:00")
    items.close_track(actor=prov_sup, track_id=story["Y3"].pk, rating="excellent")
    items.sign(actor=clerks["D"], track_id=story["D4"].pk)
    again = from_journal(b)
    assert {k: again[k] for k in FIGURES} == {k: b.data[k] for k in FIGURES}


def test_the_journal_keeps_its_numbers_when_the_tables_are_changed(published, story):
    b = Bulletin.objects.get(pk=published.pk)
    # A rating and a due time rewritten in the tables, not through the services.
    Review.objects.filter(track=story["Y2"], decision="close").update(rating="excellent")
    Node.objects.filter(track=story["D4"], kind="sign").update(
        due_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    )
    from_tables = figures.compute(
        issuer=b.issuer_unit,
        scope=b.scope_unit,
        period=period_of(b),
        at=at(PUBLISHED_AT),
        rules=b.data["rules"],
        use_settled=False,
    )
    assert from_tables["rows"] != b.data["rows"]
    again = from_journal(b)
    assert {k: again[k] for k in FIGURES} == {k: b.data[k] for k in FIGURES}
    # The check command: the tables now disagree with the bulletin, the journal does not.
    with pytest.raises(CommandError) as refused:
        call_command("check_bulletins", "--journal", stdout=(out := io.StringIO()))
    assert "1 of 1 bulletins recompute differently" in str(refused.value)
    assert "replay from the journal differently" not in str(refused.value)
    assert "1 replayed from the journal to their stored figures" in out.getvalue()


def test_calendar_moves_and_extensions_replay_like_the_tables(prov_sup, clerks, admin_user):
    """A holiday entered after assignment moves an open node's due time (node.reschedule);
    an extension moves the result's: the journal's figures follow both, like the tables'."""
    from tests.conftest import unit

    def assign(when: str):
        with travel_to(dt.datetime.fromisoformat(when).replace(tzinfo=SHANGHAI)):
            item = items.register_and_assign(actor=prov_sup, title="日历事项", lead=[unit("140100")])
        return item.tracks.get()

    a, b = assign("2027-03-01 09:00"), assign("2027-03-01 09:30")
    with travel_to(dt.datetime(2027, 3, 1, 15, tzinfo=SHANGHAI)):
        items.sign(actor=clerks["T"], track_id=b.pk)
        items.file_report(actor=clerks["T"], track_id=b.pk, kind="deploy", done="部署")
        ext = items.request_extension(
            actor=clerks["T"], track_id=b.pk, reason="需协调", proposed_due=dt.date(2027, 3, 31)
        )
        items.decide_extension(actor=prov_sup, extension_id=ext.pk, grant=True)
        # 2 March becomes a day off: a's signing (due that day) moves to the 3rd.
        workcal.set_days(actor=admin_user, entries=[DayEntry(dt.date(2027, 3, 2), False, "测试假日")])
    moved = Node.objects.get(track=a, kind="sign")
    assert moved.due_at.astimezone(SHANGHAI).date() == dt.date(2027, 3, 3)
    with travel_to(dt.datetime(2027, 3, 3, 20, tzinfo=SHANGHAI)):
        items.sign(actor=clerks["T"], track_id=a.pk)  # on time only because of the move
    moment = dt.datetime(2027, 3, 25, 12, tzinfo=SHANGHAI)
    with travel_to(moment):
        period = periods.parse("month", year=2027, month=3)
    args = {"issuer": prov_sup.unit, "scope": prov_sup.unit, "period": period, "at": moment, "rules": None}
    tables, journal = figures.compute(**args), replay.compute(**args)
    assert {k: journal[k] for k in FIGURES} == {k: tables[k] for k in FIGURES}
    row = tables["rows"][0]
    assert row["received"] == 2 and row["signed_on_time"] == 1 + 1 and row["extensions"] == 1
