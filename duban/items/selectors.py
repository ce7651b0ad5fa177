"""Reads. Visibility lives here and only here: every list, page, export and API call asks
``items_visible_to(user)``; nothing else decides who may see an item."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Substr

from duban.core import sqlrows
from duban.core.clock import SHANGHAI, end_of_day, now
from duban.core.errors import NotFound
from duban.core.sqlrows import ModelRows, attach
from duban.orgs.models import OrgUnit, Role, subtree_filter
from duban.workcal.calendar import add_working_days, next_working_day_on_or_after

from .models import OPEN_STATES, Attachment, Extension, Item, Node, Report, Review, Track, TrackState, Urge


def sees_whole_subtree(user) -> bool:
    """Supervisors, leaders and admins see everything issued or handled within their unit's
    subtree; everyone else what their unit issued or holds a track on."""
    return user.oversees_subtree or user.role == Role.ADMIN


def _visibility_inputs(user) -> tuple:
    """Everything the visibility rule reads of ``user``: the rule below is a function of this
    tuple alone, so SQL compiled from it may be reused for anyone with the same tuple."""
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return ("none",)
    if sees_whole_subtree(user):
        return ("subtree", user.unit_id, user.unit.path)
    return ("own", user.unit_id)


def _visibility_q_of(inputs: tuple) -> Q:
    kind = inputs[0]
    if kind == "none":
        return Q(pk__in=[])
    if kind == "subtree":
        _kind, unit_id, path = inputs
        below = Track.objects.filter(subtree_filter("unit_path", path), item=OuterRef("pk"))
        # Column tests before the subquery: OR short-circuits left to right on both backends, so
        # most rows pass on issuer_path without probing tracks. The unit's own tracks lie in
        # its subtree, so ``below`` covers them.
        return Q(issuer_unit_id=unit_id) | subtree_filter("issuer_path", path) | Q(Exists(below))
    _kind, unit_id = inputs
    own_track = Track.objects.filter(item=OuterRef("pk"), unit_id=unit_id)
    return Q(issuer_unit_id=unit_id) | Q(Exists(own_track))


def _visibility_q(user) -> Q:
    return _visibility_q_of(_visibility_inputs(user))


def items_visible_to(user) -> QuerySet[Item]:
    return Item.objects.filter(_visibility_q(user))


def _tracks_visible(items: QuerySet[Item]) -> QuerySet[Track]:
    # A correlated EXISTS, not "item_id IN (visible items)": SQLite materialises that IN list —
    # every item the user may see — even to fetch a single track.
    return Track.objects.filter(Exists(items.filter(pk=OuterRef("item_id"))))


def tracks_visible_to(user) -> QuerySet[Track]:
    return _tracks_visible(items_visible_to(user))


# An id no row has (keys start at 1): marks where the key goes in compiled parameters.
_KEY_MARK = -(2**62) - 20211008
_BIGINT = range(-(2**63), 2**63)
_COMPILED: dict[tuple, tuple[str, tuple, int] | None] = {}
_UNSEEN = object()


_MISSING = {"item": "事项不存在或无权查看", "track": "承办记录不存在或无权查看"}


def visible_key_sql(user, model: str, pk) -> tuple[str, list]:
    """``items_visible_to(user).filter(pk=pk).values("pk")`` (``model="item"``) or the same of
    ``tracks_visible_to`` (``"track"``) as SQL and parameters — compiled by the ORM from the one
    rule, once per visibility input (``_visibility_inputs``) and database, then reused with the
    key put in its place: compiling it cost ≈0.7 ms, on every item page and twice per report.
    Raises NotFound for a key that cannot exist, or when the user sees nothing."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_MISSING[model]) from None
    if pk not in _BIGINT:  # the ORM refuses it too (EmptyResultSet)
        raise NotFound(_MISSING[model])
    inputs = _visibility_inputs(user)
    key = (connection.alias, connection.vendor, model, inputs)
    compiled = _COMPILED.get(key, _UNSEEN)
    if compiled is _UNSEEN:
        items = Item.objects.filter(_visibility_q_of(inputs))
        qs = items if model == "item" else _tracks_visible(items)
        try:
            sql, params = qs.filter(pk=_KEY_MARK).values("pk").query.sql_with_params()
        except EmptyResultSet:
            compiled = None
        else:
            at = [i for i, p in enumerate(params) if p == _KEY_MARK]
            if len(at) != 1:  # pragma: no cover - the rule's own constants never equal the mark
                raise RuntimeError(f"visibility SQL: the key's place is not unique: {at}")
            compiled = (sql, tuple(params), at[0])
        if len(_COMPILED) >= 4096:  # one entry per unit (and kind of viewer); bounded all the same
            _COMPILED.clear()
        _COMPILED[key] = compiled
    if compiled is None:
        raise NotFound(_MISSING[model])
    sql, params, at = compiled
    out = list(params)
    out[at] = pk
    return sql, out


