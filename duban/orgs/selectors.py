"""Reads of the org tree and its people."""

from __future__ import annotations

from .models import User


def unit_members(unit_id: int) -> list[User]:
    """The active people of a unit, as the route (批转) picker lists them."""
    return list(User.objects.filter(unit_id=unit_id, is_active=True).order_by("username"))
