"""Appending to the journal and verifying its chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from duban.core.clock import now

from .models import Event, Head

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    # Round-trip through JSON so what we hash is exactly what the JSON column stores.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def compute_hash(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_unit_id: int | None,
    action: str,
    item_id: int | None,
    track_id: int | None,
    object_type: str,
    object_id: int | None,
    old: Any,
    new: Any,
    payload: Any,
    prev_hash: str,
) -> str:
    body = json.dumps(
        [
            seq,
            at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            actor_id,
            actor_unit_id,
            action,
            item_id,
            track_id,
            object_type,
            object_id,
            old,
            new,
            payload,
            prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(
    *,
    actor,
    action: str,
    item=None,
    track=None,
    obj=None,
    old: Any = None,
    new: Any = None,
    payload: dict | None = None,
    at: dt.datetime | None = None,
) -> Event:
    """Append one event. Must run inside the transaction that made the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("journal.record must run inside the change's transaction")
    head, _ = Head.objects.select_for_update().get_or_create(id=1)
    at = at or now()
    fields = dict(
        seq=head.seq + 1,
        at=at,
        actor_id=getattr(actor, "pk", None),
        actor_unit_id=getattr(actor, "unit_id", None),
        action=action,
        item_id=getattr(item, "pk", None),
        track_id=getattr(track, "pk", None),
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=getattr(obj, "pk", None),
        old=_canonical(old),
        new=_canonical(new),
        payload=_canonical(payload or {}),
        prev_hash=head.hash,
    )
    digest = compute_hash(**fields)
    event = Event.objects.create(hash=digest, **fields)
    Head.objects.filter(id=1).update(seq=fields["seq"], hash=digest)
    return event


@dataclass
class Verdict:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def _fields(e: Event) -> dict:
    return dict(
        seq=e.seq,
        at=e.at,
        actor_id=e.actor_id,
        actor_unit_id=e.actor_unit_id,
        action=e.action,
        item_id=e.item_id,
        track_id=e.track_id,
        object_type=e.object_type,
        object_id=e.object_id,
        old=e.old,
        new=e.new,
        payload=e.payload,
        prev_hash=e.prev_hash,
    )


def verify(events: Iterable[Event] | None = None) -> Verdict:
    """Re-compute the chain and name the first row that does not fit."""
    if events is None:
        events = Event.objects.order_by("seq").iterator(chunk_size=5000)
    prev, expected_seq, checked = GENESIS, 1, 0
    for e in events:
        if e.seq != expected_seq:
            return Verdict(
                False, checked, e.seq, f"序号不连续：应为 {expected_seq}，实为 {e.seq}（有行被删除或插入）"
            )
        if e.prev_hash != prev:
            return Verdict(False, checked, e.seq, "前一行哈希不符（前一行被改动、删除或插入）")
        if compute_hash(**_fields(e)) != e.hash:
            return Verdict(False, checked, e.seq, "本行内容与其哈希不符（本行被改动）")
        prev, expected_seq, checked = e.hash, expected_seq + 1, checked + 1
    head = Head.objects.filter(id=1).first()
    if head is not None and (head.seq != checked or head.hash != prev):
        return Verdict(
            False,
            checked,
            checked + 1 if head.seq > checked else checked,
            "链尾与记录的链头不符（末尾有行被删除）",
        )
    return Verdict(True, checked)
