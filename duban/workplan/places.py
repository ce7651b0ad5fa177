"""Places named in a task: provinces, cities, counties and townships, by full or short name.

The default gazetteer is shipped with the parser (``data/places.csv``: China's 34 provincial-level
divisions and Shanxi's cities and counties, derived from ``duban/data/shanxi_divisions.csv``); callers pass
their own rows (code, name, short_name) to use their org registry instead.  Short forms ("太原"
for 太原市) are matched when at least two characters long and not hidden inside a common word
(``data/place_stopwords.txt``: 长治久安, 振兴县域 …); generic names such as 城区 never match alone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from duban.workplan.normalize import normalize
from duban.workplan.phrases import PhraseIndex

DATA = Path(__file__).resolve().parent / "data"
_SUFFIX = re.compile(
    r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|地区|省|市|县|区|盟|旗)$"
)
# After a two-character name ending in 县/区/市, these make it part of a longer word
# (兴县 in 振兴县域, 代县 in 现代县城).
_BAD_NEXT_AFTER_ADMIN = frozenset("域城级乡镇委长区市内外里份")


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str


class Gazetteer:
    def __init__(self, rows: Iterable[tuple[str, str, str]], stopwords: Iterable[str] = ()) -> None:
        by_phrase: dict[str, list[tuple[int, Place]]] = {}

        def add(phrase: str, place: Place, rank: int) -> None:
            phrase = normalize(phrase.strip())
            if len(phrase) >= 2:
                by_phrase.setdefault(phrase, []).append((rank, place))

        for row in rows:
            code, name, short = (str(x or "").strip() for x in (list(row) + ["", "", ""])[:3])
            if not name:
                continue
            place = Place(code, name)
            # Higher-level units have codes with more trailing zeros; they win a shared name.
            rank = len(code) - len(code.rstrip("0")) - len(code) // 3
            if len(code) > 6:
                # Townships (9-digit codes) are many and their names are often everyday words
                # (社区, 中心镇, 高城乡 in 提高城乡): full names of three characters or more only.
                if len(name) >= 3:
                    add(name, place, rank)
                continue
            add(name, place, rank)
            if short and short != name:
                add(short, place, rank - 1)
            else:
                derived = _SUFFIX.sub("", name)
                if derived != name and len(derived) >= 2:
                    add(derived, place, rank - 1)
        entries: list[tuple[str, Place | None]] = [(normalize(w), None) for w in stopwords]
        for phrase, options in by_phrase.items():
            options.sort(key=lambda rp: rp[0], reverse=True)
            best = options[0]
            distinct = {p.code for _, p in options if _ == best[0]}
            # Two units of the same rank share the name (城关镇 in many counties): ambiguous.
            if len(distinct) > 1:
                continue
            entries.append((phrase, best[1]))
        self.index: PhraseIndex[Place] = PhraseIndex(entries)

    def find(self, norm: str, start: int, end: int) -> list[tuple[int, int, Place]]:
        out: list[tuple[int, int, Place]] = []
        n = len(norm)
        for s, e, place in zip(*self.index.scan(norm, start, end), strict=True):
            if e - s == 2 and norm[e - 1] in "县区市" and e < n and norm[e] in _BAD_NEXT_AFTER_ADMIN:
                continue
            out.append((s, e, place))
        return out


def _read_rows() -> list[tuple[str, str, str]]:
    # The shipped gazetteer stops at counties: a provincial report names cities and counties,
    # and the township list (kept in the file for callers who want it) mostly adds false hits.
    with (DATA / "places.csv").open(encoding="utf-8", newline="") as fh:
        return [
            (r["code"], r["name"], r.get("short_name") or "")
            for r in csv.DictReader(fh)
            if r.get("level") != "township"
        ]


@lru_cache(maxsize=1)
def stopwords() -> tuple[str, ...]:
    lines = (DATA / "place_stopwords.txt").read_text(encoding="utf-8").splitlines()
    return tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer(_read_rows(), stopwords())


_CACHE: dict[tuple[tuple[str, str, str], ...], Gazetteer] = {}


def gazetteer_for(rows: Iterable[tuple[str, str, str]] | None) -> Gazetteer:
    """The shipped gazetteer, or one built from ``rows`` (cached: the same registry is passed
    on every upload)."""
    if rows is None:
        return default_gazetteer()
    key = tuple(tuple(str(x or "") for x in (list(r) + ["", "", ""])[:3]) for r in rows)
    g = _CACHE.get(key)  # type: ignore[arg-type]
    if g is None:
        if len(_CACHE) > 8:
            _CACHE.clear()
        g = Gazetteer(key, stopwords())  # type: ignore[arg-type]
        _CACHE[key] = g  # type: ignore[index]
    return g
