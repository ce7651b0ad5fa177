"""Appending to the journal, verifying its chain, and checkpoints of its head."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from duban.core.clock import now
from duban.core.errors import InvalidState

from . import keys
from .models import Checkpoint, Event, Head

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    # Round-trip through JSON so what we hash is exactly what the JSON column stores.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _body(
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
) -> bytes:
    return json.dumps(
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
    ).encode("utf-8")


@functools.lru_cache(maxsize=8)
def _chain_mac(key: bytes) -> hmac.HMAC:
    # Keyed once per key; each row copies the keyed state instead of re-deriving it.
    return hmac.new(keys.chain_key(key), digestmod=hashlib.sha256)


def compute_hash(*, key: bytes | None = None, **fields: Any) -> str:
    """A row's hash: HMAC-SHA-256 under the journal key of its canonical content and prev_hash.
    Without ``key`` the configured one is used (bulk writers such as bench/generate.py)."""
    mac = _chain_mac(keys.load() if key is None else key).copy()
    mac.update(_body(**fields))
    return mac.hexdigest()


def legacy_hash(**fields: Any) -> str:
    """Plain SHA-256: how rows were hashed before the journal had a key (seq < Head.keyed_from)."""
    return hashlib.sha256(_body(**fields)).hexdigest()


def _writing_key(head: Head) -> bytes:
    """The key to sign the next row with, checked against the head's seal. Runs under the
    head's row lock, so two first writers cannot seal the head with two different keys."""
    if not head.key_seal:
        if head.seq != 0:
            # The migration seals every journal that already had rows; an unsealed head with
            # rows behind it has been changed by hand. Signing now would bless that change.
            raise keys.JournalKeyError(
                f"日志链头没有密钥标识，但日志已有 {head.seq} 行：链头被改动过。"
                "请运行 duban verify-journal 检查，并从备份恢复链头。"
            )
        key = keys.load(create=True)
        head.key_seal = keys.seal(key, head.keyed_from)
        Head.objects.filter(id=1).update(key_seal=head.key_seal)
        return key
    key = keys.load()
    if not hmac.compare_digest(head.key_seal, keys.seal(key, head.keyed_from)):
        raise keys.JournalKeyError(
            f"{keys.describe()} 中的日志密钥不是签署本日志的密钥（或链头被改动过）："
            "为免另起一条无法校验的链，拒绝写入。请配置签署本日志的密钥。"
        )
    return key


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
    key = _writing_key(head)
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
    digest = compute_hash(key=key, **fields)
    event = Event.objects.create(hash=digest, **fields)
    Head.objects.filter(id=1).update(seq=fields["seq"], hash=digest)
    return event


# --- checkpoints ------------------------------------------------------------------------------

LINE_PREFIX = "DUBAN-CP"
_LINE = re.compile(
    r"^DUBAN-CP (?P<seq>[1-9][0-9]{0,18}) (?P<hash>[0-9a-f]{64}) "
    r"(?P<at>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z) (?P<signature>[0-9a-f]{64})$"
)
MAX_LINE = 200


@dataclass(frozen=True)
class Anchor:
    """A checkpoint as the verifier sees it: from the table, or a line kept outside."""

    seq: int
    hash: str
    at: str
    signature: str

    @property
    def line(self) -> str:
        return f"{LINE_PREFIX} {self.seq} {self.hash} {self.at} {self.signature}"

    @classmethod
    def of(cls, cp: Checkpoint) -> Anchor:
        return cls(cp.seq, cp.hash, _at_text(cp.at), cp.signature)


def _at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _signature(key: bytes, seq: int, digest: str, at_text: str) -> str:
    message = f"{LINE_PREFIX} {seq} {digest} {at_text}".encode()
    return hmac.new(keys.checkpoint_key(key), message, hashlib.sha256).hexdigest()


def signature_ok(anchor: Anchor, key: bytes) -> bool:
    return hmac.compare_digest(anchor.signature, _signature(key, anchor.seq, anchor.hash, anchor.at))


def parse_line(text: str) -> Anchor:
    """A ``DUBAN-CP`` line as printed by ``duban journal-checkpoint``; ValueError says why not."""
    text = text.strip()
    if len(text) > MAX_LINE:
        raise ValueError(f"检查点行太长（最多 {MAX_LINE} 个字符）")
    m = _LINE.match(text)
    if not m:
        raise ValueError(f"不是检查点行（应为 {LINE_PREFIX} 行号 哈希 时间 签名）：{text[:80]}")
    return Anchor(int(m["seq"]), m["hash"], m["at"], m["signature"])


def take_checkpoint(*, actor=None) -> Checkpoint:
    """Sign the chain's head as it is now and keep it; the checkpoint itself is journaled (the
    next row), so the chain also says when each checkpoint was taken."""
    with transaction.atomic():
        head, _ = Head.objects.select_for_update().get_or_create(id=1)
        if head.seq == 0:
            raise InvalidState("日志还是空的，没有可以签署的链头。", code="journal_empty")
        key = _writing_key(head)
        at = now().replace(microsecond=0)
        cp = Checkpoint.objects.create(
            seq=head.seq, hash=head.hash, at=at, signature=_signature(key, head.seq, head.hash, _at_text(at))
        )
        record(
            actor=actor,
            action="journal.checkpoint",
            obj=cp,
            payload={"seq": cp.seq, "hash": cp.hash, "signature": cp.signature},
            at=at,
        )
    return cp


