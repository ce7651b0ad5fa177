"""Fixed text in the active language, looked up in tables: choice labels and UI messages.

``Model.get_FOO_display()`` rebuilds a dict of the field's choices (hashing every lazy label,
which translates it) on each call: ≈20 µs, paid tens of times per item page. ``gettext`` costs
≈2 µs a message (two thread-local lookups and the catalog chain) and the item page's rows ask
for about two hundred. A language's catalog does not change while the process runs, so both
are read once per language and message, and a page's row builders look the language up once.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation


class Words(dict):
    """One language's messages, translated on first use: ``_ = words()`` then ``_("按期")``
    (the name ``_`` keeps the messages visible to ``makemessages``)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[type, dict] = {}

    def __missing__(self, message: str) -> str:
        text = self[message] = translation.gettext(message)
        return text

    def __call__(self, message: str) -> str:
        return self[message]

    def label(self, choices: type[models.Choices], value) -> str:
        """The label of ``value`` in ``choices`` (the value itself when it is not one of them)."""
        table = self.tables.get(choices)
        if table is None:
            table = self.tables[choices] = {v: str(text) for v, text in choices.choices}
        return table.get(value, value)


_WORDS: dict[str | None, Words] = {}


def words() -> Words:
    """The active language's ``Words``."""
    language = translation.get_language()
    found = _WORDS.get(language)
    if found is None:
        found = _WORDS[language] = Words()
    return found


def label(choices: type[models.Choices], value) -> str:
    """The label of ``value`` in ``choices`` in the active language."""
    return words().label(choices, value)
