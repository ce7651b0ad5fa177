"""Model instances from hand-written SQL, for the few reads that run on every page view.

Django's ORM spends ≈0.2–1 ms compiling each query (joins, select_related, default columns,
ordering) and then building instances through its generic iterator; the item page asked for a
dozen of them, and the queries themselves took ≈0.03 ms each on SQLite. ``ModelRows`` keeps the
parts of the ORM that matter for correctness — the model's own columns, Django's value
converters for the connection's backend, ``Model.from_db`` — and drops the compilation: the
SQL is written once by the caller, which owns its joins and filters.

Datetimes get one shortcut on SQLite: they are naive UTC (parsed by the driver, or text) and
only need their zone, not Django's generic converter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db import connection as default_connection
from django.db.models.base import ModelState


def _sqlite_datetime(value, expression, connection):
    if value is None:
        return value
    # Text from a column read as text; a datetime from a declared "datetime" column (the
    # driver's converter, registered by Django's backend, has parsed it naive).
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


class ModelRows:
    """Reads ``model`` instances (all concrete columns, or the named ones — the rest deferred)
    from rows of hand-written SQL whose select list starts with ``columns(alias)``."""

    def __init__(self, model: type[models.Model], fields: Sequence[str] | None = None) -> None:
        self.model = model
        opts = model._meta
        concrete = list(opts.concrete_fields)
        # ``from_db`` matches a partial row to the fields in their declared order.
        self.fields = sorted((opts.get_field(n) for n in fields), key=concrete.index) if fields else concrete
        self.attnames = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self._converters: dict[str, list[tuple[int, list[Callable], Any]]] = {}
        self._columns: dict[tuple[str, str], str] = {}

    def columns(self, alias: str, connection=default_connection) -> str:
        """The select list, ``alias."column", …`` (made once per alias and backend). On PostgreSQL
        a JSON column is read as its text (``::text``, what ``jsonb`` sends in text results):
        Django parses JSON from text, and the rows can then always come as binary results
        (``query(binary=True)``)."""
        key = (alias, connection.vendor)
        found = self._columns.get(key)
        if found is None:
            q = connection.ops.quote_name
            cast = "::text" if connection.vendor == "postgresql" else ""
            found = self._columns[key] = ", ".join(
                f"{alias}.{q(f.column)}{cast if isinstance(f, models.JSONField) else ''}" for f in self.fields
            )
        return found

    def _converters_for(self, connection) -> list[tuple[int, list[Callable], Any]]:
        vendor = connection.vendor
        found = self._converters.get(vendor)
        if found is None:
            found = []
            table = self.model._meta.db_table
            for i, field in enumerate(self.fields):
                col = field.get_col(table)
                if vendor == "sqlite" and field.get_internal_type() == "DateTimeField":
                    convs: list[Callable] = [_sqlite_datetime]
                else:
                    convs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if convs:
                    found.append((i, convs, col))
            self._converters[vendor] = found
        return found

    def maker(self, connection=default_connection) -> Callable[..., models.Model | None]:
        """``make`` bound to one connection, for many rows: the connection, its converters and
        the model are looked up once (``django.db.connection`` is a proxy that looks the
        thread's connection up on every attribute)."""
        if connection is default_connection:
            connection = connections[DEFAULT_DB_ALIAS]
        convs = self._converters_for(connection)
        model, attnames, width, alias = self.model, self.attnames, self.width, connection.alias

        def make(row: Sequence, start: int = 0) -> models.Model | None:
            values = list(row[start : start + width])
            if values[0] is None:
                return None
            for i, fns, col in convs:
                value = values[i]
                for fn in fns:
                    value = fn(value, col, connection)
                values[i] = value
            # What ``Model.from_db`` makes, without ``Model.__init__``'s per-field descriptor
            # calls and init signals (none of Duban's models listens to them): the loaded
            # columns in the instance's dict — an absent one is deferred, loaded on first
            # access as the ORM does.
            obj = object.__new__(model)
            state = obj._state = ModelState()
            state.adding, state.db = False, alias
            obj.__dict__.update(zip(attnames, values, strict=True))
            return obj

        return make

    def make(self, row: Sequence, start: int = 0, connection=default_connection) -> models.Model | None:
        """The instance from ``row[start:start + width]``, or None when its key is NULL (the
        far side of a LEFT JOIN that found nothing)."""
        return self.maker(connection)(row, start)

    def fetch(self, sql: str, params: Iterable, connection=default_connection) -> list:
        """Every row of ``sql`` as an instance (the select list is exactly ``columns``)."""
        make = self.maker(connection)
        return [make(r) for r in query(sql, params, connection, binary=True)]


def cache_related(obj: models.Model, name: str, value) -> None:
    """Set a loaded forward relation (``report.author``) the way ``select_related`` does: the
    key column already holds its id, so only the ORM's per-instance cache is filled (the
    descriptor's ``__set__`` re-checks types and routers on every call)."""
    obj._meta.get_field(name).set_cached_value(obj, value)


_REVERSE: dict[tuple[type, str], tuple[Any, Any, str, str, str]] = {}


def attach(obj: models.Model, relation: str, rows: list) -> None:
    """Hand ``rows`` to ``obj`` as its prefetched ``relation`` (``obj.relation.all()`` then
    returns them without a query), the way ``prefetch_related`` stores its results.

    ``relation`` is the reverse side of a ForeignKey (``track.reports``). The stored queryset is
    the one the related manager would make — the default manager's, hinted with ``obj``, with
    the relation's filter and its known instance — but built directly: the manager clones its
    query twice to add the filter (≈ 20 µs, sixty times per item page), while the filter here
    is left deferred the way Django defers it for related managers, applied only if someone
    chains a query on the result (``track.reports.filter(…)`` still reads only this track's)."""
    key = (type(obj), relation)
    found = _REVERSE.get(key)
    if found is None:
        rel = obj._meta.get_field(relation)
        if not (rel.one_to_many and rel.field.many_to_one):
            raise TypeError(f"{key!r} is not the reverse side of a ForeignKey")
        found = _REVERSE[key] = (
            rel.related_model._default_manager,
            rel.field,
            rel.field.name,
            rel.field.target_field.attname,
            rel.cache_name,
        )
    manager, field, name, target, cache_name = found
    qs = manager.get_queryset()
    qs._add_hints(instance=obj)
    qs._deferred_filter = (False, (), {name: obj})
    qs._known_related_objects = {field: {getattr(obj, target): obj}}
    qs._result_cache = rows
    qs._prefetch_done = True
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = qs


def in_ids(column: str, ids: Sequence[int], connection=default_connection) -> tuple[str, list]:
    """``column IN (…)`` for a list of integer keys, as SQL and its parameters. On PostgreSQL it is
    ``column = ANY(%s)`` with one array parameter, so the statement's text is the same for any
    number of keys and its prepared plan is reused; SQLite has no arrays (and caps a statement
    at 999 parameters on old builds: callers pass at most ``CHUNK`` keys)."""
    if connection.vendor == "postgresql":
        # The array as its text form: psycopg's list adapter costs ≈0.3 ms a call to set up.
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(str(int(i)) for i in ids) + "}"]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


