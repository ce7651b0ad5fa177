"""The item page's long lists — node table rows, reports, timeline entries — as HTML built here.

An item's page grows with its history: the median item of a busy county clerk has 35 nodes,
24 reports and 40 journal rows. In the template language each row cost ≈10 node renders
(lookups, filters, autoescape, ``{% if %}``), ≈1.5 ms a page in all; the same markup built with
``format_html`` (which escapes every value) costs a fifth of that. Everything else on the page
stays in ``item_detail.html``; change these rows' markup here.
"""

from __future__ import annotations

import datetime as dt

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from duban.core.labels import label
from duban.items import status
from duban.items.models import NodeKind, ReportKind

from .templatetags.duban_web import light_badge, local, span

REPORT_FIELDS = (
    ("next_steps", "下步打算"),
    ("problems", "存在问题"),
    ("support_needed", "需协调事项"),
)


def node_row(n, t, at: dt.datetime, cutoff: dt.datetime) -> SafeString:
    """One line of a track's node table: the node, its due time (and the original, when a
    calendar change or an extension moved it), when it was done, and how it stands."""
    light, st = status.node_light(n, t, at, cutoff)
    if n.done_at:
        if st.late_by:
            outcome = format_html('<span class="late">{}</span>', _("逾期 %(s)s") % {"s": span(st.late_by)})
        else:
            outcome = format_html('<span class="ok">{}</span>', _("按期"))
    elif light == "done":
        outcome = format_html('<span class="muted">{}</span>', _("已办结"))
    elif light == "red":
        outcome = format_html('<span class="late">{}</span>', _("逾期 %(s)s") % {"s": span(st.late_by)})
    elif light == "yellow":
        outcome = light_badge("yellow")
    else:
        outcome = format_html('<span class="muted">{}</span>', _("未到期"))
    moved = ""
    if n.due_at != n.original_due_at:
        moved = format_html(' <span class="muted">（{} {}）</span>', _("原"), local(n.original_due_at))
    assumed = ""
    if n.assumed_calendar:
        assumed = format_html(
            ' <span class="badge badge-yellow" title="{}">{}</span>',
            _("该年度节假日安排未知，按周一至周五计算"),
            _("假定日历"),
        )
    return format_html(
        '<tr class="node-{}"><td>{}</td><td><span class="ph">{}：</span>{}{}{}</td>'
        '<td><span class="ph">{}：</span>{}</td><td>{}</td></tr>',
        light,
        label(NodeKind, n.kind),
        _("期限"),
        local(n.due_at),
        moved,
        assumed,
        _("完成"),
        local(n.done_at) or "—",
        outcome,
    )


def report_block(r) -> SafeString:
    """One report of a track's record: kind, author and time, its fields, its files."""
    fields = [(_("工作开展情况"), linebreaksbr(r.done))]
    fields += [
        (_(caption), linebreaksbr(getattr(r, name))) for name, caption in REPORT_FIELDS if getattr(r, name)
    ]
    body = format_html_join("", "<dt>{}</dt><dd>{}</dd>", fields)
    files = list(r.attachments.all())
    if files:
        # Each piece is escaped by format_html; the joined string is marked safe again.
        links = mark_safe(
            "；".join(
                format_html('<a href="{}">{}</a>', reverse("web:attachment", args=[a.pk]), a.name)
                for a in files
            )
        )
        body += format_html("<dt>{}</dt><dd>{}</dd>", _("佐证材料"), links)
    return format_html(
        '<div class="report" id="report-{}"><div class="report-head"><b>{}</b> <span class="muted">{} · {}</span></div>'
        '<dl class="facts">{}</dl></div>',
        r.pk,
        label(ReportKind, r.kind),
        r.author,
        local(r.created_at),
        body,
    )


def timeline_entry(e) -> SafeString:
    """One journal row in words (``journal.describe``'s ``Entry``)."""
    return format_html(
        '<li class="ev ev-{}"><span class="muted">{}</span> <b class="ev-label">{}</b>{}{}'
        '<div class="muted">{}</div>{}</li>',
        e.css,
        e.at,
        e.label,
        format_html(' <span class="ev-unit">{}</span>', e.unit) if e.unit else "",
        format_html(' <span class="ev-change">{}</span>', e.change) if e.change else "",
        e.who,
        format_html('<div class="ev-detail">{}</div>', e.detail) if e.detail else "",
    )
