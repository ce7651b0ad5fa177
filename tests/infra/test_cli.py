"""The installed ``duban`` command, run as a user would: a separate process, real stdout/stderr."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

GENERAL_2021_09_30 = (
    '[{"node": "sign", "due": "2021-10-08T23:59:59+08:00"}, '
    '{"node": "deploy", "due": "2021-10-08T23:59:59+08:00"}, '
    '{"node": "feedback", "due": "2021-10-11T23:59:59+08:00"}, '
    '{"node": "result", "due": "2021-10-15T23:59:59+08:00"}]'
)


def duban_command() -> list[str]:
    # The console script pip installed next to this interpreter; `python -m duban` otherwise.
    script = Path(sys.executable).with_name("duban")
    if script.exists():
        return [str(script)]
    found = shutil.which("duban")
    return [found] if found else [sys.executable, "-m", "duban"]


def duban(*args: str, tmp_path: Path, sqlite: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, DUBAN_DATA_DIR=str(tmp_path))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if sqlite:
        # Commands that write get a database of their own, never the one the suite runs on.
        env.pop("DATABASE_URL", None)
        env["DUBAN_SQLITE_PATH"] = str(tmp_path / "cli.sqlite3")
    return subprocess.run(
        [*duban_command(), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_deadlines_general(tmp_path):
    out = duban("deadlines", "--assigned", "2021-09-30", "--category", "general", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == GENERAL_2021_09_30
    assert out.stderr == ""  # 2021's holiday schedule is known: no warning


def test_deadlines_major_gets_one_month(tmp_path):
    out = duban("deadlines", "--assigned", "2021-09-30", "--category", "major", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    nodes = json.loads(out.stdout)
    assert [n["node"] for n in nodes] == ["sign", "deploy", "feedback", "result"]
    assert nodes[-1] == {"node": "result", "due": "2021-11-01T23:59:59+08:00"}
    assert nodes[:3] == json.loads(GENERAL_2021_09_30)[:3]


def test_deadlines_for_a_year_without_schedule_warns_and_still_answers(tmp_path):
    out = duban("deadlines", "--assigned", "2027-03-01", "--category", "general", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "警告" in out.stderr and "节假日" in out.stderr
    nodes = json.loads(out.stdout)
    assert [n["node"] for n in nodes] == ["sign", "deploy", "feedback", "result"]
    assert all(n["due"].startswith("2027-03-") and n["due"].endswith("T23:59:59+08:00") for n in nodes)


def test_python_m_duban_gives_the_same_answer(tmp_path):
    env = dict(os.environ, DUBAN_DATA_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-m", "duban", "deadlines", "--assigned", "2021-09-30"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == GENERAL_2021_09_30


def test_deadlines_rejects_a_bad_date(tmp_path):
    out = duban("deadlines", "--assigned", "2021-13-40", tmp_path=tmp_path)
    assert out.returncode != 0
    assert "2021-13-40" in out.stderr
    assert out.stdout == ""


def test_fresh_install_migrates_and_verifies_an_empty_journal(tmp_path):
    migrate = duban("migrate", "--noinput", tmp_path=tmp_path, sqlite=True)
    assert migrate.returncode == 0, migrate.stderr
    out = duban("verify-journal", tmp_path=tmp_path, sqlite=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("OK: 0 events")


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_it_was_given():
    # scripts/test runs everything twice; make sure the second run really is on PostgreSQL.
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
