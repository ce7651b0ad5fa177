"""Database triggers that make ``journal_event`` append-only below the ORM.

The model refuses ``save()`` on an existing row and ``delete()``, but ``QuerySet.update()``,
``QuerySet.delete()`` and raw SQL go around it. These triggers refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL) in the database itself, whoever sends them. Someone who owns the
database can still drop them; the hash chain is what detects that kind of rewrite.

Installed by migration ``journal.0004``; ``duban flush`` (which empties every table, the
journal with it) lifts them for its own run only.
"""

from __future__ import annotations

TABLE = "journal_event"
MESSAGE = "journal_event is append-only: rows are never updated or deleted"

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS journal_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS journal_event_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS journal_event_no_update",
    "DROP TRIGGER IF EXISTS journal_event_no_delete",
]

_PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION duban_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$""",
    f"DROP TRIGGER IF EXISTS journal_event_no_change ON {TABLE}",
    f"""CREATE TRIGGER journal_event_no_change BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION duban_journal_append_only()""",
    f"DROP TRIGGER IF EXISTS journal_event_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER journal_event_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION duban_journal_append_only()""",
]
_PG_DROP = [
    f"DROP TRIGGER IF EXISTS journal_event_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS journal_event_no_truncate ON {TABLE}",
]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_DROP
    if vendor == "postgresql":
        return _PG_INSTALL if install else _PG_DROP
    raise NotImplementedError(f"no append-only triggers for database vendor {vendor!r}")


def install(connection) -> None:
    with connection.cursor() as cur:
        for statement in _statements(connection.vendor, True):
            cur.execute(statement)


def drop(connection) -> None:
    with connection.cursor() as cur:
        for statement in _statements(connection.vendor, False):
            cur.execute(statement)


def installed(connection) -> bool:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
            return cur.fetchone()[0] == 2
        cur.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE]
        )
        return cur.fetchone()[0] == 2
