"""A bulletin's figures worked out from the journal alone.

The journal is the record the office answers for: every node a track was given (with its due
time), every report that completed one, every return, closure, extension and calendar move is
an event with its moment. Replaying those events up to a bulletin's moment gives each track's
nodes, reviews and extensions as they stood, and the same arithmetic as ``figures`` turns them
into the bulletin. Nothing here reads the items' tables: if the tables were changed behind the
services' back, the journal's bulletin still says what the record says (a test checks that a
published bulletin recomputes from the journal to its stored figures).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from duban.items.models import Decision, ExtensionState
from duban.journal.models import Event
from duban.orgs.models import OrgUnit

from . import figures
from .periods import Period

# The events that shape a track's figures.
ACTIONS = (
    "item.register",
    "track.assign",
    "track.sign",
    "report.deploy",
    "report.feedback",
    "report.progress",
    "report.result",
    "track.return",
    "track.close",
    "extension.request",
    "extension.grant",
    "extension.refuse",
    "node.reschedule",
)


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@dataclass
class _Track:
    item_id: int
    unit_code: str
    assigned_at: dt.datetime
    nodes: dict[int, list] = field(default_factory=dict)  # node id → [kind, seq, due, done]
    reviews: list[tuple] = field(default_factory=list)  # (decision, rating, at)
    extensions: dict[int, list] = field(default_factory=dict)  # extension id → [state, decided]


def _apply(tracks: dict[int, _Track], issuers: dict[int, int], e) -> None:
    action, payload, new = e.action, e.payload or {}, e.new or {}
    if action == "item.register":
        issuers[e.item_id] = e.actor_unit_id
        return
    if action == "track.assign":
        t = tracks[e.track_id] = _Track(e.item_id, new["unit"], e.at)
        for node_id, kind, seq, due in new["nodes"]:
            t.nodes[node_id] = [kind, seq, _time(due), None]
        return
    t = tracks.get(e.track_id)
    if t is None:  # a passed-down track: not a bulletin's business
        return
    if action == "track.sign" or action.startswith("report."):
        node_id = payload.get("node")
        if node_id in t.nodes:
            t.nodes[node_id][3] = e.at
    elif action == "track.return":
        node_id, kind, seq, due = new["result_node"]
        t.nodes[node_id] = [kind, seq, _time(due), None]
        t.reviews.append((Decision.RETURN, "", e.at))
    elif action == "track.close":
        t.reviews.append((Decision.CLOSE, new.get("rating", ""), e.at))
        for ext in t.extensions.values():
            if ext[0] == ExtensionState.PENDING:
                ext[:] = [ExtensionState.REFUSED, e.at]
    elif action == "extension.request":
        t.extensions[e.object_id] = [ExtensionState.PENDING, None]
    elif action in ("extension.grant", "extension.refuse"):
        granted = action == "extension.grant"
        t.extensions[e.object_id] = [ExtensionState.GRANTED if granted else ExtensionState.REFUSED, e.at]
        node_id = payload.get("node_id")
        if granted and node_id in t.nodes:
            t.nodes[node_id][2] = _time(new["due"])
    elif action == "node.reschedule":
        if e.object_id in t.nodes:
            t.nodes[e.object_id][2] = _time(new["due"])


def compute(*, issuer: OrgUnit, scope: OrgUnit, period: Period, at: dt.datetime, rules: dict | None) -> dict:
    """``figures.compute`` from the journal's events up to ``at``."""
    tracks: dict[int, _Track] = {}
    issuers: dict[int, int] = {}
    events = (
        Event.objects.filter(action__in=ACTIONS, at__lte=at)
        .order_by("seq")
        .only("action", "at", "actor_unit_id", "item_id", "track_id", "object_id", "new", "payload")
    )
    for e in events.iterator(chunk_size=2000):
        _apply(tracks, issuers, e)
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={t.unit_code for t in tracks.values()})}
    start, end = figures.bounds(period)

    def chosen():
        for _pk, t in sorted(tracks.items()):
            unit = units[t.unit_code]
            if issuers.get(t.item_id) != issuer.pk or not (start <= t.assigned_at < end):
                continue
            if not unit.is_within(scope):
                continue
            nodes = [(kind, seq, due, done) for kind, seq, due, done in t.nodes.values()]
            reviews = sorted(t.reviews, key=lambda r: r[2])
            exts = [tuple(x) for x in t.extensions.values()]
            yield t.item_id, unit.pk, nodes, reviews, exts

    return figures.figures_of(issuer=issuer, scope=scope, period=period, at=at, rules=rules, tracks=chosen())
