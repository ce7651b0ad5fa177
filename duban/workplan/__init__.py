"""Work-report parser: a government work report in, its forward-looking commitments out.

Pure Python (no Django): ``decompose`` returns the ``duban.workplan/1`` JSON contract (sections,
tasks with quantitative targets, deadlines, places and suggested lead units) plus ``text``, the
decoded report that every ``start``/``end`` offset points into.  ``read_text`` only decodes.
"""

from __future__ import annotations

import os

from duban.workplan.errors import ParseError
from duban.workplan.pipeline import SCHEMA, decompose

__all__ = ["SCHEMA", "ParseError", "decompose", "read_text"]


def read_text(data: bytes | str | os.PathLike[str], name: str | None = None) -> str:
    """The decoded text of an upload (the text the offsets of ``decompose`` point into)."""
    from duban.workplan.decode import decode

    return decode(data, name=name).text
