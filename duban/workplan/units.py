"""Suggested lead units: which departments' work vocabulary a task uses.

The vocabulary is a table of (unit name, keywords): the shipped ``data/unit_vocabulary.csv``
(Shanxi's provincial departments) or the table an administrator edits, passed in by the caller.
One scan over the task (``PhraseIndex``: a compiled candidate test plus a dict) finds every
keyword; longer keywords are more specific and weigh more; words of the paragraph's theme and of
the part's title count less (they set the topic, the task states the work), and the title alone
never suggests a unit (see ``suggest``).
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


# How much a word of the paragraph's theme and of the part's title counts against one of the
# task's own: less than half, so a theme word never outweighs a task word of the same length.
THEME_FACTOR = 0.4
PART_FACTOR = 0.25

Hit = tuple[int, int, Match]


class Context:
    """What a paragraph's theme and a part's title add to the suggestions of each of its tasks:
    worked out once for the paragraph, not again for every sentence (see ``suggest``)."""

    __slots__ = (
        "theme",
        "part",
        "because_theme",
        "because_part",
        "theme_share",
        "part_share",
        "ranked",
        "_alone",
    )

    def __init__(self, theme_words: Sequence[Match] = (), part_words: Sequence[Match] = ()) -> None:
        # Plain loops, not comprehensions: a paragraph's theme and title name a few units each,
        # and a comprehension's own call costs more than its one to five items.
        self.theme, self.because_theme = _scores(theme_words)
        self.part, self.because_part = _scores(part_words)
        # Each unit's share from the theme and the title, multiplied once here; a task adds its
        # own score in front, in the order ``suggest`` always added them (so the floats agree).
        theme_share: dict[str, float] = {}
        for u, v in self.theme.items():
            theme_share[u] = THEME_FACTOR * v
        part_share: dict[str, float] = {}
        for u, v in self.part.items():
            part_share[u] = PART_FACTOR * v
        self.theme_share = theme_share
        self.part_share = part_share
        # The theme's units ranked as they would be in a task that names none of them: the same
        # sort key as ``suggest_in``'s (rounded total, then order), the order after every unit the
        # task names (the 1 in second place), and among themselves in the order the theme names
        # them (its scores' keys are in that order).
        if len(_SORT_KEY) > _MEMO_MAX:
            _SORT_KEY.clear()
            _SCORE.clear()
        ranked = []
        rank = 0
        for u, share in theme_share.items():
            total = 0.0 + share + part_share.get(u, 0.0)
            key = _SORT_KEY.get(total)
            if key is None:
                key = _SORT_KEY[total] = -round(total, 6)
            ranked.append((key, 1, rank, u, total))
            rank += 1
        ranked.sort()
        self.ranked: list[tuple[float, int, int, str, float]] = ranked
        self._alone: list[SuggestedUnit] | None = None


def _scores(words: Iterable[Match]) -> tuple[dict[str, float], dict[str, list[str]]]:
    scores: dict[str, float] = {}
    because: dict[str, list[str]] = {}
    # A word repeated in one sentence counts half again, not twice: per unit, the second time
    # the same word points at it.  Kept per word (the units already counted for it), not per
    # (unit, word) pair, so a word seen once builds no pairs.
    seen: dict[str, tuple[str, ...]] = {}
    for word, units, weight in words:
        counted = seen.get(word)
        if counted is None:
            seen[word] = units
            for unit in units:
                scores[unit] = scores.get(unit, 0.0) + weight
                why = because.get(unit)
                if why is None:
                    because[unit] = [word]
                else:
                    why.append(word)
            continue
        for unit in units:
            if unit in counted:
                scores[unit] = scores.get(unit, 0.0) + weight * 0.5
            else:
                # The same written word under another key (a quoted slogan and its bare form)
                # may point at other units: those count in full the first time.
                scores[unit] = scores.get(unit, 0.0) + weight
                because.setdefault(unit, []).append(word)
                counted = seen[word] = counted + (unit,)
    return scores, because


_exp = math.exp
# ``round`` with digits is a float-to-decimal round trip (≈ 0.2 µs), and a report's totals repeat
# (the seed: ≈ 700 roundings of ≈ 130 distinct totals), so each total's sort key and score are
# worked out once.  Both are pure functions of the float; the tables are emptied when they grow
# past ``_MEMO_MAX`` (checked once per paragraph's ``Context``), so a long-running process keeps
# them small.
_SORT_KEY: dict[float, float] = {}
_SCORE: dict[float, float] = {}
_MEMO_MAX = 4096


def _score(total: float) -> float:
    score = _SCORE[total] = round(1 - _exp(-total), 2)
    return score


NO_CONTEXT = Context()


def suggest(
    task_words: Sequence[Match | Hit],
    theme_words: Sequence[Match] = (),
    part_words: Sequence[Match] = (),
    limit: int = MAX_SUGGESTIONS,
) -> list[SuggestedUnit]:
    """Ranked units for a task from its keyword matches, its theme's and its part title's.

    The genre: a task sentence states the work ("推动制度型开放"); the paragraph's theme names the
    topic it belongs to ("加快构建开放型经济新体制"), and the part's title a whole field
    ("坚定不移深化重点领域改革…"). So:
    - the task's own words weigh most; the theme's count ``THEME_FACTOR``, the title's
      ``PART_FACTOR`` of theirs;
    - a unit only the part's title points at is never suggested: a title word ("营商环境",
      "能源革命", "扩大内需") says nothing about which unit does this particular work, and no
      suggestion is better than a wrong one a busy clerk may accept unread; the title only
      weighs between units the task or its theme already name;
    - equal weight goes to the unit named first in the task (its verb-object comes first), then
      to the unit listed first in the vocabulary (a government's own departments come before the
      central units stationed with it, which co-operate rather than lead).
    ``task_words`` are (start, end, match) hits in text order, or bare matches in that order.
    """
    words = [item[2] if isinstance(item[0], int) else item for item in task_words]  # type: ignore[misc]
    ctx = Context(theme_words, part_words) if theme_words or part_words else NO_CONTEXT
    return suggest_in(words, ctx, limit)


def suggest_in(words: Sequence[Match], ctx: Context, limit: int = MAX_SUGGESTIONS) -> list[SuggestedUnit]:
    """``suggest`` for a task's own matches in text order, its paragraph's ``Context`` given."""
    if not words:
        if not ctx.theme:
            return []
        # A task without words of its own: the theme's ranking, worked out once per paragraph
        # (each task gets its own copy: callers may edit a task's suggestions).
        alone = ctx._alone if limit == MAX_SUGGESTIONS else None
        if alone is None:
            alone = _ranking(ctx.ranked, {}, ctx, limit)
            if limit == MAX_SUGGESTIONS:
                ctx._alone = alone
        return [{"name": d["name"], "score": d["score"], "because": list(d["because"])} for d in alone]
    own: dict[str, float]
    because: dict[str, list[str]]
    theme_share = ctx.theme_share
    part_share = ctx.part_share
    if len(words) == 1 and len(words[0][1]) == 1:
        # One word naming one unit (a third of a report's tasks): the one-unit case below,
        # without building its dicts.
        word, (unit,), weight = words[0]
        if not theme_share or (len(theme_share) == 1 and unit in theme_share):
            total = weight + theme_share.get(unit, 0.0) + part_share.get(unit, 0.0)
            score = _SCORE.get(total)
            if score is None:
                score = _score(total)
            return [{"name": unit, "score": score, "because": _why(unit, {unit: [word]}, ctx)}]
    if len(words) == 1:
        # One word: its units, each with the word's weight (a word lists a unit once).
        word, units, weight = words[0]
        own = dict.fromkeys(units, weight)
        because = {}
        for unit in units:
            because[unit] = [word]
    else:
        own, because = _scores(words)
    if len(own) == 1 and (not theme_share or own.keys() == theme_share.keys()):
        # One unit: nothing to rank.
        for unit, own_score in own.items():
            total = own_score + theme_share.get(unit, 0.0) + part_share.get(unit, 0.0)
            score = _SCORE.get(total)
            if score is None:
                score = _score(total)
            return [{"name": unit, "score": score, "because": _why(unit, because, ctx)}]
    # The task's units in the order it names them rank before the theme's others at equal weight.
    ranked = []
    k = 0
    for unit, score in own.items():
        total = score + theme_share.get(unit, 0.0) + part_share.get(unit, 0.0)
        key = _SORT_KEY.get(total)
        if key is None:
            key = _SORT_KEY[total] = -round(total, 6)
        ranked.append((key, 0, k, unit, total))
        k += 1
    for item in ctx.ranked:
        if item[3] not in own:
            ranked.append(item)
    ranked.sort()
    return _ranking(ranked, because, ctx, limit)


def _ranking(
    ranked: list[tuple[float, int, int, str, float]], because: dict[str, list[str]], ctx: Context, limit: int
) -> list[SuggestedUnit]:
    top = ranked[0][4]
    out: list[SuggestedUnit] = []
    because_theme, because_part = ctx.because_theme, ctx.because_part
    for item in ranked[:limit]:
        total = item[4]
        if total < 0.3 * top:
            break
        unit = item[3]
        score = _SCORE.get(total)
        if score is None:
            score = _score(total)
        # ``_why``, written out: this loop makes most of a report's suggestions.
        why = because.get(unit, [])
        if unit in because_theme:
            why = why + because_theme[unit]
        if unit in because_part:
            why = why + because_part[unit]
        out.append({"name": unit, "score": score, "because": why})
    return out


def _why(unit: str, because: dict[str, list[str]], ctx: Context) -> list[str]:
    why = because.get(unit, [])
    if unit in ctx.because_theme:
        why = why + ctx.because_theme[unit]
    if unit in ctx.because_part:
        why = why + ctx.because_part[unit]
    return why


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
