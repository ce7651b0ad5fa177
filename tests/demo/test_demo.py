"""The demo builder: every state the product has, a journal that verifies, and no duplicates."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.core.clock import SHANGHAI, now
from duban.demo.builder import DEMO_PASSWORD, USERS, build_demo, parser_tasks, short_title
from duban.items import selectors
from duban.items.models import Extension, Instruction, Item, Source, Track, TrackState
from duban.items.status import track_light
from duban.journal.models import Event
from duban.journal.services import verify
from duban.orgs.models import UnitKind, User
from duban.targets import progress
from duban.targets import selectors as target_selectors
from duban.targets.models import Confidence, Figure, FigureSource, Target

ROOT = Path(__file__).resolve().parents[2]


def _counts() -> dict[str, int]:
    return {
        "items": Item.objects.count(),
        "tracks": Track.objects.count(),
        "events": Event.objects.count(),
        "users": User.objects.count(),
        "instructions": Instruction.objects.count(),
    }


def _assert_every_state() -> None:
    prov_sup = User.objects.get(username="prov_sup")
    ty_sup = User.objects.get(username="ty_sup")
    visible = selectors.tracks_visible_to(prov_sup).select_related("unit", "item")
    tracks = list(visible)
    # The province oversees everything, Taiyuan's own items included.
    assert len(tracks) == Track.objects.count()

    states = {t.state for t in tracks}
    assert set(TrackState.values) <= states, set(TrackState.values) - states
    ratings = {t.rating for t in tracks if t.state == TrackState.CLOSED}
    assert ratings == {"excellent", "good", "pass", "fail"}

    lights = {track_light(t) for t in tracks}
    assert {"red", "yellow", "green", "closed", "waiting"} <= lights
    # The indexed filters agree with the lights drawn.
    assert selectors.filtered_items(prov_sup, light="red").exists()
    assert selectors.filtered_items(prov_sup, light="yellow").exists()

    passed_down = [t for t in tracks if t.parent_id]
    assert any(t.unit.kind == UnitKind.TOWNSHIP for t in passed_down)  # 下派 to 刘家堡乡
    assert any(t.unit.kind == UnitKind.COUNTY for t in passed_down)  # 太原市 split among districts
    assert any(t.assignee_id for t in tracks)  # 批转
    assert any(t.last_urged_at for t in tracks)  # 催办
    assert Extension.objects.filter(state="granted").exists()
    assert Extension.objects.filter(state="pending").exists()
    assert Instruction.objects.filter(by__role="leader").exists()

    sources = set(Item.objects.values_list("source", flat=True))
    assert {Source.WORK_REPORT, Source.MEETING, Source.INSTRUCTION, Source.KEY_PROJECT} <= sources
    assert 40 <= Item.objects.count() <= 60
    assert Item.objects.filter(issuer_unit__code="140100").exists()  # 太原市 issues to its districts

    # The queues the logins open on have something in them.
    assert selectors.queue_counts(ty_sup)["to_review"] >= 1
    assert selectors.queue_counts(prov_sup)["to_review"] >= 1
    assert selectors.queue_counts(prov_sup)["extensions"] >= 1
    assert selectors.queue_counts(User.objects.get(username="ljb_clerk"))["to_report"] >= 1
    assert selectors.queue_counts(User.objects.get(username="nync_clerk"))["to_sign"] >= 1

    verdict = verify()
    assert verdict.ok, verdict.reason
    assert verdict.checked > 250

    # Every journal row lies in the past, and the journal reads forward in time.
    times = list(Event.objects.order_by("seq").values_list("at", flat=True))
    assert max(times) <= now()
    assert times == sorted(times)


def _assert_targets() -> None:
    """The 指标 list a provincial supervisor opens: every class, a 数据不一致, a target split
    among the 11 cities with one behind, and a unit's 完成预判 that disagrees with the class."""
    prov_sup = User.objects.get(username="prov_sup")
    listing = target_selectors.target_list(prov_sup)
    assert listing.total == Target.objects.count()
    classes = {s.klass for s in listing.rows}
    wanted = set(progress.KLASS_ORDER) - {progress.Klass.NO_DATA}
    assert wanted <= classes, wanted - classes
    assert all(listing.counts[k.value] >= 1 for k in wanted)

    # A statistics figure, entered by the provincial supervisor, more than 2% off the unit's.
    mismatched = [s for s in listing.rows if s.mismatched]
    assert mismatched
    stats = Figure.objects.filter(source=FigureSource.STATS)
    assert stats.exists() and set(stats.values_list("author__username", flat=True)) == {"prov_sup"}

    # Allocated to the 11 cities, each filing its own share; one of them behind.
    allocated = [s for s in listing.rows if s.children == 11]
    assert allocated, "no target allocated to the 11 cities"
    parent = allocated[0].target
    shares = [s for s in listing.rows if s.target.parent_id == parent.pk]
    assert {s.target.unit.code for s in shares} == {f"14{n:02d}00" for n in range(1, 12)}
    assert all(s.unit for s in shares)  # every city filed
    for s in shares:
        authors = set(
            Figure.objects.filter(target=s.target, source=FigureSource.UNIT).values_list(
                "author_id", flat=True
            )
        )
        assert set(User.objects.filter(pk__in=authors).values_list("unit_id", flat=True)) == {
            s.target.unit_id
        }
    assert [s.target.unit.code for s in shares if s.klass == progress.Klass.BEHIND] == ["141100"]
    assert sum(s.target.value for s in shares) >= parent.value

    # The unit's own judgement against the class derived from its figures.
    hopeful = {Confidence.SURE, Confidence.LIKELY}
    worried = {Confidence.AT_RISK, Confidence.UNLIKELY}
    disagree = [
        s
        for s in listing.rows
        if s.confidence is not None
        and (
            (s.klass == progress.Klass.BEHIND and s.confidence.confidence in hopeful)
            or (
                s.klass in (progress.Klass.ON_TRACK, progress.Klass.AHEAD)
                and s.confidence.confidence in worried
            )
        )
    ]
    assert disagree
    assert any(s.confidence.confidence in worried and s.confidence.confidence_reason for s in disagree)

    # A year of monthly figures, each filed after its month ended and in the order of the journal.
    this_year = [s for s in listing.rows if s.target.plan_year == max(t.target.plan_year for t in shares)]
    assert max(len(s.unit) for s in this_year) >= min(11, max(1, now().month - 1))
    for f in Figure.objects.all():
        assert f.created_at.astimezone(SHANGHAI).date() >= f.period_end.replace(day=1)


