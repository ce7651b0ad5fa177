"""What one user may do now, with the refusal when not: the shape every app's rules return.

A service asks its rules for the action it performs and raises the refusal (``require``); the
pages and the API render from the same objects (``actions.sign.allowed``, ``reason``), so what is
offered and what is accepted cannot disagree. Lives in ``core`` because every domain app below
and above ``items`` (orgs, items, targets, bulletins) decides with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DubanError


@dataclass(frozen=True)
class Action:
    name: str
    refusal: DubanError | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None

    @property
    def code(self) -> str:
        return self.refusal.code if self.refusal else ""

    @property
    def reason(self) -> str:
        return self.refusal.message if self.refusal else ""


class Actions(dict[str, Action]):
    """Action name → Action; templates read ``actions.sign.allowed``."""

    def require(self, name: str) -> None:
        refusal = self[name].refusal
        if refusal is not None:
            raise refusal

    @property
    def allowed(self) -> set[str]:
        return {name for name, a in self.items() if a.allowed}
