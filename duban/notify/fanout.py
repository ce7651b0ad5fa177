"""Turning one event into inbox entries and outbound deliveries, in the transaction that
caused it; the deliveries are handed to the task queue only once that transaction commits."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from duban.core.clock import SHANGHAI, now
from duban.items.models import Item, Track, TrackState
from duban.orgs.models import User

from . import channels
from .audiences import Directory, issuing_unit_id
from .kinds import KINDS
from .models import Alert, Channel, Delivery, DeliveryState, KindSetting, Notification, Preference, Robot
from .preferences import Prefs

# items.signals kinds → what people are told; kinds missing here (signed, routine reports) tell nobody.
EVENT_KINDS = {
    "assigned": "assigned",
    "routed": "routed",
    "urged": "urged",
    "returned": "returned",
    "closed": "closed",
    "extension.decided": "extension.decided",
    "extension.requested": "extension.requested",
    "instructed": "instructed",
    "report.result": "closure.requested",
}
SMS_MAX = 70
log = logging.getLogger("duban.notify")


@dataclass
class Message:
    kind: str
    key: str
    title: str
    body: str
    item: Item | None = None
    track: Track | None = None
    condition: dict | None = None
    path: str = ""  # where the link goes when it is not the item's page

    @property
    def url(self) -> str:
        if self.path:
            return settings.DUBAN_BASE_URL + self.path
        if self.item is None:
            return settings.DUBAN_BASE_URL + "/"
        return f"{settings.DUBAN_BASE_URL}/items/{self.item.pk}/"


def sms_text(kind: str, title: str) -> str:
    """Under 70 characters, so it is one message on every Chinese carrier."""
    head = f"【督办】{KINDS[kind].label}："
    tail = "，请登录督办系统办理"
    room = SMS_MAX - len(head) - len(tail) - 1
    short = title if len(title) <= room else title[: room - 1] + "…"
    return head + short + tail


class Fanout:
    """One pass of telling: shares the unit directory, the settings and preferences it loaded."""

    def __init__(self, at: dt.datetime | None = None) -> None:
        self.at = at or now()
        self.dir = Directory()
        self._settings: dict[int, dict[str, KindSetting]] = {}
        self._prefs: dict[int, Prefs] = {}
        self._robots: dict[int, list[Robot]] = {}
        self._outbound: dict[int, list] = {}
        self.queued: list[int] = []

    # --- configuration ------------------------------------------------------------------
    def audiences(self, kind: str, track: Track | None) -> tuple[str, ...]:
        if track is None:
            return KINDS[kind].audiences
        unit_id = issuing_unit_id(track)
        if unit_id not in self._settings:
            self.load_settings([unit_id])
        s = self._settings[unit_id].get(kind)
        if s is None:
            return KINDS[kind].audiences
        return tuple(s.audiences) if s.enabled else ()

    def load_settings(self, unit_ids: Iterable[int]) -> None:
        """Every issuing unit's overrides in one query (an absent unit uses the defaults)."""
        missing = {u for u in unit_ids if u not in self._settings}
        if not missing:
            return
        for u in missing:
            self._settings[u] = {}
        for ks in KindSetting.objects.filter(unit_id__in=missing):
            self._settings[ks.unit_id][ks.kind] = ks

    def prefs(self, users: Iterable) -> None:
        missing = [u.id for u in users if u.id not in self._prefs]
        if missing:
            found = {p.user_id: p for p in Preference.objects.filter(user_id__in=missing)}
            for pk in missing:
                self._prefs[pk] = Prefs.of(found.get(pk))

    def load_robots(self, unit_ids: Iterable[int]) -> None:
        missing = {u for u in unit_ids if u not in self._robots}
        if missing:
            for u in missing:
                self._robots[u] = []
            for r in Robot.objects.filter(enabled=True, unit_id__in=missing):
                self._robots[r.unit_id].append(r)

    def robots(self, unit_ids: set[int], kind: str) -> list[Robot]:
        self.load_robots(unit_ids)
        return [r for u in sorted(unit_ids) for r in self._robots[u] if not r.kinds or kind in r.kinds]

    # --- telling ------------------------------------------------------------------------
    def tell(self, msg: Message, *, tracks: Iterable[Track] = (), actor=None) -> bool:
        """Tell the kind's audiences of every track in ``tracks`` (or of ``msg.track``);
        False when nobody is to be told or it was told already."""
        return bool(self.tell_many([(msg, list(tracks), actor)]))

    def _people(self, msg: Message, tracks: list, actor) -> tuple[dict[int, User], set[int]]:
        tracks = tracks or ([msg.track] if msg.track is not None else [None])
        people: dict[int, User] = {}
        units: set[int] = set()
        for track in tracks:
            for audience in self.audiences(msg.kind, track):
                for user in self.dir.resolve(audience, track):
                    people.setdefault(user.id, user)
            if track is not None and people:
                units.add(track.unit_id)
        if actor is not None:
            people.pop(actor.id, None)  # nobody is told of their own action
        units |= {u.unit_id for u in people.values() if u.unit_id}
        return people, units

    def tell_many(self, batch: list[tuple[Message, list, object]]) -> set[str]:
        """Tell a batch of (message, tracks, actor) in a constant number of queries; returns
        the keys told now. A key already told (a second pass, another sweeper) is skipped."""
        planned: dict[str, tuple[Message, dict[int, User], set[int]]] = {}
        self.load_settings(issuing_unit_id(t) for _m, tracks, _a in batch for t in tracks if t is not None)
        for msg, tracks, actor in batch:
            if msg.key in planned:
                continue
            people, units = self._people(msg, tracks, actor)
            if people:
                planned[msg.key] = (msg, people, units)
        if not planned:
            return set()
        # Keys told before (a second pass, another sweeper) are skipped by the unique key; the
        # insert returns the rows it made.
        ids = _insert_alerts([msg for msg, _p, _u in planned.values()], self.at)
        notifications, deliveries = [], []
        self.prefs([u for key in ids for u in planned[key][1].values()])
        self.load_robots({u for key in ids for u in planned[key][2]})
        outbound = self._outbound
        for key, (msg, people, units) in planned.items():  # in the order told, for a readable inbox
            alert_id = ids.get(key)
            if alert_id is None:
                continue
            for uid, user in people.items():
                notifications.append((alert_id, uid))
                if uid not in outbound:
                    outbound[uid] = self._channels_of(user)
                for channel, address, when, digest, p in outbound[uid]:
                    if p.wants(channel, msg.kind):
                        deliveries.append(
                            self._delivery(alert_id, channel, f"u{uid}", address, when, digest, user=user)
                        )
            for robot in self.robots(units, msg.kind):
                deliveries.append(
                    self._delivery(
                        alert_id, Channel.WEBHOOK, f"r{robot.pk}", robot.url, self.at, False, robot=robot
                    )
                )
        _insert_inbox(notifications, self.at)
        if deliveries:
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)
            if any(d.state == DeliveryState.QUEUED for d in deliveries):
                self.queued += list(
                    Delivery.objects.filter(
                        alert_id__in=list(ids.values()), state=DeliveryState.QUEUED, created_at=self.at
                    ).values_list("id", flat=True)
                )
        return set(ids)

    def _channels_of(self, user: User) -> list[tuple[str, str, dt.datetime, bool, Prefs]]:
        """The outbound channels a person can be reached on, with when a message made now may
        go (quiet hours, digest): worked out once per person per pass."""
        p = self._prefs[user.id]
        when, digest = p.send_time(self.at)
        out = []
        if user.email and channels.email_enabled():
            out.append((Channel.EMAIL, user.email, when, digest, p))
        if user.phone and channels.sms_enabled():
            out.append((Channel.SMS, user.phone, when, digest, p))
        return out

    def _delivery(
        self, alert_id, channel, target, address, when, digest, *, user=None, robot=None
    ) -> Delivery:
        return Delivery(
            alert_id=alert_id,
            channel=channel,
            target=target,
            recipient=user,
            robot=robot,
            address=address[:300],
            digest=digest,
            state=DeliveryState.QUEUED if when <= self.at else DeliveryState.WAITING,
            not_before=when,
            created_at=self.at,
            updated_at=self.at,
        )

    def commit(self) -> None:
        """Hand the deliveries that may go now to the task queue once the transaction commits."""
        ids, self.queued = self.queued, []
        if ids:
            from .tasks import enqueue

            transaction.on_commit(lambda: enqueue(ids))


