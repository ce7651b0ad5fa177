"""Reminders from time: when each becomes true for a track, and whether it still holds.

Pure of storage: given a track, its open nodes and the times of its pending request or return,
it lists every reminder that is true at ``at`` and the next moment one more could become true,
which the sweep stores as ``Watch.sweep_at`` (healthchecks' ``alert_after``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from duban.core.clock import SHANGHAI, end_of_day, now
from duban.items.models import Node, NodeKind, Report, Review, Track, TrackState
from duban.items.selectors import yellow_cutoff
from duban.items.status import next_open_node
from duban.workcal.calendar import add_working_days, next_working_day_on_or_after, working_days_between

# How far ahead of a node's due time to look at all: the due-soon window is never longer.
HORIZON = dt.timedelta(days=20)
MORNING = dt.time(8, 30)


@dataclass(frozen=True, slots=True)
class OpenNode:
    """What the reminders read of a node (the sweep loads open nodes as plain rows)."""

    pk: int
    kind: str
    seq: int
    due_at: dt.datetime
    done_at: dt.datetime | None = None


@dataclass(frozen=True)
class Reminder:
    kind: str
    key: str
    at: dt.datetime  # when it became (or becomes) true
    node: Node | OpenNode | None
    condition: dict
    also_late: int = 0  # later open nodes past their due time as well


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI).astimezone(dt.UTC)


def due_soon_at(due_at: dt.datetime) -> dt.datetime:
    """The morning of the first working day on which the node lights yellow (the same cut-off
    as the light, ``selectors.yellow_cutoff``), or the moment it does if that is later."""
    due_day = due_at.astimezone(SHANGHAI).date()
    first = due_day
    while yellow_cutoff(_local_midnight(first - dt.timedelta(days=1))) >= due_at:
        first -= dt.timedelta(days=1)
    morning_day = next_working_day_on_or_after(first)
    if morning_day > due_day:
        morning_day = first
    return max(
        _local_midnight(first), dt.datetime.combine(morning_day, MORNING, tzinfo=SHANGHAI).astimezone(dt.UTC)
    )


def after_working_days(start: dt.datetime, n: int) -> dt.datetime:
    return end_of_day(add_working_days(start.astimezone(SHANGHAI).date(), n))


def for_track(
    track: Track,
    nodes: list,
    at: dt.datetime,
    *,
    requested_at: dt.datetime | None = None,
    returned_at: dt.datetime | None = None,
) -> tuple[list[Reminder], dt.datetime | None]:
    """Reminders true at ``at`` and when to look again (None: never, the track is closed)."""
    if track.state == TrackState.CLOSED:
        return [], None
    candidates: list[Reminder] = []
    wake: list[dt.datetime] = []
    tid = track.pk
    if track.state == TrackState.REQUESTED:
        if requested_at is not None:
            cond = {"track": tid, "state": TrackState.REQUESTED, "since": requested_at.isoformat()}
            for kind, days in (("review.waiting", 2), ("review.waiting.5", 5)):
                candidates.append(
                    Reminder(
                        kind,
                        f"{kind}:t{tid}:{_epoch(requested_at)}",
                        after_working_days(requested_at, days),
                        None,
                        cond,
                    )
                )
    else:
        # Only the earliest open node: the 13710 nodes follow each other, so a unit that has not
        # signed has not deployed either, and one message about where it is stuck says it all.
        # Once that node is done the track changes, the sweep looks again, and the next node's
        # reminders (already true, if it too is late) go out then.
        first_open = next_open_node(nodes)
        also_late = sum(1 for n in nodes if n.done_at is None and n.due_at < at) - 1
        for node in [first_open] if first_open is not None else []:
            due = node.due_at
            if due - at > HORIZON:
                wake.append(due - HORIZON)
                continue
            cond = {"node": node.pk, "due": due.isoformat()}
            tag = f"n{node.pk}:{_epoch(due)}"
            if at <= due:
                candidates.append(
                    Reminder(
                        "due_soon",
                        f"due_soon:{tag}",
                        due_soon_at(due),
                        node,
                        {**cond, "until": due.isoformat()},
                    )
                )
            first = "progress_missed" if node.kind == NodeKind.PROGRESS else "overdue"
            late = max(0, also_late)
            candidates.append(
                Reminder(first, f"{first}:{tag}", due + dt.timedelta(seconds=1), node, cond, late)
            )
            for kind, days in (("overdue.1", 1), ("overdue.3", 3)):
                candidates.append(
                    Reminder(kind, f"{kind}:{tag}", after_working_days(due, days), node, cond, late)
                )
        if track.state == TrackState.RETURNED and returned_at is not None:
            cond = {"track": tid, "state": TrackState.RETURNED, "since": returned_at.isoformat()}
            candidates.append(
                Reminder(
                    "returned.idle",
                    f"returned.idle:t{tid}:{_epoch(returned_at)}",
                    after_working_days(returned_at, 2),
                    None,
                    cond,
                )
            )
    due_now = [r for r in candidates if r.at <= at]
    wake += [r.at for r in candidates if r.at > at]
    # None: nothing more becomes true by time alone; any change to the track (every service
    # resets the watch) makes the sweep look again.
    return due_now, min(wake) if wake else None


def still_true(condition: dict) -> bool:
    """Whether a reminder's condition holds now (checked again just before it is sent)."""
    at = now()
    if "node" in condition:
        node = Node.objects.filter(pk=condition["node"]).select_related("track").first()
        if node is None or node.done_at is not None or node.due_at.isoformat() != condition["due"]:
            return False
        if node.track.state in (TrackState.CLOSED, TrackState.REQUESTED):
            return False
        return "until" not in condition or at <= dt.datetime.fromisoformat(condition["until"])
    if "track" in condition:
        track = Track.objects.filter(pk=condition["track"]).first()
        if track is None or track.state != condition["state"]:
            return False
        since = dt.datetime.fromisoformat(condition["since"])
        if condition["state"] == TrackState.REQUESTED:
            return not Review.objects.filter(track=track, created_at__gt=since).exists()
        return not Report.objects.filter(track=track, created_at__gt=since).exists()
    if "target" in condition:
        from duban.targets.models import Figure, FigureSource

        return not Figure.objects.filter(
            target_id=condition["target"], period_end=condition["period"], source=FigureSource.UNIT
        ).exists()
    if "calendar_year" in condition:
        from duban.workcal.calendar import schedule_known

        return not schedule_known(condition["calendar_year"])
    return True


def working_days_late(due: dt.datetime, at: dt.datetime) -> int:
    start = due.astimezone(SHANGHAI).date()
    end = at.astimezone(SHANGHAI).date()
    return max(0, working_days_between(start, end)) if end > start else 0
