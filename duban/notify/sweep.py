"""One pass of the reminder sweep (``duban sweep``; ``duban worker`` runs it every minute).

Like healthchecks' ``sendalerts``: each open track has only *when to look again*
(``Watch.sweep_at``); the sweep takes the tracks whose time has come, works out what is true
from timestamps, and claims each with ``UPDATE … SET sweep_at = next WHERE track = … AND
sweep_at = seen``. Of several
sweepers on several hosts exactly one wins each track, and the alert's unique key is the second
lock: a reminder is told once however often the sweep runs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q

from duban.core.clock import SHANGHAI, local_today, now
from duban.items.models import Decision, Node, NodeKind, ReportKind, Track, TrackState
from duban.workcal.calendar import schedule_known

from . import reminders
from .audiences import issuing_unit_id
from .fanout import Fanout, Message, can_return_inserted
from .kinds import KINDS
from .models import Alert, DailyPass, Delivery, DeliveryState, Notification, Watch

BATCH = 500


@dataclass(slots=True)
class ItemRow:
    pk: int
    title: str
    issuer_unit_id: int


@dataclass(slots=True)
class ParentRow:
    unit_id: int


@dataclass(slots=True)
class TrackRow:
    """What the reminders, the audience rules (``items.rules``) and the messages read of a track,
    loaded as a plain row: a province's first pass reads ≈38k tracks, and building model
    instances for them was a fifth of its time."""

    pk: int
    state: str
    unit_id: int
    parent_id: int | None
    assignee_id: int | None
    requested_by_id: int | None
    item: ItemRow
    parent: ParentRow | None

    FIELDS = (
        "id", "state", "unit_id", "parent_id", "assignee_id", "requested_by_id",
        "item_id", "item__title", "item__issuer_unit_id", "parent__unit_id",
    )  # fmt: skip

    @classmethod
    def of(cls, row: tuple) -> TrackRow:
        pk, state, unit_id, parent_id, assignee_id, requested_by_id, item_id, title, issuer, parent_unit = row
        return cls(
            pk, state, unit_id, parent_id, assignee_id, requested_by_id,
            ItemRow(item_id, title, issuer),
            ParentRow(parent_unit) if parent_id else None,
        )  # fmt: skip

    @property
    def id(self) -> int:
        return self.pk


STUCK_QUEUED = dt.timedelta(minutes=10)
STUCK_SENDING = dt.timedelta(minutes=15)


@dataclass
class SweepResult:
    tracks: int = 0
    claimed: int = 0
    alerts: Counter = field(default_factory=Counter)
    released: int = 0
    recovered: int = 0
    purged: int = 0

    def __str__(self) -> str:
        told = ", ".join(f"{k} {v}" for k, v in sorted(self.alerts.items())) or "none"
        return (
            f"tracks looked at {self.tracks}, claimed {self.claimed}; alerts: {told}; "
            f"deliveries released {self.released}, recovered {self.recovered}; inbox purged {self.purged}"
        )


NODE_LABELS = {k: str(v) for k, v in NodeKind.choices}


def _message(
    r: reminders.Reminder, track: Track, unit_name: str, at: dt.datetime, late_by: dict | None = None
) -> Message:
    item = track.item
    label = KINDS[r.kind].label
    body = f"事项：{item.title}\n承办单位：{unit_name}"
    if r.node is not None:
        due = r.node.due_at.astimezone(SHANGHAI)
        body += f"\n节点：{NODE_LABELS.get(r.node.kind, r.node.kind)}\n期限：{due:%Y-%m-%d %H:%M}"
        # Many nodes share a due day: count each day's working days once per pass.
        cache = late_by if late_by is not None else {}
        day = due.date()
        if day not in cache:
            cache[day] = reminders.working_days_late(r.node.due_at, at)
        late = cache[day]
        if r.kind != "due_soon" and late:
            body += f"\n已逾期 {late} 个工作日"
        if r.also_late:
            body += f"\n其后还有 {r.also_late} 个节点已过期限"
    elif r.kind.startswith("review.waiting"):
        since = dt.datetime.fromisoformat(r.condition["since"]).astimezone(SHANGHAI)
        body += f"\n申请办结时间：{since:%Y-%m-%d %H:%M}，请尽快审核"
    elif r.kind == "returned.idle":
        since = dt.datetime.fromisoformat(r.condition["since"]).astimezone(SHANGHAI)
        body += f"\n退回时间：{since:%Y-%m-%d %H:%M}，请尽快重新报送办结报告"
    return Message(
        kind=r.kind,
        key=r.key,
        title=f"【{label}】{item.title}",
        body=body,
        item=item,
        track=track,
        condition=r.condition,
    )


def _latest(model, track_ids: list[int], **filters) -> dict[int, dt.datetime]:
    if not track_ids:
        return {}
    rows = (
        model.objects.filter(track_id__in=track_ids, **filters)
        .values("track_id")
        .annotate(last=Max("created_at"))
    )
    return {r["track_id"]: r["last"] for r in rows}


def _sweep_tracks(at: dt.datetime, res: SweepResult) -> None:
    from duban.items.models import Report, Review

    late_by: dict = {}
    # One directory, settings and preferences for the whole pass: every batch asks about the
    # same issuing units and their people.
    fan = Fanout(at)
    while True:
        seen = list(
            # By sweep_at alone: the index's own order, so the LIMIT stops early (each batch
            # claimed moves out of the range; the order need not be total).
            Watch.objects.filter(sweep_at__lte=at)
            .order_by("sweep_at")
            .values_list("track_id", "sweep_at")[:BATCH]
        )
        if not seen:
            return
        res.tracks += len(seen)
        tracks = {
            row[0]: TrackRow.of(row)
            for row in Track.objects.filter(pk__in=[pk for pk, _ in seen]).values_list(*TrackRow.FIELDS)
        }
        nodes: dict[int, list[reminders.OpenNode]] = {}
        for pk, track_id, kind, seq, due_at in Node.objects.filter(
            track_id__in=list(tracks), done_at__isnull=True
        ).values_list("id", "track_id", "kind", "seq", "due_at"):
            nodes.setdefault(track_id, []).append(reminders.OpenNode(pk, kind, seq, due_at))
        requested = _latest(
            Report,
            [pk for pk, t in tracks.items() if t.state == TrackState.REQUESTED],
            kind=ReportKind.RESULT,
        )
        returned = _latest(
            Review,
            [pk for pk, t in tracks.items() if t.state == TrackState.RETURNED],
            decision=Decision.RETURN,
        )
        plans = []
        for pk, old in seen:
            track = tracks.get(pk)
            if track is None:
                continue
            due, next_at = reminders.for_track(
                track, nodes.get(pk, []), at, requested_at=requested.get(pk), returned_at=returned.get(pk)
            )
            plans.append((track, old, next_at, due))
        fan.dir.prime({t.unit_id for t in tracks.values()} | {issuing_unit_id(t) for t in tracks.values()})
        with transaction.atomic():
            won = claim(plans)
            res.claimed += len(won)
            batch = [
                (_message(r, t, fan.dir.unit(t.unit_id).name, at, late_by), [t], None)
                for t, _old, _next, due in plans
                if t.pk in won
                for r in due
            ]
            for key in fan.tell_many(batch):
                res.alerts[key.split(":", 1)[0]] += 1
            fan.commit()


def claim(plans: list[tuple[Track, dt.datetime, dt.datetime | None, list]]) -> set[int]:
    """``UPDATE … SET sweep_at = next WHERE track = ? AND sweep_at = seen`` for a batch of
    tracks; the ids this sweeper won. Tracks another sweeper took, or a service changed
    meanwhile, are not in it. One statement per batch where the database can return the
    updated rows."""
    if not plans:
        return set()
    table = Watch._meta.db_table
    if connection.vendor == "postgresql":
        # One array per column: thousands of placeholders cost more to parse than to run.
        sql = (
            f'UPDATE "{table}" AS w SET "sweep_at" = v.new_at '
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS v(id, old_at, new_at) "
            'WHERE w."track_id" = v.id AND w."sweep_at" = v.old_at RETURNING w."track_id"'
        )
        params: list = [
            [t.pk for t, *_ in plans],
            [old for _t, old, *_ in plans],
            [n for _t, _o, n, _d in plans],
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0] for row in cursor.fetchall()}
    if can_return_inserted():  # SQLite 3.35+
        values = ", ".join("(%s, %s, %s)" for _ in plans)
        adapt = connection.ops.adapt_datetimefield_value
        params = []
        for track, old, next_at, _due in plans:
            params += [track.pk, adapt(old), adapt(next_at)]
        sql = (
            f'UPDATE "{table}" SET "sweep_at" = v.new_at '
            f"FROM (SELECT column1 AS id, column2 AS old_at, column3 AS new_at FROM (VALUES {values})) AS v "
            f'WHERE "{table}"."track_id" = v.id AND "{table}"."sweep_at" = v.old_at RETURNING "{table}"."track_id"'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0] for row in cursor.fetchall()}
    return {
        track.pk
        for track, old, next_at, _due in plans
        if Watch.objects.filter(track_id=track.pk, sweep_at=old).update(sweep_at=next_at)
    }


def on_track_changed(sender, *, track, **_kwargs) -> None:
    """Receiver of ``items.signals.track_changed``: look at the track again on the next pass
    (never again once it is closed). One upsert, in the change's transaction."""
    when = None if track.state == TrackState.CLOSED else now()
    table = Watch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("track_id", "sweep_at") VALUES (%s, %s) '
            'ON CONFLICT ("track_id") DO UPDATE SET "sweep_at" = excluded."sweep_at"',
            [track.pk, connection.ops.adapt_datetimefield_value(when)],
        )