def get_item(user, pk) -> Item:
    """The item if ``user`` may see it, else NotFound — never a hint that it exists."""
    try:
        return items_visible_to(user).select_related("issuer_unit", "created_by").get(pk=pk)
    except (Item.DoesNotExist, ValueError, TypeError):
        raise NotFound("事项不存在或无权查看") from None


def get_track(user, pk, *, detail: bool = False, clock: bool = False) -> Track:
    """The track if ``user`` may see it, else NotFound. ``detail`` loads what its record shows
    (nodes, reports and their files, reviews, extensions, urges); ``clock`` only what its light
    and actions need (nodes, extensions)."""
    if not (detail or clock):
        return _track_row(user, pk)
    qs = tracks_visible_to(user).select_related("item", "unit", "parent", "assignee")
    if detail:
        qs = qs.prefetch_related(*TRACK_DETAIL)
    elif clock:
        qs = qs.prefetch_related(TRACK_DETAIL[0], "extensions")
    try:
        return qs.get(pk=pk)
    except (Track.DoesNotExist, ValueError, TypeError):
        raise NotFound("承办记录不存在或无权查看") from None


def _track_row(user, pk) -> Track:
    """``get_track``'s plain case — what ``select_related("item", "unit", "parent",
    "assignee")`` reads — in one hand-written query around the compiled visibility rule: every
    write on a track loads it this way (the view, then the service)."""
    visible_sql, params = visible_key_sql(user, "track", pk)
    T, IT, U, P = _rows("items.Track"), _rows("items.Item"), _rows("orgs.OrgUnit"), _rows("orgs.User")
    q = connection.ops.quote_name
    rows = sqlrows.query(
        f"SELECT {T.columns('x')}, {IT.columns('i')}, {U.columns('u')}, {T.columns('p')}, {P.columns('a')} "
        f"FROM {q('items_track')} x JOIN {q('items_item')} i ON i.{q('id')} = x.{q('item_id')} "
        f"JOIN {q('orgs_orgunit')} u ON u.{q('id')} = x.{q('unit_id')} "
        f"LEFT JOIN {q('items_track')} p ON p.{q('id')} = x.{q('parent_id')} "
        f"LEFT JOIN {q('orgs_user')} a ON a.{q('id')} = x.{q('assignee_id')} "
        f"WHERE x.{q('id')} IN ({visible_sql})",
        params,
        binary=True,
    )
    if not rows:
        raise NotFound("承办记录不存在或无权查看")
    row, at = rows[0], T.width
    track = T.make(row)
    link = sqlrows.cache_related
    link(track, "item", IT.make(row, at))
    link(track, "unit", U.make(row, at + IT.width))
    at += IT.width + U.width
    link(track, "parent", T.make(row, at))
    link(track, "assignee", P.make(row, at + T.width))
    return track


def get_attachment(user, pk) -> Attachment:
    """An item's or a report's file if ``user`` may see that item, else NotFound."""
    try:
        att = Attachment.objects.select_related("report__track").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound("附件不存在或无权查看") from None
    item_id = att.item_id or (att.report.track.item_id if att.report_id else None)
    if item_id is None or not items_visible_to(user).filter(pk=item_id).exists():
        raise NotFound("附件不存在或无权查看")
    return att


# What a track's record shows, each relation in one query for all the tracks loaded.
TRACK_DETAIL = (
    Prefetch("nodes", queryset=Node.objects.order_by("seq")),
    Prefetch("reports", queryset=Report.objects.select_related("author", "node")),
    "reports__attachments",
    Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
    Prefetch("extensions", queryset=Extension.objects.select_related("node", "requested_by", "decided_by")),
    Prefetch("urges", queryset=Urge.objects.select_related("by")),
)


def item_detail(user, pk, *, journal: bool = False, also: Sequence[tuple[str, Sequence]] = ()) -> Item:
    """An item with everything its page (and the API's item) shows: ``track_list`` (each with
    ``child_tracks`` and its nodes, reports and their files, reviews, extensions and urges
    prefetched), ``attachment_list``, ``instruction_list`` and, with ``journal``, ``event_list``.

    ``also``: more independent reads (SQL and parameters, each made by the selector that owns
    its rule) the caller needs for the same page; they travel with the item's reads and their
    rows come back in ``item.also_rows``, in order.

    Visibility is decided by the one rule (``items_visible_to``); everything after it belongs to
    that one item and is read with hand-written SQL (``core.sqlrows``), one query per relation for
    the whole item and one each for the people and units they name (the issuer and registrar
    among them). Compiling the dozen ORM queries this page used to ask cost ten times more than
    running them."""
    # The visibility rule compiled by the ORM, read with the item's records in one go (one round
    # trip on PostgreSQL); if it finds nothing, the rest is never looked at.
    visible = visible_key_sql(user, "item", pk)
    return _item_detail_rows(pk, visible, journal=journal, also=also)


