"""The API's one paginator: ninja pagination over ``core.paging.window`` (capped count)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PaginationBase

from duban.core.paging import COUNT_CAP, MAX_LIMIT, MAX_OFFSET, window


class CappedLimitOffset(PaginationBase):
    class Input(Schema):
        # Documented bounds, checked by core.paging.check_window (codes bad_limit, bad_offset).
        limit: int = Field(50, description="1–500", json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT})
        offset: int = Field(
            0, description="0–1,000,000", json_schema_extra={"minimum": 0, "maximum": MAX_OFFSET}
        )

    class Output(Schema):
        total: int = Field(description=f"Matches, counted up to {COUNT_CAP + 1} ({COUNT_CAP + 1} = more)")
        capped: bool = Field(description=f"More than {COUNT_CAP} match: narrow the filters")
        limit: int
        offset: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, request, **params) -> dict:
        w = window(queryset, limit=pagination.limit, offset=pagination.offset)
        return {"total": w.total, "capped": w.capped, "limit": w.limit, "offset": w.offset, "items": w.rows}