def can_return_inserted() -> bool:
    return connection.vendor == "postgresql" or (
        connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 35)
    )


def _insert_rows(
    table: str, columns: tuple[tuple[str, str], ...], rows: list[tuple], chunk: int, returning: str = ""
) -> list[tuple]:
    """``INSERT … ON CONFLICT DO NOTHING`` of many rows without model instances; with
    ``returning`` (a column list), the rows it inserted (not those it skipped).

    PostgreSQL gets one array per column (``unnest``): a statement with thousands of
    placeholders costs more to parse on the client than to run. SQLite gets multi-row VALUES.
    ``columns`` are (name, PostgreSQL type) pairs."""
    if not rows:
        return []
    names = ", ".join(f'"{c}"' for c, _t in columns)
    tail = f" RETURNING {returning}" if returning else ""
    made: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{'text' if t == 'jsonb' else t}[]" for _c, t in columns)
            picks = ", ".join(
                f"c{i}::jsonb" if t == "jsonb" else f"c{i}" for i, (_c, t) in enumerate(columns)
            )
            aliases = ", ".join(f"c{i}" for i in range(len(columns)))
            sql = (
                f'INSERT INTO "{table}" ({names}) SELECT {picks} FROM unnest({arrays}) AS v({aliases}) '
                "ON CONFLICT DO NOTHING" + tail
            )
            for i in range(0, len(rows), chunk * 5):
                part = rows[i : i + chunk * 5]
                cursor.execute(sql, [list(col) for col in zip(*part, strict=True)])
                if returning:
                    made += cursor.fetchall()
            return made
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for i in range(0, len(rows), chunk):
            part = rows[i : i + chunk]
            values = ", ".join([one] * len(part))
            cursor.execute(
                f'INSERT INTO "{table}" ({names}) VALUES {values} ON CONFLICT DO NOTHING{tail}',
                [v for row in part for v in row],
            )
            if returning:
                made += cursor.fetchall()
    return made