def _sweep_calendar(at: dt.datetime, res: SweepResult) -> None:
    today = local_today()
    if today.month != 12:
        return
    year = today.year + 1
    key = f"calendar.missing:{year}"
    if schedule_known(year) or Alert.objects.filter(key=key).exists():
        return
    msg = Message(
        kind="calendar.missing",
        key=key,
        title=f"【系统提醒】{year} 年节假日安排尚未录入",
        body=(
            f"国务院办公厅公布 {year} 年节假日安排后，请在“管理 → 节假日”中录入。"
            f"未录入前，跨入 {year} 年的期限只按周末推算，可能不准确。"
        ),
        condition={"calendar_year": year},
        path=f"/manage/calendar/{year}/",
    )
    fan = Fanout(at)
    with transaction.atomic():
        if fan.tell(msg):
            res.alerts["calendar.missing"] += 1
        fan.commit()


FIGURES_FROM = dt.time(8, 30)  # the day's figure reminders go out with the working day's first
FIGURE_DUE_DAYS = 2  # "due soon" this many days before a figure's due day


def _claim_day(name: str, today: dt.date) -> bool:
    """True for the one sweeper that takes today's run of ``name``."""
    DailyPass.objects.get_or_create(name=name, defaults={"day": today - dt.timedelta(days=1)})
    return DailyPass.objects.filter(name=name, day__lt=today).update(day=today) == 1