_ROWS: dict[str, ModelRows] = {}


def _rows(name: str) -> ModelRows:
    """One ``ModelRows`` per model, built on first use (the models must be loaded)."""
    found = _ROWS.get(name)
    if found is None:
        from django.apps import apps

        from duban.orgs.models import User

        if name == "user":
            found = ModelRows(User, ("id", "username", "display_name", "unit", "role", "is_active"))
        elif name == "event":
            from duban.journal.models import Event

            found = ModelRows(
                Event,
                ("id", "seq", "at", "actor", "actor_unit", "action", "item", "track")
                + ("object_type", "object_id", "old", "new", "payload"),
            )
        else:
            found = ModelRows(apps.get_model(name))
        _ROWS[name] = found
    return found


def _item_detail_rows(
    pk, visible: tuple[str, list], *, journal: bool, also: Sequence[tuple[str, Sequence]] = ()
) -> Item:

    q = connection.ops.quote_name
    ITEM = _rows("items.Item")
    T, N, R, A = _rows("items.Track"), _rows("items.Node"), _rows("items.Report"), _rows("items.Attachment")
    RV, X, U, IN = (
        _rows("items.Review"),
        _rows("items.Extension"),
        _rows("items.Urge"),
        _rows("items.Instruction"),
    )
    of_item = f"JOIN {q('items_track')} t ON t.{q('id')} = x.{q('track_id')} WHERE t.{q('item_id')} = %s"

    item_pk = int(pk)
    pk = [item_pk]
    visible_sql, visible_params = visible
    reads = [
        (
            ITEM,
            f"SELECT {ITEM.columns('x')} FROM {q('items_item')} x WHERE x.{q('id')} IN ({visible_sql})",
            list(visible_params),
        ),
        (T, f"SELECT {T.columns('x')} FROM {q('items_track')} x WHERE x.{q('item_id')} = %s", pk),
        (N, f"SELECT {N.columns('x')} FROM {q('items_node')} x {of_item} ORDER BY x.{q('seq')}", pk),
        (
            R,
            f"SELECT {R.columns('x')} FROM {q('items_report')} x {of_item} ORDER BY x.{q('created_at')}, x.{q('id')}",
            pk,
        ),
        # An item's own files and its reports' files, in one query.
        (
            A,
            f"SELECT {A.columns('x')} FROM {q('items_attachment')} x WHERE x.{q('item_id')} = %s "
            f"OR x.{q('report_id')} IN (SELECT r.{q('id')} FROM {q('items_report')} r "
            f"JOIN {q('items_track')} t ON t.{q('id')} = r.{q('track_id')} WHERE t.{q('item_id')} = %s) "
            f"ORDER BY x.{q('uploaded_at')}, x.{q('id')}",
            pk + pk,
        ),
        (
            RV,
            f"SELECT {RV.columns('x')} FROM {q('items_review')} x {of_item} ORDER BY x.{q('created_at')}, x.{q('id')}",
            pk,
        ),
        (
            X,
            f"SELECT {X.columns('x')} FROM {q('items_extension')} x {of_item} ORDER BY x.{q('requested_at')}, x.{q('id')}",
            pk,
        ),
        (
            U,
            f"SELECT {U.columns('x')} FROM {q('items_urge')} x {of_item} ORDER BY x.{q('created_at')} DESC, x.{q('id')} DESC",
            pk,
        ),
        (
            IN,
            f"SELECT {IN.columns('x')} FROM {q('items_instruction')} x WHERE x.{q('item_id')} = %s ORDER BY x.{q('created_at')}, x.{q('id')}",
            pk,
        ),
    ]
    if journal:
        reads.append((_rows("event"), *_events_read(item_pk)))
    # The people and units all of these name, read in the same go: each the union of the
    # columns that name one, over the item's rows (indexed by item or by track like the reads
    # above) — not by the keys the reads above return, which would take a second round trip.
    mine = f"WHERE y.{q('item_id')} = %s"
    of_track = f"JOIN {q('items_track')} t ON t.{q('id')} = y.{q('track_id')} WHERE t.{q('item_id')} = %s"
    named = {
        "user": [
            ("items_track", "assignee_id", mine),
            ("items_report", "author_id", of_track),
            ("items_review", "reviewer_id", of_track),
            ("items_urge", "by_id", of_track),
            ("items_extension", "requested_by_id", of_track),
            ("items_extension", "decided_by_id", of_track),
            ("items_instruction", "by_id", mine),
            ("items_item", "created_by_id", f"WHERE y.{q('id')} = %s"),
        ],
        "orgs.OrgUnit": [
            ("items_track", "unit_id", mine),
            ("items_item", "issuer_unit_id", f"WHERE y.{q('id')} = %s"),
        ],
    }
    if journal:
        named["user"].append(("journal_event", "actor_id", mine))
        named["orgs.OrgUnit"].append(("journal_event", "actor_unit_id", mine))
    for name, refs in named.items():
        rows_of = _rows(name)
        union = " UNION ".join(f"SELECT y.{q(col)} FROM {q(table)} y {where}" for table, col, where in refs)
        table = rows_of.model._meta.db_table
        reads.append(
            (
                rows_of,
                f"SELECT {rows_of.columns('x')} FROM {q(table)} x WHERE x.{q('id')} IN ({union})",
                pk * len(refs),
            )
        )
    # Independent reads: one round trip on PostgreSQL (sqlrows.query_many).
    results = sqlrows.query_many(
        [(sql, params) for _rows_of, sql, params in reads] + list(also),
        binary=[True] * len(reads),
    )
    also_rows = results[len(reads) :]
    del results[len(reads) :]
    found_item, tracks, nodes, reports, files, reviews, extensions, urges, instructions, *rest = (
        list(map(rows_of.maker(), found))
        for (rows_of, _sql, _params), found in zip(reads, results, strict=True)
    )
    if not found_item:
        raise NotFound("事项不存在或无权查看")
    item = found_item[0]
    item.also_rows = also_rows
    events = rest[0] if journal else []
    people = {u.pk: u for u in rest[-2]}
    units = {u.pk: u for u in rest[-1]}
    tracks.sort(key=lambda t: (t.parent_id is not None, t.parent_id or 0, t.role, t.pk))
    by_id = {t.pk: t for t in tracks}
    node_by_id = {n.pk: n for n in nodes}
    report_ids = {r.pk for r in reports}

    item.issuer_unit = units[item.issuer_unit_id]
    item.created_by = people[item.created_by_id]

    link = sqlrows.cache_related
    grouped: dict[str, dict[int, list]] = {k: {t.pk: [] for t in tracks} for k in ("n", "r", "rv", "x", "u")}
    for n in nodes:
        grouped["n"][n.track_id].append(n)
    for r in reports:
        link(r, "author", people[r.author_id])
        link(r, "node", node_by_id.get(r.node_id) if r.node_id else None)
        link(r, "track", by_id[r.track_id])
        grouped["r"][r.track_id].append(r)
    report_files: dict[int, list] = {pk: [] for pk in report_ids}
    item.attachment_list = []
    for a in files:
        if a.report_id in report_files:
            report_files[a.report_id].append(a)
        elif a.item_id == item.pk:
            item.attachment_list.append(a)
    for r in reports:
        # The report's files in id order, as the relation's default order gave them.
        attach(r, "attachments", sorted(report_files[r.pk], key=lambda a: a.pk))
    for rv in reviews:
        link(rv, "reviewer", people[rv.reviewer_id])
        grouped["rv"][rv.track_id].append(rv)
    for x in extensions:
        link(x, "node", node_by_id[x.node_id])
        link(x, "requested_by", people[x.requested_by_id])
        link(x, "decided_by", people.get(x.decided_by_id) if x.decided_by_id else None)
        grouped["x"][x.track_id].append(x)
    for u in urges:
        link(u, "by", people[u.by_id])
        grouped["u"][u.track_id].append(u)
    for t in tracks:
        link(t, "item", item)  # every track here belongs to this item; spare a query per track
        link(t, "unit", units[t.unit_id])
        link(t, "assignee", people.get(t.assignee_id) if t.assignee_id else None)
        if t.parent_id:
            link(t, "parent", by_id[t.parent_id])
        attach(t, "nodes", grouped["n"][t.pk])
        attach(t, "reports", grouped["r"][t.pk])
        attach(t, "reviews", grouped["rv"][t.pk])
        attach(t, "extensions", grouped["x"][t.pk])
        attach(t, "urges", grouped["u"][t.pk])
        t.child_tracks = [c for c in tracks if c.parent_id == t.pk]
    for i in instructions:
        link(i, "by", people[i.by_id])
    _link_events(events, people, units)
    for e in events:
        link(e, "item", item)
        link(e, "track", by_id.get(e.track_id) if e.track_id else None)
    item.track_list = tracks
    item.instruction_list = instructions
    if journal:
        item.event_list = events
    return item