CHUNK = 900


def binary_results(connection=default_connection) -> bool:
    """Whether reads on ``connection`` may ask for binary results: PostgreSQL with server-side
    binding (psycopg's client-side cursors only read text). Binary matters for times: Django
    loads a text ``timestamptz`` through a Python-level loader (≈2.5 µs a value — half the cost
    of reading an item's nodes), psycopg's binary loader is C and gives the same UTC datetime."""
    return connection.vendor == "postgresql" and bool(
        connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
    )


def query(sql: str, params: Iterable, connection=default_connection, *, binary: bool = False) -> list[tuple]:
    """The rows of one read. ``binary``: PostgreSQL may send binary results — the select list
    has no column Django reads from text only (JSON: ``ModelRows.columns`` casts it)."""
    if binary and binary_results(connection):
        return _pg_run([(sql, list(params))], [True], connection)[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def query_many(
    statements: Sequence[tuple[str, Sequence]],
    connection=default_connection,
    *,
    binary: Sequence[bool] = (),
) -> list[list[tuple]]:
    """The rows of several independent reads, in order. On PostgreSQL they go out together in
    one pipeline — one round trip to the server instead of one each; SQLite runs in-process and
    has no round trips to save. ``binary``: per statement, as ``query``'s."""
    flags = list(binary) + [False] * (len(statements) - len(binary))
    if connection.vendor != "postgresql" or (len(statements) < 2 and not any(flags)):
        return [query(sql, params, connection) for sql, params in statements]
    if not binary_results(connection):
        flags = [False] * len(statements)
    return _pg_run(statements, flags, connection)


def _pg_run(statements: Sequence[tuple[str, Sequence]], flags: list[bool], connection) -> list[list[tuple]]:
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        cursors = []
        if len(statements) == 1:
            cursor = raw.cursor()
            cursor.execute(statements[0][0], list(statements[0][1]), binary=flags[0])
            cursors.append(cursor)
        else:
            with raw.pipeline():
                for (sql, params), flag in zip(statements, flags, strict=True):
                    cursor = raw.cursor()
                    cursor.execute(sql, list(params), binary=flag)
                    cursors.append(cursor)
        out = [cursor.fetchall() for cursor in cursors]
        for cursor in cursors:
            cursor.close()
    if connection.queries_logged:  # the ORM's query log (tests count queries, debug tools show them)
        for sql, params in statements:
            connection.queries_log.append({"sql": f"{sql} -- {list(params)!r}", "time": "0.000"})
    return out
