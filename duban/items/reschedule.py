"""When the holiday calendar changes, the open nodes it affects move.

A node's due time is one of three things:
- *standard* (sign, deploy, feedback, and the result of general and major items): so many working
  days, or one calendar month, after the day the track was assigned — ``standard_nodes`` again;
- *after a return*: so many working days after the day of the return (the issuer chose the
  number; it is read back from the node as the count of working days under the calendar that set
  it);
- *fixed* (a continuous item's progress days and final date): a date the issuer typed, which no
  calendar moves.

A node the issuer extended keeps the date that was granted; its original due time (what the
calendar says) is still recomputed. Each moved node is one journal row, old → new, in the
transaction of the calendar change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Prefetch

from duban.core.clock import SHANGHAI, end_of_day
from duban.journal.services import record
from duban.workcal import calendar

from .models import OPEN_STATES, Category, Decision, Node, NodeKind, Review, Track

# A working-day node is due at most 60 working days (a return's longest term) after its anchor,
# so no node due later than this after a changed day can have counted that day.
_REACH = dt.timedelta(days=130)


@dataclass
class _Plan:
    node: Node
    anchor: dt.date
    working_days: int | None  # None: a standard node, recomputed by standard_nodes


def _initial_count(track: Track, nodes: list[Node]) -> int:
    if track.item.category != Category.CONTINUOUS:
        return 4
    return 3 + sum(1 for n in nodes if n.kind == NodeKind.PROGRESS) + 1


def _plans(days: Iterable[dt.date]) -> list[_Plan]:
    days = sorted(days)
    lo, hi = days[0], days[-1]
    start = dt.datetime.combine(lo, dt.time.min, tzinfo=SHANGHAI)
    tracks = (
        Track.objects.filter(
            state__in=OPEN_STATES,
            nodes__done_at__isnull=True,
            nodes__due_at__gte=start,
            nodes__due_at__lte=end_of_day(hi) + _REACH,
        )
        .distinct()
        .select_related("item")
        .prefetch_related(
            Prefetch("nodes", queryset=Node.objects.order_by("seq")),
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(decision=Decision.RETURN).order_by("created_at", "id"),
                to_attr="returns",
            ),
        )
    )
    plans: list[_Plan] = []
    for track in tracks:
        nodes = list(track.nodes.all())
        initial = _initial_count(track, nodes)
        assigned = track.assigned_at.astimezone(SHANGHAI).date()
        for node in nodes:
            if node.done_at is not None or node.due_at < start:
                continue
            if node.seq <= min(initial, 3) or (node.seq == 4 and initial == 4):
                plans.append(_Plan(node, assigned, None))
            elif node.seq > initial and len(track.returns) >= node.seq - initial:
                anchor = track.returns[node.seq - initial - 1].created_at.astimezone(SHANGHAI).date()
                due_day = node.original_due_at.astimezone(SHANGHAI).date()
                # Counted under the calendar that set it, before the change is applied.
                plans.append(_Plan(node, anchor, calendar.working_days_between(anchor, due_day)))
    return plans


def _recomputed(plan: _Plan) -> tuple[dt.datetime, bool]:
    node = plan.node
    if plan.working_days is None:
        at = dt.datetime.combine(plan.anchor, dt.time(12), tzinfo=SHANGHAI)
        fresh = calendar.standard_nodes(at, node.track.item.category)[node.seq - 1]
        return fresh.due, fresh.assumed_calendar
    if plan.working_days < 1:
        return node.original_due_at, node.assumed_calendar
    due_day = calendar.add_working_days(plan.anchor, plan.working_days)
    assumed = not calendar.known_between(plan.anchor, due_day)
    return end_of_day(due_day), assumed


def reschedule(*, actor, days: Iterable[dt.date], change: Callable[[], None], reason: dict) -> int:
    """Run ``change`` (the calendar write) and move the open nodes it affects; returns how many
    nodes moved. Must run inside the calendar change's transaction."""
    from .services import _commit_track

    days = set(days)
    plans = _plans(days) if days else []
    change()
    calendar.forget()
    moved_tracks: dict[int, Track] = {}
    moved = 0
    for plan in plans:
        node = plan.node
        new_original, assumed = _recomputed(plan)
        if new_original == node.original_due_at and assumed == node.assumed_calendar:
            continue
        extended = node.due_at != node.original_due_at
        old = {"due": node.due_at.isoformat(), "original_due": node.original_due_at.isoformat()}
        old["assumed_calendar"] = node.assumed_calendar
        node.original_due_at = new_original
        if not extended:
            node.due_at = new_original
        node.assumed_calendar = assumed
        node.save(update_fields=["due_at", "original_due_at", "assumed_calendar"])
        track = node.track
        record(
            actor=actor,
            action="node.reschedule",
            item=track.item,
            track=track,
            obj=node,
            old=old,
            new={
                "due": node.due_at.isoformat(),
                "original_due": node.original_due_at.isoformat(),
                "assumed_calendar": assumed,
            },
            payload={"node": node.kind, "extended": extended, **reason},
        )
        moved_tracks[track.pk] = track
        moved += node.due_at.isoformat() != old["due"]
    for track in moved_tracks.values():
        _commit_track(track)  # next_due_at follows its nodes
    return moved