def _sweep_figures(at: dt.datetime, res: SweepResult) -> None:
    """Once a day: the targets whose period's figure falls due in two days (figure.due) or is
    past its due day and not filed (figure.missing, for the latest such period only: one
    message per stage, as for tracks). Targets of closed tracks are no longer chased."""
    from duban.targets import progress
    from duban.targets.models import Figure, FigureSource, Target

    local = at.astimezone(SHANGHAI)
    today = local.date()
    if local.time() < FIGURES_FROM or not _claim_day("figures", today):
        return
    rows = list(
        Target.objects.filter(plan_year__in=(today.year - 1, today.year))
        .exclude(track__state=TrackState.CLOSED)
        .values_list(
            "id",
            "track_id",
            "indicator",
            "value",
            "unit_label",
            "plan_year",
            "period",
            "due_day",
            "created_at",
        )
    )
    if not rows:
        return
    filed: set[tuple[int, dt.date]] = set()
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 900):
        filed.update(
            Figure.objects.filter(
                target_id__in=ids[start : start + 900], source=FigureSource.UNIT
            ).values_list("target_id", "period_end")
        )
    soon = today + dt.timedelta(days=FIGURE_DUE_DAYS)
    wanted: list[tuple[str, tuple, dt.date, dt.date]] = []
    for row in rows:
        pk, _track, _ind, _value, _label, year, period, due_day, created = row
        spec = progress.Spec(
            kind=progress.Kind.CUMULATIVE,
            value=0,
            plan_year=year,
            period=progress.Period(period),
            due_day=due_day,
            since=created.astimezone(SHANGHAI).date(),
        )
        missing = [e for e in progress.due_periods(spec, today) if (pk, e) not in filed]
        if missing:
            wanted.append(("figure.missing", row, missing[-1], progress.due_date(spec, missing[-1])))
        for end in progress.period_ends(year, period):
            due = progress.due_date(spec, end)
            if today < due <= soon and (pk, end) not in filed:
                wanted.append(("figure.due", row, end, due))
    if not wanted:
        return
    tracks = {
        r[0]: TrackRow.of(r)
        for r in Track.objects.filter(pk__in={w[1][1] for w in wanted}).values_list(*TrackRow.FIELDS)
    }
    fan = Fanout(at)
    fan.dir.prime({t.unit_id for t in tracks.values()} | {issuing_unit_id(t) for t in tracks.values()})
    batch = []
    for kind, row, end, due in wanted:
        pk, track_id, indicator, value, unit_label, _y, period, _d, _c = row
        track = tracks.get(track_id)
        if track is None:
            continue
        label = (
            f"{end.year}年第{(end.month + 2) // 3}季度"
            if period == "quarterly"
            else f"{end.year}年{end.month}月"
        )
        body = (
            f"指标：{indicator}（目标 {value:g}{unit_label}）\n事项：{track.item.title}\n"
            f"承办单位：{fan.dir.unit(track.unit_id).name}\n报送期：{label}\n报送截止：{due:%Y-%m-%d}"
        )
        batch.append(
            (
                Message(
                    kind=kind,
                    key=f"{kind}:t{pk}:{end.isoformat()}",
                    title=f"【{KINDS[kind].label}】{indicator}（{label}）",
                    body=body,
                    item=track.item,
                    track=track,
                    condition={"target": pk, "period": end.isoformat()},
                    path=f"/targets/{pk}/",
                ),
                [track],
                None,
            )
        )
    with transaction.atomic():
        for key in fan.tell_many(batch):
            res.alerts[key.split(":", 1)[0]] += 1
        fan.commit()


