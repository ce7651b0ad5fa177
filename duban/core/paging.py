"""One way to page through a list, for the web pages and the API alike.

Counts stop at ``COUNT_CAP``: an exact count of a province's whole history would scan every
visible row on each request, growing with the years; past the cap a page says "10000+" and the
filters narrow it down. ``offset`` and ``limit`` are bounded before they reach the database
(an offset of 2⁶³ is an overflow on PostgreSQL, not an empty page).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

from .errors import InvalidInput

COUNT_CAP = 10_000
MAX_OFFSET = 1_000_000
MAX_LIMIT = 500


def capped_count(queryset: Any, cap: int | None = None) -> int:
    """How many rows match, counting at most ``cap + 1`` (so "more than cap" is visible)."""
    cap = COUNT_CAP if cap is None else cap
    return queryset.order_by()[: cap + 1].count()


def check_window(limit: int, offset: int, max_limit: int = MAX_LIMIT) -> None:
    if not 1 <= limit <= max_limit:
        raise InvalidInput(f"limit 须为 1–{max_limit}", code="bad_limit", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset 须为 0–{MAX_OFFSET}", code="bad_offset", field="offset")


@dataclass(frozen=True)
class Window:
    rows: list
    total: int  # capped: COUNT_CAP + 1 means "more than COUNT_CAP"
    limit: int
    offset: int

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def window(queryset: Any, *, limit: int, offset: int, count: int | None = None) -> Window:
    """One page of ``queryset``; ``count`` when the caller already knows it (the queue's tabs)."""
    check_window(limit, offset)
    total = capped_count(queryset) if count is None else count
    rows = list(queryset[offset : offset + limit]) if offset < total else []
    return Window(rows, total, limit, offset)


class CappedPaginator(Paginator):
    """Django's paginator for the web pages, counting through ``capped_count`` (of
    ``count_list``: the same rows without the page's ordering annotations), or taking a
    ``count`` the page already knows (the queue's tab counts)."""

    def __init__(self, object_list, per_page, *, count_list=None, count: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.count_list = count_list if count_list is not None else object_list
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count if self.known_count is not None else capped_count(self.count_list)

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP
