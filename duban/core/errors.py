"""Errors a user can cause, each with a stable code for the API and a Chinese message for people.

Services raise these; the web layer shows ``message`` and the API returns ``code`` with ``status``.
A raised error always aborts the surrounding transaction, so an invalid action changes nothing.
"""

from __future__ import annotations

from typing import Any


class DubanError(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.details = details


class InvalidInput(DubanError):
    """The request is well-formed but its values are not acceptable (HTTP 422)."""

    status = 422
    code = "invalid_input"


class InvalidState(DubanError):
    """The action does not fit the object's current state (HTTP 409)."""

    status = 409
    code = "invalid_state"


class StaleVersion(DubanError):
    """Someone else changed the object since the viewer loaded it (HTTP 409)."""

    status = 409
    code = "stale_version"


class Forbidden(DubanError):
    """The viewer may see the object but may not take this action (HTTP 403)."""

    status = 403
    code = "forbidden"


class NotFound(DubanError):
    """Missing, or not visible to the viewer: the two are indistinguishable on purpose (HTTP 404)."""

    status = 404
    code = "not_found"