# --- verification -----------------------------------------------------------------------------


@dataclass
class Verdict:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    keyed_from: int = 1
    anchors: int = 0


_COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_unit_id",
    "action",
    "item_id",
    "track_id",
    "object_type",
    "object_id",
    "old",
    "new",
    "payload",
    "prev_hash",
    "hash",
)


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


def verify(events: Iterable[Event] | None = None, *, since: Iterable[Anchor] = ()) -> Verdict:
    """Re-compute the chain with the journal key and name the first row that does not fit.

    Every stored checkpoint, and every one in ``since`` (lines kept outside the database), must
    carry a valid signature, match the row at its seq, and not lie beyond the chain's end: a
    chain cut back and re-headed past a checkpoint is caught by it. Streams the rows; raises
    ``keys.JournalKeyError`` when rows exist but this process has no key to check them with.
    """
    head = Head.objects.filter(id=1).first()
    keyed_from = head.keyed_from if head is not None else 1
    # The same checkpoint given twice (stored, and as the office's line) counts once.
    anchors = list(dict.fromkeys([*(Anchor.of(cp) for cp in Checkpoint.objects.order_by("seq")), *since]))
    has_rows = (head is not None and head.seq > 0) or Event.objects.exists()
    if not has_rows and not anchors:
        return Verdict(True, 0)
    key = keys.load()
    if head is None:
        return Verdict(False, 0, None, "链头缺失（journal_head 行被删除）")
    fresh = head.seq == 0 and not head.key_seal  # nothing signed yet (or all of it cut away)
    if not fresh and not (head.key_seal and hmac.compare_digest(head.key_seal, keys.seal(key, keyed_from))):
        return Verdict(
            False,
            0,
            None,
            f"链头的密钥标识与 {keys.describe()} 中的密钥不符：这不是签署本日志的密钥，"
            "或者链头（无密钥部分的起点）被改动过",
            keyed_from,
        )
    at_seq: dict[int, list[Anchor]] = {}
    for a in anchors:
        if not signature_ok(a, key):
            return Verdict(
                False,
                0,
                a.seq,
                f"第 {a.seq} 行的检查点（{a.at}）签名不符：不是用本日志密钥签发的，或被改动过",
                keyed_from,
            )
        at_seq.setdefault(a.seq, []).append(a)

    if events is None:
        # Plain tuples, not model instances: at millions of rows building Event objects costs
        # more than hashing them.
        rows: Iterable[dict] = (
            dict(zip(_COLUMNS, values, strict=True))
            for values in Event.objects.order_by("seq").values_list(*_COLUMNS).iterator(chunk_size=5000)
        )
    else:
        rows = ({**_fields(e), "hash": e.hash} for e in events)
    mac = _chain_mac(key)
    prev, expected_seq, checked = GENESIS, 1, 0
    for row in rows:
        seq, stored = row["seq"], row.pop("hash")
        if seq != expected_seq:
            return Verdict(
                False,
                checked,
                seq,
                f"序号不连续：应为 {expected_seq}，实为 {seq}（有行被删除或插入）",
                keyed_from,
            )
        if row["prev_hash"] != prev:
            return Verdict(False, checked, seq, "前一行哈希不符（前一行被改动、删除或插入）", keyed_from)
        if seq < keyed_from:
            digest = legacy_hash(**row)
        else:
            m = mac.copy()
            m.update(_body(**row))
            digest = m.hexdigest()
        if digest != stored:
            return Verdict(False, checked, seq, "本行内容与其哈希不符（本行被改动）", keyed_from)
        for a in at_seq.get(seq, ()):
            if a.hash != stored:
                return Verdict(
                    False,
                    checked,
                    seq,
                    f"本行哈希与 {a.at} 的检查点不符：检查点之后日志被改写",
                    keyed_from,
                )
        payload = row["payload"]
        if row["action"] == "journal.checkpoint" and (
            not isinstance(payload, dict) or payload.get("seq") != seq - 1 or payload.get("hash") != prev
        ):
            return Verdict(False, checked, seq, "检查点记录与它签署的前一行不符", keyed_from)
        prev, expected_seq, checked = stored, expected_seq + 1, checked + 1
    beyond = [a for a in anchors if a.seq > checked]
    if beyond:
        a = max(beyond, key=lambda a: a.seq)
        return Verdict(
            False,
            checked,
            checked + 1,
            f"日志被截断或回退：{a.at} 的检查点签署到第 {a.seq} 行，现在链只到第 {checked} 行",
            keyed_from,
            len(anchors),
        )
    if head.seq != checked or head.hash != prev:
        return Verdict(
            False,
            checked,
            checked + 1 if head.seq > checked else checked,
            "链尾与记录的链头不符（末尾有行被删除）",
            keyed_from,
            len(anchors),
        )
    return Verdict(True, checked, keyed_from=keyed_from, anchors=len(anchors))
