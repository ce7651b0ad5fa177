"""Calendar changes are journaled and reach open work: a day turned into a holiday moves exactly
the open nodes whose working-day count crosses it, one journal row per node (old → new)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest

from duban.core.clock import SHANGHAI
from duban.core.errors import Forbidden, InvalidInput
from duban.items import services
from duban.items.models import Node, Track
from duban.journal.models import Event
from duban.journal.services import verify
from duban.workcal import calendar
from duban.workcal import services as cal
from duban.workcal.models import CalendarDay, CalendarYear
from duban.workcal.notice import DayEntry, NoticeError, parse
from tests.conftest import unit

NOTICE_2026 = (Path(__file__).parent / "notice_2026.txt").read_text(encoding="utf-8")


def D(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def due_days(track) -> dict[str, str]:
    return {
        f"{n.kind}{n.seq}": n.due_at.astimezone(SHANGHAI).date().isoformat()
        for n in Node.objects.filter(track=track).order_by("seq")
    }


# ---------------------------------------------------------------------------------------------
# Reading the State Council's notice


def test_the_2026_notice_reads_as_the_shipped_2026_schedule():
    entries = parse(NOTICE_2026, 2026)
    rest = {e.date for e in entries if not e.is_working}
    work = {e.date for e in entries if e.is_working}
    shipped_rest = {d for d in chinese_calendar.holidays if d.year == 2026}
    shipped_work = {d for d in chinese_calendar.workdays if d.year == 2026}
    assert rest == shipped_rest
    assert work == shipped_work
    names = {e.date: e.name for e in entries}
    assert names[D("2026-02-15")] == "春节" and names[D("2026-02-28")] == "春节调休上班"


def test_a_table_is_read_too():
    text = "日期,上班/休息,说明\n2031-01-01,休息,元旦\n2031-01-04,上班,元旦调休\n2031年1月2日\t休息\n"
    entries = parse(text, 2031)  # a CSV file with a row pasted from Excel
    assert [(e.date, e.is_working, e.name) for e in entries] == [
        (D("2031-01-01"), False, "元旦"),
        (D("2031-01-02"), False, ""),
        (D("2031-01-04"), True, "元旦调休"),
    ]
    with pytest.raises(NoticeError) as exc:
        parse("日期,类型\n2031-01-01,休息\n\n2031-01-02\n", 2031)
    assert exc.value.line == 4 and "缺少" in exc.value.message


@pytest.mark.parametrize(
    "text, message",
    [
        ("一、元旦：13月1日放假。", "不是有效日期"),
        ("日期,类型\n2031-01-01,也许\n", "无法识别"),
        ("随便写点什么", "没有读到任何日期"),
        ("日期,类型\n2030-12-31,休息\n", "不属于 2031 年"),
    ],
)
def test_bad_notices_say_what_is_wrong(text, message):
    with pytest.raises(NoticeError) as exc:
        parse(text, 2031)
    assert message in str(exc.value)


# ---------------------------------------------------------------------------------------------
# Moving open work


@pytest.fixture
def monday_items(prov_sup, county_clerk, county_head, sibling_clerk, clock):
    """Four tracks assigned on Monday 2021-11-01 (a plain week) and one on the Thursday after."""
    clock("2021-11-01 10:00")
    open_ = services.register_and_assign(actor=prov_sup, title="开放中的事项", lead=[unit("140105")])
    services.sign(actor=county_clerk, track_id=open_.tracks.get().pk)
    extended = services.register_and_assign(actor=prov_sup, title="延期的事项", lead=[unit("140106")])
    ext_track = extended.tracks.get()
    services.sign(actor=sibling_clerk, track_id=ext_track.pk)
    services.file_report(actor=sibling_clerk, track_id=ext_track.pk, kind="deploy", done="已部署")
    ext = services.request_extension(
        actor=sibling_clerk, track_id=ext_track.pk, reason="需协调", proposed_due=D("2021-11-12")
    )
    services.decide_extension(actor=prov_sup, extension_id=ext.pk, grant=True)  # feedback → 11-12
    closed = services.register_and_assign(actor=prov_sup, title="已办结的事项", lead=[unit("140107")])
    clerk3 = type(county_clerk).objects.create_user(
        username="clerk3", password="x", unit=unit("140107"), role="clerk"
    )
    t3 = closed.tracks.get()
    services.sign(actor=clerk3, track_id=t3.pk)
    for kind in ("deploy", "feedback", "result"):
        services.file_report(actor=clerk3, track_id=t3.pk, kind=kind, done="已办")
    services.close_track(actor=prov_sup, track_id=t3.pk, rating="good")
    returned = services.register_and_assign(actor=prov_sup, title="退回的事项", lead=[unit("140108")])
    clerk4 = type(county_clerk).objects.create_user(
        username="clerk4", password="x", unit=unit("140108"), role="clerk"
    )
    t4 = returned.tracks.get()
    services.sign(actor=clerk4, track_id=t4.pk)
    for kind in ("deploy", "feedback", "result"):
        services.file_report(actor=clerk4, track_id=t4.pk, kind=kind, done="已办")
    clock("2021-11-02 09:00")
    services.return_track(actor=prov_sup, track_id=t4.pk, reason="不完整", working_days=3)
    clock("2021-11-04 09:00")
    later = services.register_and_assign(actor=prov_sup, title="之后交办的事项", lead=[unit("140109")])
    clock("2021-11-04 12:00")
    return {
        "open": open_.tracks.get(),
        "extended": ext_track,
        "closed": t3,
        "returned": t4,
        "later": later.tracks.get(),
    }


def test_a_new_holiday_moves_exactly_the_open_nodes_that_count_it(monday_items, admin_user):
    t = monday_items
    before = {k: due_days(v) for k, v in t.items()}
    assert before["open"] == {
        "sign1": "2021-11-02",
        "deploy2": "2021-11-02",
        "feedback3": "2021-11-04",
        "result4": "2021-11-10",
    }
    assert before["returned"]["result5"] == "2021-11-05"
    events_before = Event.objects.count()

    # A local closure on Friday 2021-11-05 (the region's own decision, say).
    result = cal.set_days(actor=admin_user, entries=[DayEntry(D("2021-11-05"), False, "临时停工")])

    after = {k: due_days(v) for k, v in t.items()}
    assert after["open"] == {**before["open"], "result4": "2021-11-11"}  # 11-05 counted, 11-04 not
    assert after["returned"]["result5"] == "2021-11-08"  # 3 working days from 11-02: 3rd, 4th, 8th
    assert after["closed"] == before["closed"]  # closed work keeps its history
    assert before["later"] == {
        "sign1": "2021-11-05",
        "deploy2": "2021-11-05",
        "feedback3": "2021-11-09",
        "result4": "2021-11-15",
    }
    assert after["later"] == {  # assigned 11-04: its count starts after the 4th, crosses the 5th
        "sign1": "2021-11-08",
        "deploy2": "2021-11-08",
        "feedback3": "2021-11-10",
        "result4": "2021-11-16",
    }
    # The granted extension keeps its date; its original due time follows the calendar.
    ext_feedback = Node.objects.get(track=t["extended"], kind="feedback")
    assert ext_feedback.due_at.astimezone(SHANGHAI).date() == D("2021-11-12")
    assert ext_feedback.original_due_at.astimezone(SHANGHAI).date() == D("2021-11-04")
    ext_result = Node.objects.get(track=t["extended"], kind="result")
    assert ext_result.due_at.astimezone(SHANGHAI).date() == D("2021-11-11")

    moves = list(Event.objects.filter(action="node.reschedule").order_by("seq"))
    moved_nodes = {(e.track_id, e.payload["node"]) for e in moves}
    assert moved_nodes == {
        (t["open"].pk, "result"),
        (t["returned"].pk, "result"),
        (t["extended"].pk, "result"),
        *((t["later"].pk, k) for k in ("sign", "deploy", "feedback", "result")),
    }
    one = next(e for e in moves if e.track_id == t["open"].pk)
    assert one.old["due"].startswith("2021-11-10") and one.new["due"].startswith("2021-11-11")
    assert one.actor_id == admin_user.pk and one.payload["calendar_days"] == ["2021-11-05"]
    day_event = Event.objects.get(action="calendar.set_days")
    assert day_event.new == {"2021-11-05": {"is_working": False, "name": "临时停工"}}
    assert day_event.old == {"2021-11-05": None}
    assert Event.objects.count() == events_before + 1 + len(moves)
    assert result == {"changed": 1, "moved": len(moves)}
    # The stored earliest due time follows its nodes, so lights and queues see the change.
    t_later = Track.objects.get(pk=t["later"].pk)
    assert t_later.next_due_at.astimezone(SHANGHAI).date() == D("2021-11-08")
    assert verify().ok

    # Undoing the change puts every node back where it was.
    cal.set_days(actor=admin_user, entries=[], clear=[D("2021-11-05")])
    assert {k: due_days(v) for k, v in t.items()} == before


def test_renaming_a_day_moves_nothing(monday_items, admin_user):
    cal.set_days(actor=admin_user, entries=[DayEntry(D("2021-11-05"), True, "")])
    assert cal.set_days(actor=admin_user, entries=[DayEntry(D("2021-11-05"), True, "照常上班")])["moved"] == 0
    assert not Event.objects.filter(action="node.reschedule").exists()
    assert cal.set_days(actor=admin_user, entries=[DayEntry(D("2021-11-05"), True, "照常上班")]) == {
        "changed": 0,
        "moved": 0,
    }


def test_only_admins_change_the_calendar_and_a_refusal_changes_nothing(monday_items, prov_sup, admin_user):
    before = Event.objects.count()
    with pytest.raises(Forbidden):
        cal.set_days(actor=prov_sup, entries=[DayEntry(D("2021-11-05"), False, "")])
    with pytest.raises(InvalidInput):
        cal.set_days(actor=admin_user, entries=[DayEntry(D("2021-11-05"), False, "")] * 2)
    with pytest.raises(InvalidInput):
        cal.set_days(actor=admin_user, entries=[DayEntry(D("2201-01-01"), False, "")])
    with pytest.raises(InvalidInput):
        cal.import_notice(actor=admin_user, text="一、元旦：2月30日放假。", year=2031)
    assert Event.objects.count() == before
    assert not CalendarDay.objects.exists()
    assert not calendar.is_working_day(D("2021-11-06"))  # the cache was not poisoned either
    assert calendar.is_working_day(D("2021-11-05"))


# ---------------------------------------------------------------------------------------------
# When a year is known


def test_one_entered_day_does_not_make_a_year_known(admin_user, prov_sup, clock):
    clock("2030-12-20 10:00")
    item = services.register_and_assign(actor=prov_sup, title="跨年事项", lead=[unit("140105")])
    track = item.tracks.get()
    assert all(n.assumed_calendar for n in track.nodes.all())
    cal.import_notice(actor=admin_user, text="一、元旦：1月1日放假，共1天。", year=2031)
    assert not calendar.schedule_known(2031)
    with pytest.raises(InvalidInput):
        cal.set_year_complete(actor=admin_user, year=2032, complete=True)  # nothing entered
    cal.set_year_complete(actor=admin_user, year=2031, complete=True, source="国办发明电〔2030〕7号")
    assert calendar.schedule_known(2031)
    assert CalendarYear.objects.get(year=2031).complete
    # 2030 itself is still unknown, so nodes counted across it stay flagged…
    assert all(n.assumed_calendar for n in track.nodes.all())
    assert Event.objects.filter(action="calendar.year_complete").count() == 1
    # …while work assigned in 2031 is not.
    clock("2031-01-06 10:00")
    fresh = services.register_and_assign(actor=prov_sup, title="新年事项", lead=[unit("140105")])
    assert not any(n.assumed_calendar for n in fresh.tracks.get().nodes.all())
    # Once 2030 is complete too, the December nodes lose their flag, one journal row each.
    cal.set_days(actor=admin_user, entries=[DayEntry(D("2030-10-01"), False, "国庆节")])
    cal.set_year_complete(actor=admin_user, year=2030, complete=True)
    assert not any(n.assumed_calendar for n in track.nodes.all())
    flags = Event.objects.filter(action="node.reschedule", track=track)
    assert flags.count() == 4 and all(e.old["due"] == e.new["due"] for e in flags)
