"""Suggested lead units: which departments' work vocabulary a task uses.

The vocabulary is a table of (unit name, keywords): the shipped ``data/unit_vocabulary.csv``
(Shanxi's provincial departments) or the table an administrator edits, passed in by the caller.
One scan over the task (``PhraseIndex``: a compiled candidate test plus a dict) finds every
keyword; longer keywords are more specific and weigh more, and words of the paragraph's theme or
the part's title count half (they set the topic, the task states the work).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from duban.workplan.normalize import normalize
from duban.workplan.phrases import PhraseIndex
from duban.workplan.types import SuggestedUnit

DATA = Path(__file__).resolve().parent / "data"
MAX_SUGGESTIONS = 5
_SPLIT = re.compile(r"[|\n\r,，、;；\t]+")
_QUOTES = "“”\"'‘’"
# (keyword as written, units it points to, weight)
Match = tuple[str, tuple[str, ...], float]


def split_keywords(words: str | Iterable[str] | None) -> list[str]:
    if words is None:
        return []
    if isinstance(words, str):
        words = _SPLIT.split(words)
    out: list[str] = []
    for w in words:
        w = "" if w is None else str(w).strip()
        if w and w not in out:
            out.append(w)
    return out


class Vocabulary:
    def __init__(self, rows: Iterable[tuple[str, str | Iterable[str] | None]]) -> None:
        by_word: dict[str, tuple[str, list[str]]] = {}
        for unit, words in rows:
            unit = str(unit or "").strip()
            if not unit:
                continue
            for word in split_keywords(words):
                key = normalize(word)
                if len(key) < 2:
                    continue
                entry = by_word.setdefault(key, (word, []))
                if unit not in entry[1]:
                    entry[1].append(unit)
                # A quoted slogan also matches when written without its quotes.
                bare = key.strip(_QUOTES)
                if bare != key and len(bare) >= 2:
                    b = by_word.setdefault(bare, (word, []))
                    if unit not in b[1]:
                        b[1].append(unit)
        self.index: PhraseIndex[Match] = PhraseIndex(
            (key, (word, tuple(units), _weight(word))) for key, (word, units) in by_word.items()
        )

    def matches(self, norm: str, start: int, end: int) -> list[Match]:
        return [v for _, _, v in self.index.finditer(norm, start, end)]


def _weight(word: str) -> float:
    """Longer keywords are more specific: 高新技术企业 says more than 科技."""
    return min(len(word.strip(_QUOTES)), 6) / 4


def suggest(
    task_words: Sequence[Match],
    context_words: Sequence[Match] = (),
    limit: int = MAX_SUGGESTIONS,
) -> list[SuggestedUnit]:
    """Ranked units for a task from its keyword matches (and its theme's, weighted half)."""
    if not task_words and not context_words:
        return []
    totals: dict[str, float] = {}
    because: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for factor, words in ((1.0, task_words), (0.5, context_words)):
        for word, units, weight in words:
            for unit in units:
                # A word repeated in one task counts half again, not twice.
                key = (unit, word)
                if key in seen:
                    totals[unit] += weight * factor * 0.5
                    continue
                seen.add(key)
                totals[unit] = totals.get(unit, 0.0) + weight * factor
                because.setdefault(unit, []).append(word)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    top = ranked[0][1]
    out: list[SuggestedUnit] = []
    for unit, total in ranked[:limit]:
        if total < 0.3 * top:
            break
        out.append({"name": unit, "score": round(1 - math.exp(-total), 2), "because": because[unit]})
    return out


def read_vocabulary_file(path: str | Path | None = None) -> list[tuple[str, str]]:
    """(unit name, keywords) rows of a vocabulary CSV; the shipped one by default."""
    with Path(path or DATA / "unit_vocabulary.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = [(r[0], r[1]) for r in csv.reader(fh) if len(r) >= 2 and not r[0].startswith("#")]
    if rows and rows[0][0].strip().lower() in {"unit", "name", "单位"}:
        rows = rows[1:]
    return rows


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return Vocabulary(read_vocabulary_file())


_CACHE: dict[tuple[tuple[str, tuple[str, ...]], ...], Vocabulary] = {}


def vocabulary_for(rows: Iterable[tuple[str, str | Iterable[str] | None]] | None) -> Vocabulary:
    if rows is None:
        return default_vocabulary()
    key = tuple((str(u), tuple(split_keywords(w))) for u, w in rows)
    v = _CACHE.get(key)
    if v is None:
        if len(_CACHE) > 8:
            _CACHE.clear()
        v = Vocabulary(key)
        _CACHE[key] = v
    return v