def _by_pks(wanted: list[tuple[ModelRows, type, set]]) -> list[dict]:
    """Instances by key, for each (rows, model, keys): the reads sent together."""
    q = connection.ops.quote_name
    reads, owners = [], []
    for n, (rows, model, ids) in enumerate(wanted):
        keys = sorted(ids)
        for start in range(0, len(keys), sqlrows.CHUNK):
            where, params = sqlrows.in_ids(f"x.{q('id')}", keys[start : start + sqlrows.CHUNK])
            reads.append(
                (f"SELECT {rows.columns('x')} FROM {q(model._meta.db_table)} x WHERE {where}", params)
            )
            owners.append(n)
    out: list[dict] = [{} for _ in wanted]
    for n, found in zip(owners, sqlrows.query_many(reads, binary=[True] * len(reads)), strict=True):
        make = wanted[n][0].maker()
        for r in found:
            obj = make(r)
            out[n][obj.pk] = obj
    return out


def _events_read(item_pk: int) -> tuple[str, list]:
    """An item's journal rows in order (the SQL of ``_rows("event")``)."""
    q = connection.ops.quote_name
    E = _rows("event")
    return (
        f"SELECT {E.columns('x')} FROM {q('journal_event')} x WHERE x.{q('item_id')} = %s ORDER BY x.{q('seq')}",
        [item_pk],
    )


