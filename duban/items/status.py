"""Derived status: lights, lateness and the item's aggregate — computed at read time from
due and done times, never stored as truth."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from duban.core.clock import now

from .models import Node, Track, TrackState

LIGHT_LABELS = {
    "red": _("已逾期"),
    "yellow": _("即将到期"),
    "green": _("正常"),
    "closed": _("已办结"),
    "waiting": _("待审核"),
    "draft": _("未交办"),
}
_SEVERITY = {"red": 4, "yellow": 3, "waiting": 2, "green": 1, "closed": 0, "draft": -1}


@dataclass(frozen=True)
class NodeStatus:
    node: Node
    overdue: bool
    late_by: dt.timedelta | None  # how late it was done, or how late it is now if still open


def node_status(node: Node, at: dt.datetime | None = None) -> NodeStatus:
    at = at or now()
    if node.done_at is not None:
        late = node.done_at - node.due_at
        return NodeStatus(node, False, late if late > dt.timedelta(0) else None)
    overdue = at > node.due_at
    return NodeStatus(node, overdue, at - node.due_at if overdue else None)


def node_light(node: Node, track: Track, at: dt.datetime, cutoff: dt.datetime) -> tuple[str, NodeStatus]:
    """A node's own light ("done", red, yellow, green) and its status; ``cutoff`` is
    ``selectors.yellow_cutoff(at)``, passed in so a page computes it once for all its nodes.

    A closed track's unfinished nodes stopped counting when it closed."""
    measured_at = track.closed_at if track.is_closed and track.closed_at else at
    st = node_status(node, measured_at)
    if node.done_at is not None or track.is_closed:
        return "done", st
    if st.overdue:
        return "red", st
    return ("yellow" if node.due_at <= cutoff else "green"), st


def track_light(track: Track, at: dt.datetime | None = None) -> str:
    """red: a node is overdue; yellow: one falls due by the yellow cut-off; green otherwise.

    Uses the same cut-off as the indexed filter in ``selectors.light_filter`` so a list filtered
    by light and the lights drawn on its rows always agree.
    """
    from .selectors import yellow_cutoff

    at = at or now()
    if track.state == TrackState.CLOSED:
        return "closed"
    due = track.next_due_at
    if due is None:
        return "waiting" if track.state == TrackState.REQUESTED else "green"
    if due < at:
        return "red"
    if due <= yellow_cutoff(at):
        return "yellow"
    return "green"


def item_light(tracks: list[Track], at: dt.datetime | None = None) -> str:
    if not tracks:
        return "draft"
    return max((track_light(t, at) for t in tracks), key=_SEVERITY.__getitem__)


def next_open_node(nodes: list[Node]) -> Node | None:
    open_nodes = [n for n in nodes if n.done_at is None]
    return min(open_nodes, key=lambda n: (n.due_at, n.seq)) if open_nodes else None


def item_rating(tracks) -> str:
    """The rating that stands for the whole item: only when one unit handled it (its one
    top-level track) and that track is closed; otherwise each track keeps its own."""
    top = [t for t in tracks if t.parent_id is None]
    return top[0].rating if len(top) == 1 and top[0].is_closed else ""
