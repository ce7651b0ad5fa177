"""Who an audience name means for one track: resolved through the items rules, so "the
reviewers" told of a closure request are exactly the people the review screen will let act."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from duban.items import rules
from duban.items.models import Track
from duban.orgs.models import OrgUnit, Role, UnitKind, User


def issuing_unit_id(track: Track) -> int:
    return track.parent.unit_id if track.parent_id else track.item.issuer_unit_id


class Directory:
    """Members of units, loaded once per unit for a whole fan-out or sweep pass."""

    def __init__(self) -> None:
        self._members: dict[int, list[User]] = {}
        self._units: dict[int, OrgUnit] = {}
        self._admins: list[User] | None = None
        self._answers: dict[tuple, list[User]] = {}

    def prime(self, unit_ids: Iterable[int]) -> None:
        wanted = {u for u in unit_ids if u not in self._members}
        if not wanted:
            return
        found: dict[int, list[User]] = defaultdict(list)
        # In id order: who is told first is the same on every database.
        for user in (
            User.objects.filter(unit_id__in=wanted, is_active=True).select_related("unit").order_by("id")
        ):
            found[user.unit_id].append(user)
            self._units[user.unit_id] = user.unit
        empty = [u for u in wanted if u not in self._units]
        if empty:  # units nobody active belongs to: still needed for their names and parents
            for unit in OrgUnit.objects.filter(pk__in=empty):
                self._units[unit.pk] = unit
        for uid in wanted:
            self._members[uid] = found.get(uid, [])

    def members(self, unit_id: int) -> list[User]:
        self.prime([unit_id])
        return self._members[unit_id]

    def unit(self, unit_id: int) -> OrgUnit:
        self.prime([unit_id])
        return self._units[unit_id]

    def leaders_of(self, unit_id: int) -> list[User]:
        leaders = [u for u in self.members(unit_id) if u.role == Role.LEADER]
        unit = self.unit(unit_id)
        if not leaders and unit.kind == UnitKind.DEPARTMENT and unit.parent_id:
            # A department's leader is its government's.
            leaders = [u for u in self.members(unit.parent_id) if u.role == Role.LEADER]
        return leaders

    def admins(self) -> list[User]:
        if self._admins is None:
            from duban.workcal.services import can_manage

            self._admins = [
                u
                for u in User.objects.filter(
                    role=Role.ADMIN, is_active=True, unit__parent__isnull=True
                ).select_related("unit")
                if can_manage(u)
            ]
        return self._admins

    def resolve(self, audience: str, track: Track | None) -> list[User]:
        if audience == "admins":
            return self.admins()
        if track is None:
            return []
        # The rules look only at these fields of a track, so many tracks share one answer.
        if audience == "handlers":
            key = ("handlers", track.unit_id, track.assignee_id)
            if key not in self._answers:
                self._answers[key] = [u for u in self.members(track.unit_id) if rules.can_handle(u, track)]
            return self._answers[key]
        if audience == "handling_heads":
            return [u for u in self.members(track.unit_id) if u.role == Role.HEAD]
        if audience == "handling_leaders":
            return self.leaders_of(track.unit_id)
        if audience == "reviewers":
            issuer = issuing_unit_id(track)
            key = ("reviewers", issuer, track.unit_id, bool(track.parent_id), track.requested_by_id)
            if key not in self._answers:
                self._answers[key] = [u for u in self.members(issuer) if rules.can_review(u, track)]
            return self._answers[key]
        if audience == "issuer_leaders":
            return self.leaders_of(issuing_unit_id(track))
        raise ValueError(f"unknown audience {audience!r}")
