"""The database half of a backup: a consistent snapshot out, an empty database filled back in.

SQLite: the online backup API copies every page under one read transaction, so writers keep
going and the copy is the database at one moment. PostgreSQL: a REPEATABLE READ transaction
exports its snapshot and ``pg_dump --snapshot`` dumps exactly what that transaction sees, so the
row counts, the journal head and the list of files read beside the dump describe the same moment.
Triggers (the journal's append-only ones) are part of the schema and travel with both.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Tables whose rows mean "this database is in use" (a freshly migrated one has none).
DATA_TABLES = ("orgs_orgunit", "orgs_user", "items_item", "journal_event")
# libpq connection keywords Django's OPTIONS may carry through to pg_dump / psycopg.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Snapshot:
    """What the dump contains, read in the dump's own snapshot."""

    counts: dict[str, int] = field(default_factory=dict)
    journal_head: dict[str, Any] = field(default_factory=dict)
    migrations: dict[str, str] = field(default_factory=dict)
    file_names: list[str] = field(default_factory=list)


def file_columns() -> list[tuple[str, str]]:
    """(table, column) of every FileField: the rows that name stored files."""
    from django.apps import apps
    from django.db import models

    out = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.FileField):
                out.append((model._meta.db_table, f.column))
    return out


def _read(cur, tables: list[str], placeholder: str) -> Snapshot:
    snap = Snapshot()
    for table in sorted(tables):
        cur.execute(f'SELECT count(*) FROM "{table}"')
        snap.counts[table] = int(cur.fetchone()[0])
    if "journal_head" in tables:
        cur.execute("SELECT seq, hash FROM journal_head WHERE id = 1")
        row = cur.fetchone()
        snap.journal_head = {"seq": int(row[0]), "hash": row[1]} if row else {"seq": 0, "hash": None}
    if "django_migrations" in tables:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cur.fetchall():
            snap.migrations[app] = name  # the names sort in order: the last is the newest
    names: set[str] = set()
    for table, column in file_columns():
        if table in tables:
            cur.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" <> {placeholder}', [""])
            names.update(r[0] for r in cur.fetchall() if r[0])
    snap.file_names = sorted(names)
    return snap


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [r[0] for r in rows]


def sqlite_dump(settings_dict: dict, out: Path) -> Snapshot:
    src_path = settings_dict["NAME"]
    if not src_path or str(src_path) == ":memory:" or "mode=memory" in str(src_path):
        raise BackupError("an in-memory SQLite database cannot be backed up")
    if not Path(src_path).exists():
        raise BackupError(f"the SQLite database {src_path} does not exist")
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst)
        # One self-contained file: no -wal/-shm beside it in the backup.
        dst.execute("PRAGMA journal_mode=DELETE")
        cur = dst.cursor()
        snap = _read(cur, _sqlite_tables(dst), "?")
        integrity = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            raise BackupError(f"the SQLite copy fails its integrity check: {integrity}")
        return snap
    finally:
        dst.close()
        src.close()


def sqlite_has_data(settings_dict: dict) -> bool:
    path = Path(settings_dict["NAME"])
    if not path.exists() or path.stat().st_size == 0:
        return False
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
    try:
        tables = set(_sqlite_tables(conn))
        return any(
            conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() for t in DATA_TABLES if t in tables
        )
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite database ({exc}); move it away first") from None
    finally:
        conn.close()


