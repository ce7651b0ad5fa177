"""Keeping ``ClosedCount`` and checking it against the tracks (see models.py for why it exists)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from duban.core.clock import SHANGHAI
from duban.items.models import Source, Track, TrackState

from .models import ClosedCount

Key = tuple[int, dt.date]  # unit id, month
COUNTS = ("closed", "on_time", "wr_closed", "wr_on_time")


def month_of(at: dt.datetime) -> dt.date:
    return at.astimezone(SHANGHAI).date().replace(day=1)


def _add(row: list, on_time: bool, work_report: bool) -> None:
    row[0] += 1
    row[1] += on_time
    row[2] += work_report
    row[3] += on_time and work_report


def count_closure(track: Track) -> None:
    """Add a just-closed track to its row, inside the closing transaction."""
    from .selectors import late_result

    on_time = not Track.objects.filter(pk=track.pk).filter(late_result()).exists()
    wr = track.item.source == Source.WORK_REPORT
    key = {"unit_id": track.unit_id, "month": month_of(track.closed_at)}
    row, _created = ClosedCount.objects.get_or_create(**key, defaults={"unit_path": track.unit_path})
    delta = [0, 0, 0, 0]
    _add(delta, on_time, wr)
    ClosedCount.objects.filter(pk=row.pk).update(**{k: F(k) + d for k, d in zip(COUNTS, delta, strict=True)})


def on_item_event(sender, *, track=None, **kwargs) -> None:
    if sender == "closed" and track is not None and track.state == TrackState.CLOSED:
        count_closure(track)


def derived() -> dict[Key, tuple]:
    """Every row as the tracks and their result nodes say it should be: the four counts and the
    unit's path."""
    from .selectors import late_result

    out: dict[Key, list] = {}
    paths: dict[Key, str] = {}
    rows = (
        Track.objects.filter(state=TrackState.CLOSED, closed_at__isnull=False)
        .annotate(late=late_result())
        .order_by()
        .values_list("unit_id", "unit_path", "closed_at", "item__source", "late")
        .iterator(chunk_size=5000)
    )
    for unit_id, path, closed_at, source, late in rows:
        key = (unit_id, month_of(closed_at))
        _add(out.setdefault(key, [0, 0, 0, 0]), not late, source == Source.WORK_REPORT)
        paths[key] = path
    return {k: (*v, paths[k]) for k, v in out.items()}


def stored() -> dict[Key, tuple]:
    return {
        (u, m): tuple(rest)
        for u, m, *rest in ClosedCount.objects.values_list("unit_id", "month", *COUNTS, "unit_path")
    }


def differences() -> list[tuple[Key, tuple | None, tuple | None]]:
    """(key, stored, derived) for every row that differs; a missing row is None. A row of zero
    closures is the same as no row."""
    want, have = derived(), stored()
    zero = (0, 0, 0, 0)
    out = []
    for key in sorted(set(want) | set(have)):
        w, h = want.get(key), have.get(key)
        if (w or zero)[:4] != (h or zero)[:4] or (w and h and w[4] != h[4]):
            out.append((key, h, w))
    return out


@transaction.atomic
def rebuild() -> int:
    """Rewrite every row from the tracks; returns how many rows differed."""
    diffs = differences()
    ClosedCount.objects.all().delete()
    ClosedCount.objects.bulk_create(
        [
            ClosedCount(unit_id=u, month=m, unit_path=p, **dict(zip(COUNTS, counts, strict=True)))
            for (u, m), (*counts, p) in derived().items()
        ],
        batch_size=2000,
    )
    return len(diffs)