@pytest.mark.django_db
def test_builds_every_state_and_is_idempotent(shanxi):
    result = build_demo()
    assert result.failures == []
    assert not result.skipped
    assert result.users_created == len(USERS)
    _assert_every_state()
    _assert_targets()
    user = User.objects.get(username="xd_clerk")
    assert user.check_password(DEMO_PASSWORD)
    assert user.unit.code == "140105"

    before = _counts()
    again = build_demo()
    assert again.skipped and again.items_created == 0 and again.users_created == 0
    assert _counts() == before
    assert verify().ok


@pytest.mark.django_db
def test_demo_command_reuses_the_demo_and_serves_in_demo_mode(shanxi, settings, monkeypatch):
    from duban.demo.management.commands import demo as demo_command

    build_demo()
    before = _counts()
    served = []
    monkeypatch.setattr(demo_command, "prepare_database", lambda **kw: None)
    monkeypatch.setattr(
        demo_command, "run_server", lambda addr, **kw: served.append((addr, settings.DEMO_MODE, kw))
    )

    def start_worker(addr):
        served.append(f"worker started for {addr}")
        return lambda: served.append("worker stopped")

    monkeypatch.setattr(demo_command, "start_worker", start_worker)
    settings.DEMO_MODE = False
    out = io.StringIO()
    call_command("demo", addr="127.0.0.1:8124", stdout=out)
    # The worker and the sweep run beside the server for as long as it serves.
    assert served == [
        "worker started for 127.0.0.1:8124",
        ("127.0.0.1:8124", True, {"access_log": False}),
        "worker stopped",
    ]
    assert "条定时提醒" in out.getvalue()
    assert "演示数据已存在" in out.getvalue()
    assert "http://127.0.0.1:8124/" in out.getvalue()
    assert "prov_sup" in out.getvalue() and "山西省工业和信息化厅" in out.getvalue()
    assert _counts() == before