def _release(at: dt.datetime, res: SweepResult) -> None:
    """Waiting deliveries whose time has come (quiet hours over, digest hour, retry backoff)."""
    from .tasks import enqueue, send_digest

    due = list(
        Delivery.objects.filter(state=DeliveryState.WAITING, not_before__lte=at)
        .order_by("not_before", "id")
        .values_list("id", "digest", "recipient_id", "channel")[:5000]
    )
    singles: list[int] = []
    digests: dict[tuple[int, str], list[int]] = {}
    for pk, digest, recipient_id, channel in due:
        if not Delivery.objects.filter(pk=pk, state=DeliveryState.WAITING).update(
            state=DeliveryState.QUEUED, updated_at=at
        ):
            continue
        res.released += 1
        if digest:
            digests.setdefault((recipient_id, channel), []).append(pk)
        else:
            singles.append(pk)
    if singles:
        enqueue(singles)
    for ids in digests.values():
        send_digest.enqueue(ids)


def _recover(at: dt.datetime, res: SweepResult) -> None:
    """Deliveries whose task was lost (never run) or whose worker died mid-send."""
    from .tasks import enqueue

    lost = list(
        Delivery.objects.filter(
            state=DeliveryState.QUEUED, updated_at__lt=at - STUCK_QUEUED, digest=False
        ).values_list("id", flat=True)[:5000]
    )
    if lost:
        Delivery.objects.filter(pk__in=lost, state=DeliveryState.QUEUED).update(updated_at=at)
        enqueue(lost)
    # Queued digest rows that were lost go back to waiting and are grouped again.
    lost_digest = Delivery.objects.filter(
        state=DeliveryState.QUEUED, updated_at__lt=at - STUCK_QUEUED, digest=True
    ).update(state=DeliveryState.WAITING, not_before=at, updated_at=at)
    dead = Delivery.objects.filter(state=DeliveryState.SENDING, updated_at__lt=at - STUCK_SENDING).update(
        state=DeliveryState.WAITING, not_before=at, updated_at=at, last_error="发送中断，已重新排队"
    )
    res.recovered += len(lost) + lost_digest + dead


def _purge(at: dt.datetime, res: SweepResult) -> None:
    cutoff = at - dt.timedelta(days=settings.DUBAN_NOTIFY_RETENTION_DAYS)
    # Through the alert's time (an inbox row is as old as its alert): its index, and the inbox's
    # unique (alert, recipient) key, find them without an index of their own on the inbox.
    res.purged, _ = Notification.objects.filter(
        alert__in=Alert.objects.filter(created_at__lt=cutoff).values("id")
    ).delete()
    # Alerts are the "told already" memory: keep those of tracks still open.
    Alert.objects.filter(created_at__lt=cutoff).filter(
        Q(track__isnull=True) | Q(track__state=TrackState.CLOSED)
    ).delete()


def run_once(at: dt.datetime | None = None) -> SweepResult:
    at = at or now()
    res = SweepResult()
    _sweep_tracks(at, res)
    _sweep_calendar(at, res)
    _sweep_figures(at, res)
    _release(at, res)
    _recover(at, res)
    _purge(at, res)
    return res