def _link_events(events: list, people: dict, units: dict) -> None:
    link = sqlrows.cache_related
    for e in events:
        link(e, "actor", people.get(e.actor_id) if e.actor_id else None)
        link(e, "actor_unit", units.get(e.actor_unit_id) if e.actor_unit_id else None)


def item_journal(user, pk) -> list:
    """The item's journal rows in order, each with its actor and the actor's unit, if ``user``
    may see the item: the same reads as ``item_detail``'s journal, without the rest of it."""
    from duban.orgs.models import User

    visible_sql, params = visible_key_sql(user, "item", pk)
    q = connection.ops.quote_name
    found, rows = sqlrows.query_many(
        [
            (f"SELECT x.{q('id')} FROM {q('items_item')} x WHERE x.{q('id')} IN ({visible_sql})", params),
            _events_read(int(pk)),
        ],
        binary=[True, True],
    )
    if not found:
        raise NotFound("事项不存在或无权查看")
    events = list(map(_rows("event").maker(), rows))
    people, units = _by_pks(
        [
            (_rows("user"), User, {e.actor_id for e in events} - {None}),
            (_rows("orgs.OrgUnit"), OrgUnit, {e.actor_unit_id for e in events} - {None}),
        ]
    )
    _link_events(events, people, units)
    return events


def yellow_cutoff(at: dt.datetime | None = None) -> dt.datetime:
    """Nodes due at or before this time (and not yet overdue) light yellow.

    "Within 1 working day" means by the end of the current working day (or, on a rest day, the
    next one); N counts on from there. Counting from tomorrow instead would light every fresh
    assignment yellow, since signing is always due by the end of the next working day.
    """
    at = at or now()
    day = next_working_day_on_or_after(at.astimezone(SHANGHAI).date())
    extra = settings.DUBAN_YELLOW_WORKING_DAYS - 1
    return end_of_day(add_working_days(day, extra) if extra > 0 else day)


def light_filter(light: str, at: dt.datetime | None = None) -> Q:
    """The indexed filter equivalent of ``status.track_light`` for open tracks."""
    at = at or now()
    if light == "red":
        return Q(state__in=OPEN_STATES, next_due_at__lt=at)
    if light == "yellow":
        return Q(state__in=OPEN_STATES, next_due_at__gte=at, next_due_at__lte=yellow_cutoff(at))
    if light == "green":
        return Q(state__in=OPEN_STATES) & (Q(next_due_at__gt=yellow_cutoff(at)) | Q(next_due_at__isnull=True))
    if light == "closed":
        return Q(state=TrackState.CLOSED)
    raise ValueError(light)


QUEUE_KINDS = ["to_sign", "to_report", "due_soon", "overdue", "returned", "urged", "to_review", "extensions"]


REVIEW_KINDS = ("to_review", "extensions")


def queue_kinds(user) -> list[str]:
    """The queue tabs a user has: only those who review (supervisors, heads) get review tabs."""
    reviews = user.role in (Role.SUPERVISOR, Role.HEAD)
    return [k for k in QUEUE_KINDS if reviews or k not in REVIEW_KINDS]


def _issuing_q(user) -> Q:
    """Tracks whose closure requests this user's unit reviews."""
    return Q(parent__isnull=True, item__issuer_unit_id=user.unit_id) | Q(parent__unit_id=user.unit_id)


class IdsFirst:
    """A list page in two steps: the page's ids from the index alone, then those rows.

    Ordering a tab of a big unit (hundreds of open tracks) with the rows joined to their items
    made SQLite read and sort every matching row with all its columns to keep 20 (3–8 ms); the
    ids come from the covering index in a tenth of that, and 20 rows by primary key are cheap.
    Slicing gives model instances in order; ``count()`` and ``order_by()`` (what a paginator
    counts with) go to the id query."""

    def __init__(self, ids: QuerySet, rows: QuerySet) -> None:
        self.ids, self.rows = ids, rows

    def count(self) -> int:
        return self.ids.count()

    def order_by(self, *fields) -> QuerySet:
        return self.ids.order_by(*fields)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = list(self.ids.values_list("pk", flat=True)[index])
        found = self.rows(ids) if callable(self.rows) else self.rows.filter(pk__in=ids)
        by_id = {r.pk: r for r in found}
        return [by_id[i] for i in ids if i in by_id]