def test_serve_dev_migrates_then_runs_threaded_without_reloader_serving_static(monkeypatch, tmp_path):
    from duban.demo.management.commands import serve

    calls = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **kw: calls.append((a, kw)))
    monkeypatch.setattr(serve, "is_sqlite", lambda: True)
    monkeypatch.setattr(serve, "sqlite_path", lambda: tmp_path / "d" / "x.sqlite3")
    monkeypatch.setattr(serve, "demo_logins", lambda: [])
    call_command("serve", addr="127.0.0.1:8125", dev=True)
    assert (tmp_path / "d").is_dir()  # the data directory is created for SQLite
    assert calls[0] == (("migrate",), {"interactive": False, "verbosity": 0})
    assert calls[1] == (
        ("runserver", "127.0.0.1:8125"),
        {"use_reloader": False, "use_threading": True, "insecure_serving": True},
    )
    with pytest.raises(CommandError):
        call_command("serve", addr="localhost:http", dev=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "present",
    [
        "2025-10-09 09:00",  # first working day after the National Day week
        "2026-03-01 20:00",  # a Sunday evening
    ],
)
def test_every_state_whatever_the_day(shanxi, clock, present):
    clock(present)
    result = build_demo()
    assert result.failures == []
    _assert_every_state()


def test_commitments_come_from_the_report_parser():
    data = (ROOT / "duban" / "data" / "shanxi_2021_government_work_report.txt").read_bytes()
    tasks = parser_tasks(data)
    assert len(tasks) >= 30
    five_g = next(t for t in tasks if "5G基站1.5万座" in t["text"])
    assert any("1.5万座" in x for x in five_g["targets"]) and five_g["units"]
    # Results of past years (part 一) are not commitments.
    assert not any("1.57亿吨" in t["text"] for t in tasks)
    titles = [short_title(t["theme"], t["text"], (t["targets"] or [""])[0]) for t in tasks]
    assert all(len(x) <= 60 for x in titles)
    assert "积极扩大有效投资：再新建5G基站1.5万座" in titles


def test_demo_command_creates_database_and_prints_logins(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DUBAN_SQLITE_PATH")}
    env["DUBAN_DATA_DIR"] = str(tmp_path / "var")
    cmd = [sys.executable, "-m", "duban", "demo", "--no-serve"]
    first = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    db = tmp_path / "var" / "duban.sqlite3"
    assert db.is_file()
    for username, name, *_ in USERS:
        assert username in first.stdout and name in first.stdout
    assert DEMO_PASSWORD in first.stdout
    assert "http://127.0.0.1:8000/" in first.stdout
    with sqlite3.connect(db) as conn:
        items = conn.execute("select count(*) from items_item").fetchone()[0]
    assert 40 <= items <= 60

    second = subprocess.run(
        [*cmd, "--reset", "--addr", "127.0.0.1:8123"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    assert "http://127.0.0.1:8123/" in second.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from items_item").fetchone()[0] == items


@pytest.mark.django_db
def test_work_report_items_are_the_parsers_tasks_led_by_suggested_units(shanxi):
    result = build_demo()
    assert result.failures == [] and result.work_report_source == "duban.workplan"
    # The admin finds the shipped vocabulary in the editable table, one row per department.
    from duban.plans.models import UnitVocabulary

    assert UnitVocabulary.objects.filter(unit__parent__code="140000").count() >= 40
    items = list(Item.objects.filter(source=Source.WORK_REPORT).prefetch_related("tracks__unit"))
    # This year's 30 tasks, and one of last year's whose targets' year is complete (已完成).
    assert len(items) == 31
    assert len([i for i in items if i.external_id.endswith("wr-last-year")]) == 1
    data = (ROOT / "duban" / "data" / "shanxi_2021_government_work_report.txt").read_bytes()
    by_text = {t["text"]: t for t in parser_tasks(data)}
    for item in items:
        task = by_text[item.body.split("\n", 1)[0]]
        lead = next(t for t in item.tracks.all() if t.role == "lead")
        # The lead is one of the parser's suggestions (the first one the demo has a clerk for).
        assert lead.unit.short_name in task["units"] or lead.unit.name in task["units"]


@pytest.mark.django_db
def test_demo_users_have_notifications(shanxi):
    from duban.notify.models import Notification
    from duban.notify.sweep import run_once

    build_demo()
    run_once()
    kinds = set(
        Notification.objects.filter(recipient__username="prov_sup").values_list("alert__kind", flat=True)
    )
    assert {"closure.requested", "overdue.1"} <= kinds
    assert Notification.objects.filter(recipient__username="xd_clerk", alert__kind="assigned").exists()
    assert Notification.objects.filter(recipient__username="prov_leader", alert__kind="overdue.3").exists()