def _insert_alerts(msgs: list[Message], at: dt.datetime) -> dict[str, int]:
    """A batch of alerts; returns key → id of those inserted. A key told before stays as it was."""
    when = connection.ops.adapt_datetimefield_value(at)
    rows = [
        (
            m.key,
            m.kind,
            m.item.pk if m.item is not None else None,
            m.track.pk if m.track is not None else None,
            m.title[:200],
            m.body[:4000],
            m.url,
            None if m.condition is None else json.dumps(m.condition, ensure_ascii=False),
            when,
        )
        for m in msgs
    ]
    columns = (
        ("key", "text"), ("kind", "text"), ("item_id", "bigint"), ("track_id", "bigint"), ("title", "text"),
        ("body", "text"), ("url", "text"), ("condition", "jsonb"), ("created_at", "timestamptz"),
    )  # fmt: skip
    if can_return_inserted():
        return dict(_insert_rows(Alert._meta.db_table, columns, rows, chunk=500, returning='"key", "id"'))
    # SQLite before 3.35 cannot return rows: read back the ones stamped with this pass's time
    # that were not there before.
    keys = [m.key for m in msgs]
    before = set(Alert.objects.filter(key__in=keys).values_list("key", flat=True))
    _insert_rows(Alert._meta.db_table, columns, [r for r in rows if r[0] not in before], chunk=500)
    return dict(
        Alert.objects.filter(key__in=[k for k in keys if k not in before], created_at=at).values_list(
            "key", "id"
        )
    )


def _insert_inbox(rows: list[tuple[int, int]], at: dt.datetime) -> None:
    """Inbox rows are the bulk of a province's first sweep (hundreds of thousands). The unique
    (alert, recipient) key holds."""
    when = connection.ops.adapt_datetimefield_value(at)
    if connection.vendor == "postgresql" and len(rows) > 200:
        # The alerts are this batch's own, so no row can conflict: COPY, PostgreSQL's bulk path
        # (for a sweep's thousands; an event's handful is cheaper as one INSERT).
        table = Notification._meta.db_table
        with connection.cursor() as cursor:
            with cursor.cursor.copy(
                f'COPY "{table}" ("alert_id", "recipient_id", "created_at") FROM STDIN'
            ) as copy:
                for a, r in rows:
                    copy.write_row((a, r, when))
        return
    columns = (("alert_id", "bigint"), ("recipient_id", "bigint"), ("created_at", "timestamptz"))
    _insert_rows(Notification._meta.db_table, columns, [(a, r, when) for a, r in rows], chunk=2000)


