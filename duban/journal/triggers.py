"""Database triggers that make ``journal_event`` and ``journal_checkpoint`` append-only below
the ORM.

The models refuse ``save()`` on an existing row and ``delete()``, but ``QuerySet.update()``,
``QuerySet.delete()`` and raw SQL go around them. These triggers refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL) in the database itself, whoever sends them. Someone who owns the
database can still drop them; the keyed hash chain and the checkpoints kept outside the
database are what detect that kind of rewrite.

Installed by migrations ``journal.0004`` (events) and ``journal.0005`` (checkpoints), each for
the tables that exist at that point; ``duban flush`` (which empties every table, the journal
with it) lifts them for its own run only.
"""

from __future__ import annotations

TABLES = ("journal_event", "journal_checkpoint")
TABLE = TABLES[0]
MESSAGE = "is append-only: rows are never updated or deleted"


def _sqlite_install(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} {MESSAGE}'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} {MESSAGE}'); END""",
    ]


def _sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


_PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION duban_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% {MESSAGE} (%)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$"""


def _pg_install(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
        f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION duban_journal_append_only()""",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION duban_journal_append_only()""",
    ]


def _pg_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
    ]


def _tables(connection) -> list[str]:
    existing = set(connection.introspection.table_names())
    return [t for t in TABLES if t in existing]


def _statements(vendor: str, install: bool, tables: list[str]) -> list[str]:
    if vendor == "sqlite":
        make = _sqlite_install if install else _sqlite_drop
        return [s for t in tables for s in make(t)]
    if vendor == "postgresql":
        if install:
            return [_PG_FUNCTION, *(s for t in tables for s in _pg_install(t))]
        return [s for t in tables for s in _pg_drop(t)]
    raise NotImplementedError(f"no append-only triggers for database vendor {vendor!r}")


def install(connection) -> None:
    with connection.cursor() as cur:
        for statement in _statements(connection.vendor, True, _tables(connection)):
            cur.execute(statement)


def drop(connection) -> None:
    with connection.cursor() as cur:
        for statement in _statements(connection.vendor, False, _tables(connection)):
            cur.execute(statement)


def installed(connection) -> bool:
    """Both triggers on every journal table (a table rebuild by a migration drops them)."""
    with connection.cursor() as cur:
        for table in TABLES:
            if connection.vendor == "sqlite":
                cur.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
                )
            else:
                cur.execute(
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                    [table],
                )
            if cur.fetchone()[0] != 2:
                return False
    return True
