"""The item page's long lists — node table rows, reports, timeline entries — as HTML built here.

An item's page grows with its history: the median item of a busy county clerk has 35 nodes,
24 reports and 40 journal rows. In the template language each row cost ≈10 node renders
(lookups, filters, autoescape, ``{% if %}``), ≈1.5 ms a page in all; the same markup built with
f-strings, every value escaped as the template language escapes it (``_e``), costs a fifth. Everything else on the page
stays in ``item_detail.html``; change these rows' markup here.
"""

from __future__ import annotations

import datetime as dt
import html

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from duban.core.labels import Words, words
from duban.items import status
from duban.items.models import NodeKind, ReportKind

from .templatetags.duban_web import light_badge, local, span

REPORT_FIELDS = (
    ("next_steps", "下步打算"),
    ("problems", "存在问题"),
    ("support_needed", "需协调事项"),
)


def _e(value) -> str:
    """Escaped as the template language escapes (``conditional_escape``): text is escaped, a
    string already marked safe is kept. The standard library's ``html.escape`` directly, since
    Django's ``escape`` wraps it in a lazy-string check that cost as much as the escaping."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def node_row(n, t, at: dt.datetime, cutoff: dt.datetime, _: Words | None = None) -> SafeString:
    """One line of a track's node table: the node, its due time (and the original, when a
    calendar change or an extension moved it), when it was done, and how it stands. ``_``: the
    active language's ``Words``, when the caller builds many rows."""
    if _ is None:
        _ = words()
    light, st = status.node_light(n, t, at, cutoff)
    if n.done_at:
        if st.late_by:
            outcome = f'<span class="late">{_e(_("逾期 %(s)s") % {"s": span(st.late_by)})}</span>'
        else:
            outcome = f'<span class="ok">{_e(_("按期"))}</span>'
    elif light == "done":
        outcome = f'<span class="muted">{_e(_("已办结"))}</span>'
    elif light == "red":
        outcome = f'<span class="late">{_e(_("逾期 %(s)s") % {"s": span(st.late_by)})}</span>'
    elif light == "yellow":
        outcome = light_badge("yellow")
    else:
        outcome = f'<span class="muted">{_e(_("未到期"))}</span>'
    moved = ""
    if n.due_at != n.original_due_at:
        moved = f' <span class="muted">（{_e(_("原"))} {_e(local(n.original_due_at))}）</span>'
    assumed = ""
    if n.assumed_calendar:
        title, text = _("该年度节假日安排未知，按周一至周五计算"), _("假定日历")
        assumed = f' <span class="badge badge-yellow" title="{_e(title)}">{_e(text)}</span>'
    return mark_safe(
        f'<tr class="node-{_e(light)}"><td>{_e(_.label(NodeKind, n.kind))}</td>'
        f'<td><span class="ph">{_e(_("期限"))}：</span>{_e(local(n.due_at))}{moved}{assumed}</td>'
        f'<td><span class="ph">{_e(_("完成"))}：</span>{_e(local(n.done_at) or "—")}</td><td>{outcome}</td></tr>'
    )


def report_block(r, _: Words | None = None) -> SafeString:
    """One report of a track's record: kind, author and time, its fields, its files."""
    if _ is None:
        _ = words()
    fields = [(_("工作开展情况"), r.done)]
    fields += [(_(caption), getattr(r, name)) for name, caption in REPORT_FIELDS if getattr(r, name)]
    body = "".join(f"<dt>{_e(caption)}</dt><dd>{_lines(text)}</dd>" for caption, text in fields)
    files = list(r.attachments.all())
    if files:
        links = "；".join(
            f'<a href="{_e(reverse("web:attachment", args=[a.pk]))}">{_e(a.name)}</a>' for a in files
        )
        body += f"<dt>{_e(_('佐证材料'))}</dt><dd>{links}</dd>"
    return mark_safe(
        f'<div class="report" id="report-{r.pk:d}"><div class="report-head"><b>{_e(_.label(ReportKind, r.kind))}</b> '
        f'<span class="muted">{_e(r.author)} · {_e(local(r.created_at))}</span></div><dl class="facts">{body}</dl></div>'
    )


def _lines(text: str) -> str:
    """``linebreaksbr``: escaped, with each line break a ``<br>``."""
    return html.escape(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")


def timeline_entry(e) -> SafeString:
    """One journal row in words (``journal.describe``'s ``Entry``)."""
    unit = f' <span class="ev-unit">{_e(e.unit)}</span>' if e.unit else ""
    change = f' <span class="ev-change">{_e(e.change)}</span>' if e.change else ""
    detail = f'<div class="ev-detail">{_e(e.detail)}</div>' if e.detail else ""
    return mark_safe(
        f'<li class="ev ev-{_e(e.css)}"><span class="muted">{_e(e.at)}</span> <b class="ev-label">{_e(e.label)}</b>'
        f'{unit}{change}<div class="muted">{_e(e.who)}</div>{detail}</li>'
    )
