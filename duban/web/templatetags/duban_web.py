"""Display helpers: every time in Asia/Shanghai, lateness in words, lights as text badges."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from duban.core.clock import SHANGHAI
from duban.items.models import Rating

register = template.Library()

LIGHT_TEXT = {
    "red": "红灯",
    "yellow": "黄灯",
    "green": "绿灯",
    "closed": "已办结",
    "waiting": "待审核",
    "draft": "未交办",
}


MINUTES = "%Y-%m-%d %H:%M"


@register.filter
def local(value, fmt: str = MINUTES) -> str:
    """``2021-10-08 23:59`` in Asia/Shanghai, whatever zone the value carries."""
    if not value:
        return ""
    if fmt is MINUTES and type(value) is dt.datetime and value.tzinfo is not None:
        # The common case (every time on an item page), without strftime's format parsing.
        return value.astimezone(SHANGHAI).isoformat(" ", "minutes")[:16]
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(SHANGHAI).strftime(fmt)
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


@register.filter
def span(value: dt.timedelta | None) -> str:
    """A lateness in the largest whole unit that is not zero: "2 天", "5 小时", "10 分钟"."""
    if not value:
        return ""
    seconds = int(value.total_seconds())
    if seconds >= 86400:
        return _("%(n)d 天") % {"n": seconds // 86400}
    if seconds >= 3600:
        return _("%(n)d 小时") % {"n": seconds // 3600}
    return _("%(n)d 分钟") % {"n": max(1, seconds // 60)}


@register.simple_tag
def light_badge(light: str, rating: str = ""):
    text = _(LIGHT_TEXT.get(light, light))
    if light == "closed" and rating:
        text = f"{text}·{Rating(rating).label}"
    return format_html(
        '<span class="badge badge-{0}"><span class="light light-{0}" aria-hidden="true"></span>{1}</span>',
        light,
        text,
    )


@register.filter
def get(mapping, key):
    if mapping is None:
        return ""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