# What a queue or list row shows of a track: the track, its item's head (not its body or
# source data) and its unit.
_ROW_TRACK = ModelRows(Track)
_ROW_ITEM = ModelRows(
    Item,
    ("id", "title", "source", "category", "issuer_unit", "issuer_path", "created_at", "final_due", "version"),
)
_ROW_UNIT = ModelRows(OrgUnit)


def tracks_by_ids(ids) -> list[Track]:
    """Tracks by key with ``item`` and ``unit`` joined, hand-written (``core.sqlrows``): the
    rows of every queue page and call, where compiling the ORM's join cost more than running it."""
    ids = list(ids)
    if not ids:
        return []
    q = connection.ops.quote_name
    T, IT, U = _ROW_TRACK, _ROW_ITEM, _ROW_UNIT
    make_track, make_item, make_unit = T.maker(), IT.maker(), U.maker()
    out = []
    for start in range(0, len(ids), sqlrows.CHUNK):
        where, params = sqlrows.in_ids(f"x.{q('id')}", ids[start : start + sqlrows.CHUNK])
        for row in sqlrows.query(
            f"SELECT {T.columns('x')}, {IT.columns('i')}, {U.columns('u')} FROM {q(Track._meta.db_table)} x "
            f"JOIN {q(Item._meta.db_table)} i ON i.{q('id')} = x.{q('item_id')} "
            f"JOIN {q(OrgUnit._meta.db_table)} u ON u.{q('id')} = x.{q('unit_id')} WHERE {where}",
            params,
            binary=True,
        ):
            track = make_track(row)
            sqlrows.cache_related(track, "item", make_item(row, T.width))
            sqlrows.cache_related(track, "unit", make_unit(row, T.width + IT.width))
            out.append(track)
    return out


def attach_nodes(tracks: list[Track]) -> None:
    """Each track's nodes in order, as ``track.nodes.all()``, in one hand-written query."""
    if not tracks:
        return
    q = connection.ops.quote_name
    N = _rows("items.Node")
    by_track: dict[int, list] = {t.pk: [] for t in tracks}
    ids = list(by_track)
    for start in range(0, len(ids), sqlrows.CHUNK):
        where, params = sqlrows.in_ids(f"x.{q('track_id')}", ids[start : start + sqlrows.CHUNK])
        for n in N.fetch(
            f"SELECT {N.columns('x')} FROM {q('items_node')} x WHERE {where} ORDER BY x.{q('track_id')}, x.{q('seq')}",
            params,
        ):
            by_track[n.track_id].append(n)
    for t in tracks:
        attach(t, "nodes", by_track[t.pk])


