"""The commands as an operator runs them: separate processes on a SQLite instance of their own."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from tests.infra.test_cli import duban_command


def run(
    *args: str, data: Path, db: Path, media: Path, key_dir: Path | None = None
) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        DUBAN_DATA_DIR=str(key_dir or data),
        DUBAN_SQLITE_PATH=str(db),
        DUBAN_MEDIA_ROOT=str(media),
    )
    for var in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DUBAN_JOURNAL_KEY", "DUBAN_JOURNAL_KEY_FILE"):
        env.pop(var, None)
    return subprocess.run(
        [*duban_command(), *args],
        env=env,
        cwd=data,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_backup_restore_and_cleanup_from_the_command_line(tmp_path):
    live = dict(data=tmp_path, db=tmp_path / "live.sqlite3", media=tmp_path / "files")
    for step in (["migrate", "-v", "0"], ["load-orgs"]):
        out = run(*step, **live)
        assert out.returncode == 0, out.stderr
    stray = live["media"] / "attachments" / "00" / ("0" * 64)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"orphan")

    # The call shape docs/DEPLOY.md uses: the parent directory need not exist yet.
    out_dir = tmp_path / "var-backups" / "duban" / dt.date.today().isoformat()
    out = run("backup", str(out_dir), **live)
    assert out.returncode == 0, out.stderr
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == "sqlite" and manifest["counts"]["orgs_orgunit"] > 100
    assert manifest["files"]["count"] == 0  # the orphan is nobody's file: not backed up
    assert oct(out_dir.stat().st_mode & 0o777) == "0o700"
    again = run("backup", str(out_dir), **live)
    assert again.returncode != 0 and "already exists" in again.stderr

    fresh = dict(data=tmp_path, db=tmp_path / "restored.sqlite3", media=tmp_path / "restored-files")
    out = run("restore", str(out_dir), **fresh)
    assert out.returncode == 0, out.stderr
    assert "chain intact" in out.stdout
    out = run("verify-journal", **fresh)
    assert out.returncode == 0 and out.stdout.startswith("OK"), out.stdout + out.stderr
    refused = run("restore", str(out_dir), **fresh)
    assert refused.returncode != 0 and "already has data" in refused.stderr
    forced = run("restore", "--force", str(out_dir), **fresh)
    assert forced.returncode == 0, forced.stderr

    # On a host without the journal key the data is restored but the journal cannot be verified.
    keyless = dict(data=tmp_path, db=tmp_path / "keyless.sqlite3", media=tmp_path / "keyless-files")
    out = run("restore", str(out_dir), key_dir=tmp_path / "elsewhere", **keyless)
    assert out.returncode != 0 and "缺少日志密钥" in out.stderr

    out = run("cleanup-files", **live)
    assert out.returncode == 0 and "kept 1 unreferenced file(s) younger than an hour" in out.stdout
    assert stray.exists()