def sqlite_restore(dump: Path, settings_dict: dict) -> None:
    """Copy the backup's pages into the target file through the backup API, which replaces the
    whole database and keeps its -wal in step (a plain file copy over a WAL database would not)."""
    target = Path(settings_dict["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=60)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise BackupError(f"copying the database into {target} failed, nothing was changed: {exc}") from None
    finally:
        dst.close()
        src.close()


def sqlite_snapshot(settings_dict: dict) -> Snapshot:
    conn = sqlite3.connect(f"file:{settings_dict['NAME']}?mode=ro", uri=True, timeout=60)
    try:
        return _read(conn.cursor(), _sqlite_tables(conn), "?")
    finally:
        conn.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The newest pg_dump/pg_restore: Debian's versioned binaries first (a dump must be made by a
    pg_dump at least as new as the server), then whatever is on PATH."""
    override = os.environ.get("DUBAN_PG_BIN")
    if override:
        candidate = Path(override) / name
        if not os.access(candidate, os.X_OK):
            raise BackupError(f"DUBAN_PG_BIN={override} has no executable {name}")
        return str(candidate)

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.parent.name
        return tuple(int(x) for x in part.split(".") if x.isdigit()) or (0,)

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise BackupError(
        f"{name} not found on PATH or under /usr/lib/postgresql/*/bin "
        "(install the PostgreSQL client, e.g. apt-get install postgresql-client)"
    )


def _pg_env(settings_dict: dict) -> dict[str, str]:
    env = dict(os.environ)
    pairs = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
    }
    for key, var in _LIBPQ_OPTIONS.items():
        pairs[var] = (settings_dict.get("OPTIONS") or {}).get(key)
    for var, value in pairs.items():
        if value not in (None, ""):
            env[var] = str(value)
    return env


def _pg_connect(settings_dict: dict):
    import psycopg

    kwargs: dict[str, Any] = {
        "dbname": settings_dict.get("NAME"),
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }
    for key in _LIBPQ_OPTIONS:
        value = (settings_dict.get("OPTIONS") or {}).get(key)
        if value not in (None, ""):
            kwargs[key] = value
    return psycopg.connect(**{k: v for k, v in kwargs.items() if v is not None})


def _pg_tables(cur) -> list[str]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [r[0] for r in cur.fetchall()]


def _run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise BackupError(
            f"{Path(cmd[0]).name} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}"
        )


def pg_dump(settings_dict: dict, out: Path) -> Snapshot:
    tool = pg_tool("pg_dump")
    import psycopg

    conn = _pg_connect(settings_dict)
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            cur = conn.cursor()
            cur.execute("SELECT pg_export_snapshot()")
            snapshot_id = cur.fetchone()[0]
            snap = _read(cur, _pg_tables(cur), "%s")
            # The exporting transaction stays open until pg_dump has taken the snapshot over.
            _run(
                [
                    tool,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    "-f",
                    str(out),
                ],
                _pg_env(settings_dict),
            )
        return snap
    finally:
        conn.close()


def pg_has_data(settings_dict: dict) -> bool:
    conn = _pg_connect(settings_dict)
    try:
        cur = conn.cursor()
        tables = set(_pg_tables(cur))
        for t in DATA_TABLES:
            if t in tables:
                cur.execute(f'SELECT 1 FROM "{t}" LIMIT 1')
                if cur.fetchone():
                    return True
        return False
    finally:
        conn.close()


def _pg_clear_sql(settings_dict: dict, tables: list[str], everything: bool) -> str:
    """SQL dropping what an earlier migrate or restore made of the backup's own tables (a
    database someone already migrated has them, just no rows) and Duban's trigger functions.
    Other tables are left alone unless ``everything`` (--force: the database is replaced, and
    a table a newer version added would break the next upgrade's migrate)."""
    conn = _pg_connect(settings_dict)
    try:
        cur = conn.cursor()
        present = [t for t in _pg_tables(cur) if everything or t in set(tables)]
        cur.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.proname LIKE 'duban\\_%'"
        )
        functions = [r[0] for r in cur.fetchall()]
        conn.rollback()
    finally:
        conn.close()
    sql = []
    if present:
        # Sequences of identity and serial columns belong to their tables and go with them.
        sql.append("DROP TABLE " + ", ".join(f'"{t}"' for t in present) + " CASCADE;")
    sql += [f"DROP FUNCTION IF EXISTS {f} CASCADE;" for f in functions]
    return "\n".join(sql) + "\n"


def pg_restore(dump: Path, settings_dict: dict, tables: list[str], everything: bool = False) -> None:
    """Clear and load in one transaction: pg_restore writes the dump as SQL, psql runs it after
    the DROPs with --single-transaction, so a failure leaves the target as it was."""
    env = _pg_env(settings_dict)
    clear = _pg_clear_sql(settings_dict, tables, everything)
    script = subprocess.Popen(
        [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "-f", "-", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    psql = subprocess.Popen(
        [pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert script.stdout is not None and psql.stdin is not None
    script_err = ""
    try:
        psql.stdin.write(clear.encode())
        shutil.copyfileobj(script.stdout, psql.stdin, 1024 * 1024)
        script_err = script.stderr.read().decode(errors="replace") if script.stderr else ""
        if script.wait() != 0:
            # A dump pg_restore could not read (or only partly): make psql's transaction fail so
            # the DROPs above are rolled back with whatever got through.
            psql.stdin.write(b"\n;\nDO $$ BEGIN RAISE EXCEPTION 'pg_restore failed'; END $$;\n")
    except BrokenPipeError:
        pass  # psql stopped at an error: its stderr says which
    finally:
        with contextlib.suppress(BrokenPipeError):
            psql.stdin.close()
        script.stdout.close()
    script.wait()
    psql_err = psql.stderr.read().decode(errors="replace") if psql.stderr else ""
    psql.wait()
    if script.returncode != 0:
        raise BackupError(f"pg_restore failed (exit {script.returncode}): {script_err.strip()[-2000:]}")
    if psql.returncode != 0:
        raise BackupError(
            f"loading the dump failed, nothing was changed (psql exit {psql.returncode}): {psql_err.strip()[-2000:]}"
        )


def pg_snapshot(settings_dict: dict) -> Snapshot:
    conn = _pg_connect(settings_dict)
    try:
        with conn.transaction():
            cur = conn.cursor()
            return _read(cur, _pg_tables(cur), "%s")
    finally:
        conn.close()


# --- by vendor ----------------------------------------------------------------------------------

DUMP_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def dump(vendor: str, settings_dict: dict, out: Path) -> Snapshot:
    if vendor == "sqlite":
        return sqlite_dump(settings_dict, out)
    if vendor == "postgresql":
        return pg_dump(settings_dict, out)
    raise BackupError(f"no backup for database vendor {vendor!r}")


def has_data(vendor: str, settings_dict: dict) -> bool:
    return sqlite_has_data(settings_dict) if vendor == "sqlite" else pg_has_data(settings_dict)


def restore(
    vendor: str, dump_path: Path, settings_dict: dict, tables: list[str], everything: bool = False
) -> None:
    """Load the dump. SQLite's backup API always replaces the whole file; on PostgreSQL
    ``everything`` drops every table of the schema first, not just the backup's."""
    if vendor == "sqlite":
        sqlite_restore(dump_path, settings_dict)
    elif vendor == "postgresql":
        pg_restore(dump_path, settings_dict, tables, everything)
    else:
        raise BackupError(f"no restore for database vendor {vendor!r}")


def snapshot(vendor: str, settings_dict: dict) -> Snapshot:
    return sqlite_snapshot(settings_dict) if vendor == "sqlite" else pg_snapshot(settings_dict)