class Queue:
    """A user's "我的待办" at one moment: each tab's filter is built once per request, and the
    tabs over the user's own tracks are counted in one pass (conditional counts) instead of a
    query each."""

    MINE = ("to_sign", "to_report", "due_soon", "overdue", "returned", "urged")

    def __init__(self, user, at: dt.datetime | None = None) -> None:
        self.at = at or now()
        self.kinds = queue_kinds(user)
        if user.unit_id is None:
            self.mine = self.reviews = Track.objects.none()
        else:
            mine = Track.objects.filter(unit_id=user.unit_id)
            if user.role == Role.CLERK:
                # A clerk sees what is routed to them plus what nobody in the unit has been given
                # yet. COALESCE rather than "IS NULL OR =": SQLite's planner answers that OR from
                # the assignee index, and most tracks have no assignee, so it read most of the table.
                mine = mine.alias(routed_to=Coalesce("assignee_id", Value(user.pk))).filter(routed_to=user.pk)
            self.mine = mine
            self.reviews = (
                Track.objects.filter(_issuing_q(user)) if "to_review" in self.kinds else Track.objects.none()
            )
        self.filters = {
            "to_sign": Q(state=TrackState.ASSIGNED),
            "to_report": Q(state__in=[TrackState.SIGNED, TrackState.DEPLOYED, TrackState.IN_PROGRESS]),
            "due_soon": light_filter("yellow", self.at),
            "overdue": light_filter("red", self.at),
            "returned": Q(state=TrackState.RETURNED),
            "urged": Q(state__in=OPEN_STATES, last_urged_at__isnull=False),
        }

    def queryset(self, kind: str) -> QuerySet[Track]:
        if kind in self.filters:
            return self.mine.filter(self.filters[kind])
        if kind == "to_review":
            return self.reviews.filter(state=TrackState.REQUESTED)
        if kind == "extensions":
            return self.reviews.filter(extensions__state="pending").distinct()
        raise NotFound("未知的待办类别")

    def counts(self) -> dict[str, int]:
        counts = self.mine.filter(state__in=OPEN_STATES).aggregate(
            **{k: Count("id", filter=q) for k, q in self.filters.items()}
        )
        for kind in ("to_review", "extensions"):
            counts[kind] = self.queryset(kind).count() if kind in self.kinds else 0
        return {k: counts[k] for k in QUEUE_KINDS}

    def heads(self, counts: dict[str, int], limit: int) -> dict[str, list[Track]]:
        """The first ``limit`` rows of every tab that has any: each tab's ids from its index,
        then all their rows in one query."""
        tabs = [k for k, n in counts.items() if n]
        ids: dict[str, list[int]] = {k: [] for k in tabs}
        # Every tab's first ids in one statement (each tab's own query, compiled by the ORM, as
        # a subquery of a UNION ALL): one round trip instead of one per tab.
        q = connection.ops.quote_name
        parts, params = [], []
        for i, k in enumerate(tabs):
            tab = (
                self.queryset(k)
                .order_by("next_due_at", "id")
                .annotate(tab_pk=F("pk"), tab_due=F("next_due_at"))
            )
            sql, p = tab.values_list("tab_pk", "tab_due")[:limit].query.sql_with_params()
            parts.append(
                f"SELECT {i} AS tab, t{i}.{q('tab_pk')} AS pk, t{i}.{q('tab_due')} AS due FROM ({sql}) t{i}"
            )
            params.extend(p)
        if parts:
            # A UNION ALL keeps no order of its own: sort again as each tab did.
            for i, pk, _due in sqlrows.query(
                " UNION ALL ".join(parts) + " ORDER BY 1, 3, 2", params, binary=True
            ):
                ids[tabs[i]].append(pk)
        wanted = {i for page in ids.values() for i in page}
        by_id = {t.pk: t for t in tracks_by_ids(sorted(wanted))}
        return {k: [by_id[i] for i in ids.get(k, []) if i in by_id] for k in counts}

    def tab(self, kind: str) -> IdsFirst:
        """One tab, earliest due first, with what a row shows: sliceable and countable."""
        return IdsFirst(self.queryset(kind).order_by("next_due_at", "id"), tracks_by_ids)


def queue_querysets(user, at: dt.datetime | None = None) -> dict[str, QuerySet[Track]]:
    """The "我的待办" queue: each kind is a queryset of tracks."""
    q = Queue(user, at)
    return {k: q.queryset(k) for k in QUEUE_KINDS}


def queue_counts(user, at: dt.datetime | None = None) -> dict[str, int]:
    return Queue(user, at).counts()


def queue(user, kind: str, at: dt.datetime | None = None) -> IdsFirst:
    """One tab of the queue, earliest due first, with what a row shows."""
    return Queue(user, at).tab(kind)


def queue_page(
    user, kind: str, *, limit: int = 50, offset: int = 0, at: dt.datetime | None = None
) -> list[Track]:
    """Earliest due first; ``offset`` pages through a long queue."""
    offset = max(0, offset)
    return list(queue(user, kind, at)[offset : offset + limit])


def filtered_items(
    user,
    *,
    unit: OrgUnit | None = None,
    light: str | None = None,
    category: str | None = None,
    source: str | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    q: str | None = None,
    order: str = "-created_at",
) -> QuerySet[Item]:
    """The issuer's item list. Track-level filters apply to the same track (EXISTS)."""
    items = items_visible_to(user)
    if category:
        items = items.filter(category=category)
    if source:
        items = items.filter(source=source)
    if q:
        items = items.filter(title__icontains=q)
    track_q = Q()
    if unit is not None:
        track_q &= subtree_filter("unit_path", unit.path)
    if light:
        track_q &= light_filter(light)
    if due_from:
        # Strictly after the end of the day before: a node due 23:59:59 that day is not "from" today.
        track_q &= Q(next_due_at__gt=end_of_day(due_from) - dt.timedelta(days=1))
    if due_to:
        track_q &= Q(next_due_at__lte=end_of_day(due_to))
    if track_q:
        # IN rather than a correlated EXISTS: SQLite cannot turn EXISTS into a join, so counting
        # the matches would probe every visible item; the IN list is read once from the index.
        items = items.filter(pk__in=Track.objects.filter(track_q).values("item_id"))
    if order == "due":
        # Soonest open deadline first: the earliest due time among the item's tracks, a
        # correlated subquery computed only when this order is asked for.
        soonest = (
            Track.objects.filter(item=OuterRef("pk"), next_due_at__isnull=False)
            .order_by("next_due_at")
            .values("next_due_at")[:1]
        )
        return items.annotate(soonest=Subquery(soonest)).order_by(F("soonest").asc(nulls_last=True), "-id")
    allowed = {"created_at", "-created_at", "title", "-title", "id", "-id"}
    return items.order_by(order if order in allowed else "-created_at", "-id")


