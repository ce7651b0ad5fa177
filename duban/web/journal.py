"""The item's journal in words: what each event means to a reader of the timeline."""

from __future__ import annotations

from dataclasses import dataclass

from duban.core.labels import Words, words
from duban.items.models import NodeKind, Rating, TrackState
from duban.journal.models import Event

ACTIONS = {
    "item.register": "立项",
    "track.assign": "交办",
    "track.pass_down": "下派",
    "track.route": "批转",
    "track.sign": "签收",
    "report.deploy": "报送部署报告",
    "report.feedback": "报送反馈报告",
    "report.progress": "报送进度报告",
    "report.result": "申请办结",
    "track.return": "退回",
    "track.close": "办结",
    "extension.request": "申请延期",
    "extension.grant": "同意延期",
    "extension.refuse": "不同意延期",
    "track.urge": "催办",
    "item.instruct": "批示",
    "node.reschedule": "节假日安排调整，期限随之变更",
    "item.publish": "公开进展",
    "item.unpublish": "取消公开",
    "target.create": "设置量化指标",
    "target.update": "修改量化指标",
    "target.allocate": "分解量化指标",
    "figure.file": "报送指标数据",
    "figure.correct": "更正指标数据",
}


@dataclass
class Entry:
    event: Event
    label: str
    unit: str  # the track's unit, when the event is about one track
    change: str  # "待签收 → 已签收"
    detail: str  # reason, message, rating …
    at: str  # the moment, in Asia/Shanghai
    css: str  # "tracksign": the action as a class name (as slugify made it)
    who: str  # "某某县督查室 · 张三"


def _day(value) -> str:
    from .templatetags.duban_web import local

    return local(value) if value else ""


def describe(e: Event, _: Words | None = None) -> Entry:
    """``_``: the active language's ``Words``, when the caller describes many events."""
    if _ is None:
        _ = words()
    old, new, payload = e.old or {}, e.new or {}, e.payload or {}
    change, detail = "", ""
    if "state" in old or "state" in new:
        if old.get("state") and new.get("state") and old["state"] != new["state"]:
            change = f"{_.label(TrackState, old['state'])} → {_.label(TrackState, new['state'])}"
        elif new.get("state"):
            change = _.label(TrackState, new["state"])
    a = e.action
    if a == "track.close" and new.get("rating"):
        detail = _("评价：%(r)s") % {"r": Rating(new["rating"]).label}
    elif a == "track.return":
        detail = _("理由：%(r)s；重新办结期限 %(d)s") % {
            "r": payload.get("reason", ""),
            "d": _day(new.get("result_due")),
        }
    elif a == "track.urge":
        detail = payload.get("message", "")
    elif a == "item.instruct":
        detail = payload.get("text", "")
    elif a == "track.route":
        detail = _("批转给 %(n)s") % {"n": new.get("assignee_name", "")}
    elif a == "extension.request":
        try:
            node = NodeKind(new.get("node")).label
        except ValueError:
            node = new.get("node", "")
        detail = _("%(node)s期限 %(due)s，申请延至 %(to)s；理由：%(r)s") % {
            "node": node,
            "due": _day(new.get("due")),
            "to": new.get("proposed", ""),
            "r": payload.get("reason", ""),
        }
    elif a in ("extension.grant", "extension.refuse"):
        change = f"{_day(old.get('due'))} → {_day(new.get('due'))}" if a == "extension.grant" else ""
        detail = payload.get("note", "")
    elif a == "node.reschedule":
        try:
            node = NodeKind(payload.get("node")).label
        except ValueError:
            node = payload.get("node", "")
        change = (
            f"{_day(old.get('due'))} → {_day(new.get('due'))}" if old.get("due") != new.get("due") else ""
        )
        days = "、".join(payload.get("calendar_days") or [])
        detail = _("%(node)s") % {"node": node} + (_("（调整日期：%(d)s）") % {"d": days} if days else "")
        if payload.get("extended"):
            detail += _("；已批准的延期日期不变")
    elif a == "item.register":
        detail = new.get("title", "")
    elif a in ("target.create", "target.allocate") and isinstance(new.get("value"), int | float):
        detail = f"{new.get('indicator', '')} {new['value']:g}{new.get('unit_label', '')}".strip()
    elif a == "target.update":
        from duban.targets.models import Target

        fields = {f.name: str(f.verbose_name) for f in Target._meta.fields}
        detail = _("修改：%(f)s") % {"f": "、".join(fields.get(k, k) for k in sorted(new))}
    elif a in ("figure.file", "figure.correct"):
        source = "统计数" if new.get("source") == "stats" else "报送数"
        period = new.get("period", "")
        detail = _("%(p)s %(s)s %(v)s") % {"p": period, "s": source, "v": f"{new.get('value', ''):g}"}
        if a == "figure.correct" and isinstance(old.get("value"), int | float):
            change = f"{old['value']:g} → {new.get('value', 0):g}"
    elif a.startswith("report.") and payload.get("attachments"):
        detail = _("附件：%(n)s") % {"n": "、".join(payload["attachments"])}
    if a.startswith("report.") and payload.get("late"):
        detail = (detail + "；" if detail else "") + _("逾期报送")
    unit = e.track.unit.name if e.track_id and e.track and e.track.unit_id else ""
    who = f"{e.actor_unit.name if e.actor_unit else ''} · {e.actor if e.actor else ''}"
    return Entry(
        event=e,
        label=_(ACTIONS.get(a, a)),
        unit=unit,
        change=change,
        detail=detail,
        at=_day(e.at),
        css=a.replace(".", ""),
        who=who,
    )
