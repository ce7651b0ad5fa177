"""Choice labels in the active language, looked up in a table.

``Model.get_FOO_display()`` rebuilds a dict of the field's choices (hashing every lazy label,
which translates it) on each call: ≈20 µs, paid tens of times per item page. The labels of a
``Choices`` class only change with the language, so they are read once per class and language.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation

_TABLES: dict[tuple[type, str | None], dict] = {}


def label(choices: type[models.Choices], value) -> str:
    """The label of ``value`` in ``choices`` (the value itself when it is not one of them)."""
    key = (choices, translation.get_language())
    table = _TABLES.get(key)
    if table is None:
        table = _TABLES[key] = {v: str(text) for v, text in choices.choices}
    return table.get(value, value)
