"""Importing a report is bounded: uploads built to expand are refused (``too_large``) at once,
the caps come from settings, the write is one short transaction (other users keep writing),
and a report with a classification marking is refused before anything is written.

The parser's own tests (tests/workplan/test_limits.py) measure peak resident memory in a fresh
interpreter; here the whole service runs in this process, so memory is traced with tracemalloc
(Python's allocations: the decoded text, the parse, the rows) in a run of its own, and CPU time
is measured in a run without the tracer's overhead.
"""

from __future__ import annotations

import threading
import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from duban.items import services as item_services
from duban.items.models import Item
from duban.journal.models import Event
from duban.plans import services
from duban.plans.models import Plan, PlanTask
from tests.workplan import bombs

BOMBS = {
    "bomb.docx": bombs.docx_bomb,
    "paragraphs.docx": bombs.docx_many_paragraphs,
    "lines.txt": bombs.many_lines,
    "tasks.txt": bombs.many_tasks,
}


@pytest.fixture(scope="module")
def bomb_bytes():
    return {name: build() for name, build in BOMBS.items()}


def _import(actor, data: bytes, name: str):
    return services.import_report(actor=actor, data=SimpleUploadedFile(name, data), name=name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(BOMBS))
def test_bombs_refused_fast_in_little_memory(prov_sup, bomb_bytes, name):
    data = bomb_bytes[name]
    events = Event.objects.count()
    start, cpu = time.perf_counter(), time.process_time()
    with pytest.raises(services.ReportRejected) as exc:
        _import(prov_sup, data, name)
    cpu, elapsed = time.process_time() - cpu, time.perf_counter() - start
    assert exc.value.code == "bad_report.too_large"
    assert "报告内容过多" in exc.value.message
    # CPU time: on a shared test machine wall time mostly measures the other processes.
    assert cpu < 2.0 and elapsed < 10.0, (cpu, elapsed)

    tracemalloc.start()
    try:
        with pytest.raises(services.ReportRejected):
            _import(prov_sup, data, name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * 1024 * 1024, peak
    assert Plan.objects.count() == 0 and PlanTask.objects.count() == 0 and Event.objects.count() == events


@pytest.mark.django_db
def test_caps_come_from_settings(prov_sup, settings, seed_bytes):
    settings.DUBAN_REPORT_MAX_TASKS = 20
    with pytest.raises(services.ReportRejected) as exc:
        _import(prov_sup, seed_bytes, "r.txt")
    assert exc.value.code == "bad_report.too_large" and "20 项任务" in exc.value.message
    settings.DUBAN_REPORT_MAX_TASKS = 3000
    settings.DUBAN_REPORT_MAX_CHARS = 5000
    with pytest.raises(services.ReportRejected) as exc:
        _import(prov_sup, seed_bytes, "r.txt")
    assert "5,000 字" in exc.value.message
    settings.DUBAN_REPORT_MAX_CHARS = 300_000
    plan, created = _import(prov_sup, seed_bytes, "r.txt")
    assert created and plan.tasks.count() > 20


@pytest.mark.django_db
def test_upload_page_shows_the_advice(client, prov_sup, bomb_bytes):
    client.force_login(prov_sup)
    resp = client.post("/plans/", {"report": SimpleUploadedFile("bomb.docx", bomb_bytes["bomb.docx"])})
    html = resp.content.decode()
    assert resp.status_code == 422 and "报告内容过多" in html and "管理员" in html
    assert Plan.objects.count() == 0


# --- Other users keep writing -----------------------------------------------------------------


def _writer(actor, stop: threading.Event, out: dict) -> None:
    """Register items one after another until told to stop, recording each write's latency.
    On SQLite the connection waits at most 5 s for the write lock (the settings allow 20), so an
    import that held the lock for long would show up here as 'database is locked'."""
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cur:
                cur.execute("PRAGMA busy_timeout = 5000")
        n = 0
        while not stop.is_set() or n < 3:
            t0 = time.perf_counter()
            item_services.register_item(actor=actor, title=f"并发立项 {n}", not_classified=True)
            out["latencies"].append(time.perf_counter() - t0)
            n += 1
    except BaseException as exc:  # noqa: BLE001 - the test inspects what the writer met
        out["error"] = exc
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_other_writes_succeed_during_imports(prov_sup, city_sup, bomb_bytes):
    out: dict = {"latencies": [], "error": None}
    stop = threading.Event()
    thread = threading.Thread(target=_writer, args=(city_sup, stop, out), daemon=True)
    thread.start()
    try:
        # Refused imports (nothing written) and one accepted near the task cap.
        for name in ("tasks.txt", "bomb.docx", "lines.txt"):
            with pytest.raises(services.ReportRejected):
                _import(prov_sup, bomb_bytes[name], name)
        big = bombs.many_tasks(1_500)  # about 2,900 tasks
        start = time.perf_counter()
        plan, created = _import(prov_sup, big, "big.txt")
        elapsed = time.perf_counter() - start
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert out["error"] is None, out["error"]
    assert created and 2_500 < plan.tasks.count() <= 3_000
    assert len(out["latencies"]) >= 3
    # No write waited anywhere near the whole import: the lock is held only for the inserts.
    assert max(out["latencies"]) < max(2.0, elapsed), (max(out["latencies"]), elapsed)
    assert Item.objects.filter(issuer_unit=city_sup.unit).count() == len(out["latencies"])


# --- Classification markings ------------------------------------------------------------------


@pytest.mark.django_db
def test_marked_report_refused_before_anything_is_written(prov_sup, seed_bytes):
    events = Event.objects.count()
    marked = "内部资料\n".encode() + seed_bytes
    with pytest.raises(services.ReportRejected) as exc:
        _import(prov_sup, marked, "r.txt")
    assert exc.value.code == "classified" and "“内部资料”" in exc.value.message
    assert Plan.objects.count() == 0 and Event.objects.count() == events


@pytest.mark.django_db
def test_import_journals_the_check(prov_sup, seed_bytes):
    plan, _ = _import(prov_sup, seed_bytes, "r.txt")
    event = Event.objects.get(action="plan.import", object_id=plan.pk)
    assert event.payload["secrecy"]["checked"] == ["text"] and event.payload["secrecy"]["found"] is None
