"""Errors the parser reports: a stable code, a Chinese message for the user, and where."""

from __future__ import annotations


class ParseError(Exception):
    """The input cannot be decomposed.

    ``code`` is stable (for the API and tests), ``message`` is Chinese advice for the user,
    ``position`` is a character offset into the decoded text (or a byte offset before decoding)
    when one is known.
    """

    def __init__(self, code: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position

    def __repr__(self) -> str:
        return f"ParseError({self.code!r}, {self.message!r}, position={self.position!r})"