# ---------------------------------------------------------------------------------------------
# Events from people's actions


def _due_text(track: Track) -> str:
    if track.next_due_at is None:
        return ""
    return f"\n当前期限：{track.next_due_at.astimezone(SHANGHAI):%Y-%m-%d}"


def event_message(kind: str, *, track: Track | None, item: Item, obj, actor) -> Message:
    who = f"{actor.unit.name} {actor}" if actor is not None and actor.unit_id else str(actor or "")
    unit = track.unit.name if track is not None else ""
    title = f"【{KINDS[kind].label}】{item.title}"
    obj_id = getattr(obj, "pk", None)
    body = f"事项：{item.title}"
    if unit:
        body += f"\n承办单位：{unit}"
    if kind == "assigned":
        key = f"assigned:t{track.pk}"
        body += f"\n交办单位：{who}" + _due_text(track)
    elif kind == "routed":
        key = f"routed:t{track.pk}:v{track.version}"
        body += f"\n批转给：{track.assignee}" + _due_text(track)
    elif kind == "urged":
        key = f"urged:u{obj_id}"
        body += f"\n催办人：{who}\n催办内容：{obj.message}"
    elif kind == "returned":
        key = f"returned:t{track.pk}:v{track.version}"
        review = track.reviews.order_by("-created_at", "-id").first()
        body += f"\n退回理由：{review.comment if review else ''}" + _due_text(track)
    elif kind == "closed":
        key = f"closed:t{track.pk}"
        body += f"\n评价：{track.get_rating_display()}"
    elif kind == "extension.decided":
        key = f"extension.decided:e{obj_id}"
        verdict = "同意" if obj.state == "granted" else "不同意"
        body += f"\n审批结果：{verdict}" + (f"\n意见：{obj.decision_note}" if obj.decision_note else "")
        body += _due_text(track)
    elif kind == "extension.requested":
        key = f"extension.requested:e{obj_id}"
        body += f"\n申请延至：{obj.proposed_due:%Y-%m-%d}\n理由：{obj.reason}"
    elif kind == "instructed":
        key = f"instructed:i{obj_id}"
        body += f"\n批示领导：{who}\n批示内容：{obj.text}"
    elif kind == "closure.requested":
        key = f"closure.requested:r{obj_id}"
        body += f"\n申请人：{who}\n办结情况：{obj.done[:500]}"
    else:  # pragma: no cover - EVENT_KINDS lists every kind handled above
        raise ValueError(kind)
    return Message(kind=kind, key=key, title=title, body=body, item=item, track=track)


def on_item_event(sender, *, track=None, item=None, obj=None, actor=None, **_kwargs) -> None:
    """Receiver of ``items.signals.item_event``, sent inside the change's transaction.

    A failure here is logged and rolled back to a savepoint, never the user's action: a clerk's
    report must not be refused because a message could not be composed."""
    kind = EVENT_KINDS.get(sender)
    if kind is None:
        return
    try:
        with transaction.atomic():
            _tell_event(kind, track=track, item=item, obj=obj, actor=actor)
    except Exception:  # noqa: BLE001
        log.exception(
            "could not notify of %s on track %s / item %s",
            kind,
            getattr(track, "pk", None),
            getattr(item, "pk", None),
        )


def _tell_event(kind: str, *, track, item, obj, actor) -> None:
    item = item or track.item
    fan = Fanout()
    msg = event_message(kind, track=track, item=item, obj=obj, actor=actor)
    if kind == "instructed":
        # A 批示 concerns every unit still handling the item.
        tracks = list(
            Track.objects.filter(item=item)
            .exclude(state=TrackState.CLOSED)
            .select_related("item", "unit", "parent")
        )
        fan.tell(msg, tracks=tracks, actor=actor)
    else:
        fan.tell(msg, actor=actor)
    fan.commit()
