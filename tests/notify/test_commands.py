"""`duban sweep`, `duban worker --once`, and a real `duban worker` process that runs queued
tasks, sweeps, and stops cleanly on SIGTERM (as systemd stops it)."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from duban.items import services as items

from .conftest import local, sweep

pytestmark = pytest.mark.django_db


def test_sweep_command_reports_what_it_did(prov_sup, county_head, assigned_item, clock):
    clock("2021-10-12 10:00")  # signing overdue since the 8th
    out = io.StringIO()
    call_command("sweep", stdout=out)
    text = out.getvalue()
    assert "tracks looked at 1, claimed 1" in text and "overdue 1" in text and "overdue.1 1" in text


def test_worker_once_runs_what_is_queued(prov_sup, county_clerk, assigned_item):
    county_clerk.email = "clerk@xd.gov.cn"
    county_clerk.save()
    items.urge(actor=prov_sup, track_id=assigned_item.tracks.get().pk)
    while connection.run_on_commit:  # the commit hooks enqueue; nothing has run yet
        connection.run_on_commit.pop(0)[1]()
    assert mail.outbox == []
    call_command("worker", once=True)
    assert [m.subject for m in mail.outbox] == ["【催办】推进老旧小区改造"]
    sweep(local("2021-10-08 09:00"))  # and the sweep finds nothing lost


def test_worker_process_runs_tasks_and_stops_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DUBAN_SQLITE_PATH")}
    env["DUBAN_DATA_DIR"] = str(tmp_path / "var")
    (tmp_path / "var").mkdir()
    run = [sys.executable, "-m", "duban"]
    done = subprocess.run(
        [*run, "migrate", "-v", "0"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    enqueue = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'duban.settings'); django.setup(); "
        "from duban.notify.tasks import send_deliveries; print(send_deliveries.enqueue([424242]).id)"
    )
    queued = subprocess.run(
        [sys.executable, "-c", enqueue], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert queued.returncode == 0, queued.stderr
    task_id = queued.stdout.strip().replace("-", "")
    proc = subprocess.Popen(
        [*run, "worker", "--interval", "0.2", "--sweep-every", "0.5"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    db = tmp_path / "var" / "duban.sqlite3"
    status = None
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as conn:
                row = conn.execute(
                    "select status from django_tasks_database_dbtaskresult where replace(id, '-', '') = ?",
                    [task_id],
                ).fetchone()
            status = row[0] if row else None
            if status == "SUCCESSFUL":
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # never leave a worker behind, whatever failed
            proc.kill()
            proc.wait()
    assert status == "SUCCESSFUL", err
    assert proc.returncode == 0, err
    assert "督办 worker" in out
