"""Writes from the workbench. Bulk 催办 is all or nothing: a clerk who selected three late
items and typed one message expects either three urges or none and a list of what stopped them
— not two sent and a third silently missing, after which re-sending the same selection would
urge the first two twice."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from duban.core.errors import InvalidInput, InvalidState, NotFound
from duban.items import selectors as item_selectors
from duban.items import services as item_services
from duban.items.models import Urge
from duban.items.rules import track_actions

MAX_BATCH = 200  # tracks one bulk urge may name
MAX_MESSAGE = 500  # characters: the urge is also sent by SMS and to group robots


def _track_ids(raw: Iterable) -> list[int]:
    ids: list[int] = []
    for value in raw:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise InvalidInput("所选承办记录无效", code="bad_track") from None
    return list(dict.fromkeys(ids))


@transaction.atomic
def urge_many(*, actor, track_ids: Iterable, message: str = "") -> list[Urge]:
    """催办 each selected track with one message, in one transaction.

    Every track is checked before any is urged, so a refusal names every track that cannot be
    urged (and why) and nothing is sent; a failure while urging (someone changed a track at the
    same moment) rolls back the urges already made. Each urge is the items service's own: its
    journal row, the handling unit's notification and the queue's 被催办.
    """
    ids = _track_ids(track_ids)
    if not ids:
        raise InvalidInput("请先勾选要催办的承办记录", code="empty_selection")
    if len(ids) > MAX_BATCH:
        raise InvalidInput(f"一次最多催办 {MAX_BATCH} 条承办记录", code="too_many")
    text = (message or "").strip()
    if len(text) > MAX_MESSAGE:
        raise InvalidInput(f"催办内容过长（最多 {MAX_MESSAGE} 字）", code="too_long", field="催办内容")
    refusals: list[str] = []
    for pk in ids:
        try:
            track = item_selectors.get_track(actor, pk)
        except NotFound:
            refusals.append(f"承办记录 {pk}：不存在或无权查看")
            continue
        action = track_actions(actor, track, only=("urge",))["urge"]
        if not action.allowed:
            refusals.append(f"{track.item.title}（{track.unit.name}）：{action.reason}")
    if refusals:
        raise InvalidState(
            "以下承办记录不能催办，本次未发送任何催办：" + "；".join(refusals),
            code="bulk_refused",
            refusals=refusals,
        )
    return [item_services.urge(actor=actor, track_id=pk, message=text) for pk in ids]