EXPORT_FIELDS = (
    "pk",
    "title",
    "source",
    "category",
    "issuer_unit__name",
    "created_at",
    "assigned_at",
    "final_due",
)


def export_chunks(items: QuerySet[Item], size: int = 1000) -> Iterator[tuple[list[tuple], dict[int, list]]]:
    """An export's rows (``EXPORT_FIELDS`` tuples, in the list's order) a chunk at a time, each
    with its items' tracks (light-ready stand-ins, by item id) fetched in one query: plain
    tuples, not model instances, since a province-wide export is hundreds of thousands of rows.
    ``items`` is a list the viewer may see (``filtered_items``)."""
    rows = items.values_list(*EXPORT_FIELDS).iterator(chunk_size=size)
    while chunk := list(itertools.islice(rows, size)):
        tracks: dict[int, list] = {}
        for t in (
            Track.objects.filter(item_id__in=[r[0] for r in chunk])
            .order_by("item_id", "role", "id")
            .values_list("item_id", "parent_id", "role", "state", "next_due_at", "rating", "unit__name")
        ):
            tracks.setdefault(t[0], []).append(
                SimpleNamespace(
                    parent_id=t[1],
                    role=t[2],
                    state=t[3],
                    next_due_at=t[4],
                    rating=t[5],
                    unit_name=t[6],
                    is_closed=t[3] == TrackState.CLOSED,
                )
            )
        yield chunk, tracks


def row_tracks() -> Prefetch:
    """What a list row shows of its item's tracks (light, lead and co-operating units)."""
    return Prefetch(
        "tracks", queryset=Track.objects.select_related("unit").order_by("parent_id", "role", "id")
    )


def light_board(user, at: dt.datetime | None = None) -> list[dict]:
    """Counts of green/yellow/red/closed tracks per unit directly under the viewer's unit
    (rolled up over each child's subtree), plus the viewer's own unit."""
    at = at or now()
    root = user.unit
    if root is None:
        return []
    in_subtree = subtree_filter("unit_path", root.path)
    if sees_whole_subtree(user):
        # For an overseer every track in its subtree is visible (the ``below`` rule of
        # _visibility_q), so the visibility check would filter nothing and cost a probe per row.
        visible = Track.objects.all()
    else:
        visible = tracks_visible_to(user)
    cutoff = yellow_cutoff(at)
    children = list(OrgUnit.objects.filter(parent=root).order_by("kind", "code"))
    prefix_len = len(root.path)
    rows: dict[str, dict] = {}
    for child in children:
        rows[child.path] = {"unit": child, "red": 0, "yellow": 0, "green": 0, "closed": 0, "open": 0}
    own = {"unit": root, "red": 0, "yellow": 0, "green": 0, "closed": 0, "open": 0}

    def target(path: str) -> dict | None:
        if path == root.path:
            return own
        return rows.get(f"{root.path}{path[prefix_len:].split('/', 1)[0]}/")

    # Two grouped queries rolled up to the children here, instead of one query per child and
    # instead of four FILTERed counts per row: (1) tracks and closed tracks per unit, answered
    # from the (unit_path, state, next_due_at) index; (2) red/yellow among the few open tracks
    # due by the cut-off, from the (state, next_due_at) index. Green is the rest of the open ones.
    totals = (
        visible.filter(in_subtree)
        .values("unit_path")
        .annotate(n=Count("unit_path"), closed=Count("unit_path", filter=Q(state=TrackState.CLOSED)))
    )
    for row in totals:
        t = target(row["unit_path"])
        if t is not None:
            t["closed"] += row["closed"]
            t["open"] += row["n"] - row["closed"]
    due = visible.filter(state__in=OPEN_STATES, next_due_at__lte=cutoff)
    if root.parent_id is not None:
        # At the root of the tree the range would filter nothing, and SQLite (no range statistics)
        # would then prefer the unit_path index and read every track.
        due = due.filter(in_subtree)
    # Grouped on an expression, not the bare column: SQLite would otherwise walk the unit_path
    # index (every track) just to get groups in order instead of reading the few due ones.
    due = due.values(path=Substr("unit_path", 1)).annotate(
        red=Count("unit_path", filter=Q(next_due_at__lt=at)),
        soon=Count("unit_path", filter=Q(next_due_at__gte=at)),
    )
    for row in due:
        t = target(row["path"])
        if t is not None:
            t["red"] += row["red"]
            t["yellow"] += row["soon"]
    for r in [own, *rows.values()]:
        r["green"] = r.pop("open") - r["red"] - r["yellow"]
    result = [own] + [r for r in rows.values() if any(r[k] for k in ("red", "yellow", "green", "closed"))]
    for r in result:
        total_open = r["red"] + r["yellow"] + r["green"]
        r["total"] = total_open + r["closed"]
    return result
