"""Keeping ``ClosedTrack`` and checking it against the tracks (see models.py for why it exists)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from duban.items.models import Track, TrackState

from . import figures
from .models import ClosedTrack

COLUMNS = (*figures.SETTLED, "rating")
FIELDS = (
    "track_id",
    "issuer_unit_id",
    "unit_id",
    "unit_path",
    "item_id",
    "assigned_at",
    "closed_at",
    *COLUMNS,
)


def _closed_tracks():
    return Track.objects.filter(state=TrackState.CLOSED, closed_at__isnull=False, parent__isnull=True)


def _rows(tracks) -> dict[int, ClosedTrack]:
    """The settled row of each closed track of ``tracks``, worked out from its history at the
    moment it closed."""
    meta = list(
        tracks.order_by("pk").values_list(
            "pk", "item__issuer_unit_id", "unit_id", "unit_path", "item_id", "assigned_at", "closed_at"
        )
    )
    if not meta:
        return {}
    # The history read at the latest closure; each track's own figures are then cut at its own.
    last = max(m[6] for m in meta)
    nodes, reviews, exts = figures.histories([m[0] for m in meta], last)
    first = min(m[5] for m in meta)
    wd = figures.WorkingDays(figures._local_day(first) - dt.timedelta(days=1))
    out = {}
    for pk, issuer_id, unit_id, path, item_id, assigned_at, closed_at in meta:
        own_nodes = [
            (k, s, due, done if done is not None and done <= closed_at else None)
            for k, s, due, done in nodes[pk]
        ]
        f = figures._track_figures(own_nodes, reviews[pk], exts[pk], closed_at, wd)
        rating = next((r for r in figures.RATINGS if f[r]), "")
        out[pk] = ClosedTrack(
            track_id=pk,
            issuer_unit_id=issuer_id,
            unit_id=unit_id,
            unit_path=path,
            item_id=item_id,
            assigned_at=assigned_at,
            closed_at=closed_at,
            rating=rating,
            **{k: f[k] for k in figures.SETTLED},
        )
    return out


def settle(track: Track) -> None:
    """Write a just-closed top-level track's row, inside the closing transaction."""
    if track.parent_id is not None:
        return
    rows = _rows(Track.objects.filter(pk=track.pk))
    ClosedTrack.objects.bulk_create(rows.values())


def on_item_event(sender, *, track=None, **kwargs) -> None:
    if sender == "closed" and track is not None and track.state == TrackState.CLOSED:
        settle(track)


def _values(row: ClosedTrack) -> tuple:
    return tuple(getattr(row, f) for f in FIELDS)


def differences(batch: int = 2000) -> list[tuple[int, tuple | None, tuple | None]]:
    """(track id, stored, derived) for every closed top-level track whose row is missing or
    differs, and every row without such a track. Read in batches of tracks by id."""
    out = []
    ids = list(_closed_tracks().order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), batch):
        lo, hi = ids[i], ids[min(i + batch, len(ids)) - 1]
        want = _rows(_closed_tracks().filter(pk__gte=lo, pk__lte=hi))
        have = {r.pk: r for r in ClosedTrack.objects.filter(track_id__gte=lo, track_id__lte=hi)}
        for pk in sorted(set(want) | set(have)):
            w = _values(want[pk]) if pk in want else None
            h = _values(have[pk]) if pk in have else None
            if w != h:
                out.append((pk, h, w))
    known = set(ids)
    for pk in ClosedTrack.objects.values_list("track_id", flat=True).iterator(chunk_size=5000):
        if pk not in known:
            out.append((pk, (), None))
    return out


@transaction.atomic
def rebuild(batch: int = 2000) -> int:
    """Rewrite every row that differs from the tracks' histories; returns how many differed."""
    diffs = differences(batch)
    wrong = [pk for pk, _h, _w in diffs]
    for i in range(0, len(wrong), 500):
        ClosedTrack.objects.filter(track_id__in=wrong[i : i + 500]).delete()
    rows = [
        ClosedTrack(**dict(zip(FIELDS, want, strict=True))) for _pk, _h, want in diffs if want is not None
    ]
    ClosedTrack.objects.bulk_create(rows, batch_size=2000)
    return len(diffs)
