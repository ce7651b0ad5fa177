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

DATA = Path(__file__).resolve().parent / "data"
MAX_SUGGESTIONS = 5
_SPLIT = re.compile(r"[|\n\r,，、;；\t]+")
_QUOTES = "“”\"'‘’"


def split_keywords(words: str | Iterable[str]) -> list[str]:
    if isinstance(words, str):
        words = _SPLIT.split(words)
    out: list[str] = []
    for w in words:
        w = str(w).strip()
        if w and w not in out:
            out.append(w)
    return out


class Vocabulary:
    def __init__(self, rows: Iterable[tuple[str, str | Iterable[str]]]) -> None:
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
        self.index: PhraseIndex[tuple[str, tuple[str, ...]]] = PhraseIndex(
            (key, (word, tuple(units))) for key, (word, units) in by_word.items()
        )

    def matches(self, norm: str, start: int, end: int) -> list[tuple[str, tuple[str, ...]]]:
        return [v for _, _, v in self.index.finditer(norm, start, end)]


@lru_cache(maxsize=4096)
def _weight(word: str) -> float:
    return min(len(word.strip(_QUOTES)), 6) / 4


def suggest(
    task_words: Sequence[tuple[str, tuple[str, ...]]],
    context_words: Sequence[tuple[str, tuple[str, ...]]] = (),
    limit: int = MAX_SUGGESTIONS,
) -> list[dict[str, object]]:
    """Ranked units for a task from its keyword matches (and its theme's, weighted half)."""
    totals: dict[str, float] = {}
    because: dict[str, list[str]] = {}
    for words, factor in ((task_words, 1.0), (context_words, 0.5)):
        seen: set[tuple[str, str]] = set()
        for word, units in words:
            for unit in units:
                # A word repeated in one sentence counts once more at most.
                key = (unit, word)
                w = _weight(word) * factor * (0.5 if key in seen else 1.0)
                seen.add(key)
                totals[unit] = totals.get(unit, 0.0) + w
                lst = because.setdefault(unit, [])
                if word not in lst:
                    lst.append(word)
    if not totals:
        return []
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    top = ranked[0][1]
    out: list[dict[str, object]] = []
    for unit, total in ranked[:limit]:
        if total < 0.3 * top:
            break
        score = round(1 - math.exp(-total), 2)
        out.append({"name": unit, "score": score, "because": because[unit]})
    return out


def _read_rows() -> list[tuple[str, str]]:
    with (DATA / "unit_vocabulary.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = [(r[0], r[1]) for r in csv.reader(fh) if len(r) >= 2 and not r[0].startswith("#")]
    if rows and rows[0][0].strip().lower() in {"unit", "name", "单位"}:
        rows = rows[1:]
    return rows


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return Vocabulary(_read_rows())


_CACHE: dict[tuple[tuple[str, tuple[str, ...]], ...], Vocabulary] = {}


def vocabulary_for(rows: Iterable[tuple[str, str | Iterable[str]]] | None) -> Vocabulary:
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
