"""A fresh installation makes its journal key file at the first journaled write, and refuses to
go on without it afterwards: the installed ``duban`` command, run as an operator would."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.infra.test_cli import duban_command


def duban(*args: str, data: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, DUBAN_DATA_DIR=str(data), DUBAN_SQLITE_PATH=str(data / "cli.sqlite3"))
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DUBAN_JOURNAL_KEY", "DUBAN_JOURNAL_KEY_FILE"):
        env.pop(name, None)
    return subprocess.run(
        [*duban_command(), *args],
        env=env,
        cwd=data,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_the_first_write_makes_the_key_file_and_a_lost_key_stops_everything(tmp_path):
    key = tmp_path / "journal.key"
    assert duban("migrate", "--noinput", data=tmp_path).returncode == 0
    assert not key.exists()  # an empty journal needs no key yet
    write = "from django.db import transaction\nfrom duban.journal.services import record\n"
    write += "with transaction.atomic(): record(actor=None, action='test.first')"
    out = duban("shell", "-c", write, data=tmp_path)
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64

    out = duban("journal-checkpoint", data=tmp_path)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip()
    assert line.startswith("DUBAN-CP ") and "verify-journal --since" in out.stderr
    out = duban("verify-journal", "--since", line, data=tmp_path)
    assert out.returncode == 0 and out.stdout.startswith("OK: ") and "1 checkpoints hold" in out.stdout

    saved = key.read_text()
    key.unlink()
    out = duban("verify-journal", data=tmp_path)
    assert out.returncode != 0 and "缺少日志密钥" in out.stderr
    out = duban("journal-checkpoint", data=tmp_path)
    assert out.returncode != 0 and "缺少日志密钥" in out.stderr
    assert not key.exists()  # never silently replaced by a new one

    key.write_text("a-key-that-did-not-sign-this-journal-0123456789\n")
    out = duban("verify-journal", data=tmp_path)
    assert out.returncode != 0 and "密钥标识" in out.stderr

    key.write_text(saved)
    out = duban("verify-journal", data=tmp_path)
    assert out.returncode == 0, out.stderr
