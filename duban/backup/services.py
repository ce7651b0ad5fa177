"""``duban backup`` and ``duban restore``: the database and the stored files, with a manifest.

A backup is a directory (or the same laid out in one ``.tar``)::

    manifest.json          format, Duban version, time, the journal head, row counts per table,
                           the sha256 and size of the database dump and of every file
    database.sqlite3       SQLite: the online backup API's copy, one self-contained file
    database.pgdump        PostgreSQL: pg_dump's custom format
    files/attachments/…    every file a row refers to, under its MEDIA_ROOT name

It is built under a hidden temporary name beside OUT and renamed to OUT only when complete, so a
directory (or tar) named OUT is always a whole backup. The files are those the dump's rows name,
read after the snapshot: attachments are content-addressed and never rewritten, and a referenced
one is never removed, so each is still there and still the same bytes.

The journal key (``duban.journal.keys``) is deliberately not in the backup: a copy of the
database must not carry what it takes to forge its journal. Keep the key with the backups, but
apart from them; restore needs it to verify the journal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connections

import duban

from . import db
from .db import BackupError

FORMAT = "duban.backup/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
MANIFEST = "manifest.json"
FILES_DIR = "files"
_CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _copy(src: Path, dst: Path) -> tuple[int, str]:
    """Copy and hash in one pass; fsync so a renamed backup is on disk, not in the page cache."""
    h, size = hashlib.sha256(), 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open("rb") as fin, dst.open("wb") as fout:
        for chunk in iter(lambda: fin.read(_CHUNK), b""):
            h.update(chunk)
            size += len(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return size, h.hexdigest()


def _safe_name(name: str) -> PurePosixPath:
    """A stored file's name as a relative path that stays inside its root."""
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts or name != str(p):
        raise BackupError(f"refusing the file name {name!r}: it would leave the files directory")
    return p


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)


def create_backup(out: str | os.PathLike, *, database: str = "default") -> BackupResult:
    """Write a complete backup to ``out`` (a new directory, or a ``.tar`` file)."""
    out = Path(out).absolute()
    as_tar = out.suffix == ".tar"
    if out.exists() or out.is_symlink():
        raise BackupError(f"{out} already exists: choose a new name (a backup never overwrites another)")
    out.parent.mkdir(parents=True, exist_ok=True)
    conn = connections[database]
    vendor, settings_dict = conn.vendor, dict(conn.settings_dict)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        dump_name = db.DUMP_FILES.get(vendor)
        if dump_name is None:
            raise BackupError(f"no backup for database vendor {vendor!r}")
        started = dt.datetime.now(dt.UTC)
        snap = db.dump(vendor, settings_dict, work / dump_name)
        files, missing, damaged, total = [], [], [], 0
        root = _media_root()
        for name in snap.file_names:
            rel = _safe_name(name)
            src = root / rel
            if not src.is_file():
                missing.append(name)
                continue
            size, digest = _copy(src, work / FILES_DIR / rel)
            files.append({"name": name, "size": size, "sha256": digest})
            total += size
            if _HEX64.fullmatch(rel.name) and rel.name != digest:
                damaged.append(name)  # content-addressed, yet not the content its name says
        manifest = {
            "format": FORMAT,
            "duban_version": duban.__version__,
            "created_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "database": {
                "vendor": vendor,
                "file": dump_name,
                "size": (work / dump_name).stat().st_size,
                "sha256": sha256_of(work / dump_name),
            },
            "journal_head": snap.journal_head,
            "migrations": snap.migrations,
            "counts": snap.counts,
            "files": {"count": len(files), "bytes": total, "entries": files},
            # Named by a row but not on disk when the backup was made: restored as missing too.
            "missing_files": missing,
            # On disk, but the bytes no longer hash to the blob's name: copied as they are.
            "damaged_files": damaged,
        }
        with (work / MANIFEST).open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(work, 0o700)  # the dump holds every row: readable by its owner only
        if as_tar:
            partial = work.with_name(work.name + ".tar")
            with tarfile.open(partial, "w") as tar:
                # The manifest first, so a reader can check what follows as it goes.
                tar.add(work / MANIFEST, arcname=MANIFEST)
                for child in sorted(work.iterdir()):
                    if child.name != MANIFEST:
                        tar.add(child, arcname=child.name)
            with partial.open("rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(partial, 0o600)
            os.rename(partial, out)
        else:
            os.rename(work, out)
        _fsync_dir(out.parent)
        return BackupResult(out, manifest, missing, damaged)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


# --- restore ------------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} has no {MANIFEST}: not a Duban backup, or an unfinished one") from None
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} is not a {FORMAT} manifest")
    return manifest


def verify(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Every checksum in the manifest against the bytes; returns what does not match."""
    problems = []
    dbinfo = manifest["database"]
    dump = folder / _safe_name(dbinfo["file"])
    if not dump.is_file():
        problems.append(f"{dbinfo['file']}: missing")
    elif dump.stat().st_size != dbinfo["size"] or sha256_of(dump) != dbinfo["sha256"]:
        problems.append(f"{dbinfo['file']}: checksum differs from the manifest")
    for entry in manifest["files"]["entries"]:
        path = folder / FILES_DIR / _safe_name(entry["name"])
        if not path.is_file():
            problems.append(f"{entry['name']}: missing")
        elif path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            problems.append(f"{entry['name']}: checksum differs from the manifest")
    return problems


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    files_written: int
    files_kept: int
    journal: str
    pending_migrations: int = 0


def _unpacked(source: Path, scratch: Path) -> Path:
    if source.is_dir():
        return source
    if source.is_file() and tarfile.is_tarfile(source):
        with tarfile.open(source) as tar:
            tar.extractall(scratch, filter="data")
        return scratch
    raise BackupError(f"{source} is neither a backup directory nor a .tar backup")


def restore_backup(
    source: str | os.PathLike, *, database: str = "default", force: bool = False
) -> RestoreResult:
    """Check every checksum, then load the dump into the (empty) database and the files into
    MEDIA_ROOT, then check the result against the manifest. Stop the server and the worker first."""
    source = Path(source).absolute()
    conn = connections[database]
    vendor, settings_dict = conn.vendor, dict(conn.settings_dict)
    with tempfile.TemporaryDirectory(prefix="duban-restore-") as scratch:
        folder = _unpacked(source, Path(scratch))
        manifest = read_manifest(folder)
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                f"the backup is of a {manifest['database']['vendor']} database; this instance uses {vendor}"
            )
        unknown = _unknown_migrations(manifest)
        if unknown:
            raise BackupError(
                "the backup was made by a newer Duban (migrations this version does not have: "
                + ", ".join(unknown)
                + "); restore it with that version or a later one"
            )
        connections.close_all()
        if db.has_data(vendor, settings_dict) and not force:
            raise BackupError(
                "the target database already has data (units, users, items or journal rows); "
                "restore into an empty database, or pass --force to replace everything in it"
            )
        problems = verify(folder, manifest)
        if problems:
            raise BackupError(
                "the backup does not match its manifest; nothing was restored:\n  " + "\n  ".join(problems)
            )
        db.restore(
            vendor,
            folder / manifest["database"]["file"],
            settings_dict,
            list(manifest["counts"]),
            everything=force,
        )
        written = kept = 0
        root = _media_root()
        for entry in manifest["files"]["entries"]:
            rel = _safe_name(entry["name"])
            dst = root / rel
            if dst.is_file() and dst.stat().st_size == entry["size"] and sha256_of(dst) == entry["sha256"]:
                kept += 1
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
            os.close(fd)
            try:
                _copy(folder / FILES_DIR / rel, Path(tmp))
                os.chmod(tmp, 0o644)
                os.replace(tmp, dst)
            finally:
                Path(tmp).unlink(missing_ok=True)
            written += 1
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # ids cached from the database this process saw before
    journal = check_restored(manifest, vendor=vendor, settings_dict=settings_dict, database=database)
    return RestoreResult(manifest, written, kept, journal, pending_migrations(database))


def _unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [
        f"{app}.{name}"
        for app, name in sorted(manifest.get("migrations", {}).items())
        if (app, name) not in known
    ]


def pending_migrations(database: str) -> int:
    """Migrations this version has that the restored database has not applied yet."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[database])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def check_restored(manifest: dict[str, Any], *, vendor: str, settings_dict: dict, database: str) -> str:
    """The restored database against the manifest: counts, journal head, the chain itself and the
    append-only triggers. Raises with every difference; returns the journal's verdict."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from duban.journal import triggers

    snap = db.snapshot(vendor, settings_dict)
    problems = []
    for table, count in manifest["counts"].items():
        if snap.counts.get(table) != count:
            problems.append(f"table {table}: {snap.counts.get(table)} rows, the backup had {count}")
    if snap.journal_head != manifest["journal_head"]:
        problems.append(f"journal head {snap.journal_head}, the backup had {manifest['journal_head']}")
    connections.close_all()
    if not triggers.installed(connections[database]):
        problems.append("the journal's append-only triggers are missing")
    out = StringIO()
    try:
        call_command("verify_journal", stdout=out)
    except CommandError as exc:
        problems.append(f"verify-journal: {exc}")
    except Exception as exc:  # e.g. the journal key is not configured on this host
        problems.append(f"verify-journal could not run: {exc}")
    if problems:
        raise BackupError("restored, but checking the result failed:\n  " + "\n  ".join(problems))
    return out.getvalue().strip()
