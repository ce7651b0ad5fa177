"""The parser's shortcuts give what the long way gives, and shared work is never shared state."""

from hypothesis import given, settings
from hypothesis import strategies as st

from duban.workplan.normalize import _TABLE, normalize
from duban.workplan.phrases import PhraseIndex
from duban.workplan.titles import _FAST, _long_title, short_title
from duban.workplan.units import MAX_SUGGESTIONS, Context, default_vocabulary, suggest_in

# Pieces of task sentences: clause marks, quotes, blanks of several kinds, list numbers, framing
# words and subjects, so that every branch of the shortcut's test is exercised.
TITLE_PIECES = st.sampled_from(
    [
        "推进改革",
        "加快建设现代化产业体系",
        "，",
        "。",
        "；",
        "：",
        "、",
        "“",
        "”",
        " ",
        "\u3000",
        "\t",
        "\n",
        "一、",
        "（二）",
        "1.",
        "三是",
        "到2025年",
        "今年",
        "我们要",
        "我省将",
        "以创新为引领",
        "和",
        "等",
        "全面完成脱贫攻坚任务",
        "!",
        "?",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(TITLE_PIECES, min_size=1, max_size=12).map("".join))
def test_the_title_shortcut_agrees_with_the_long_way(text):
    if _FAST.match(text) is not None:
        assert short_title(text) == _long_title(text, "")


def test_the_title_shortcut_is_taken_for_a_plain_first_clause():
    assert _FAST.match("推进“证照分离”改革全覆盖。") is None  # quotes: the long way
    assert _FAST.match("加快建设现代化产业体系，推动高质量发展。") is not None
    assert short_title("加快建设现代化产业体系，推动高质量发展。") == "加快建设现代化产业体系"


def _matches(vocab_words):
    index = default_vocabulary().index
    text = "".join(vocab_words)
    return [v for _s, _e, v in index.finditer(text)]


def test_a_paragraphs_shared_ranking_is_copied_for_each_task():
    theme = _matches(["科技创新", "农业", "交通"])
    assert theme, "the shipped vocabulary knows these words"
    ctx = Context(theme)
    first = suggest_in([], ctx)
    second = suggest_in([], ctx)
    assert first == second and first
    assert first is not second and first[0] is not second[0]
    first[0]["because"].append("edited")
    first[0]["name"] = "edited"
    assert "edited" not in second[0]["because"] and second[0]["name"] != "edited"
    assert suggest_in([], ctx) == second


def test_a_smaller_limit_does_not_change_the_paragraphs_ranking():
    ctx = Context(_matches(["科技创新", "农业", "交通", "教育", "医疗卫生"]))
    one = suggest_in([], ctx, limit=1)
    full = suggest_in([], ctx)
    assert len(one) == 1
    assert len(full) <= MAX_SUGGESTIONS and full[0] == one[0]
    assert suggest_in([], Context(_matches(["科技创新", "农业", "交通", "教育", "医疗卫生"]))) == full


# Overlapping phrases (a prefix, a longer one, one starting inside another, a stop phrase).
_PHRASES = [
    ("中国", 1),
    ("中国家", 2),
    ("国家", 3),
    ("科技创新", 4),
    ("科技", 5),
    ("长治久安", None),
    ("长治", 6),
]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="中国家科技创新农业村长治久安太原市", max_size=40))
def test_the_phrase_scan_is_leftmost_longest_and_non_overlapping(text):
    index = PhraseIndex(_PHRASES)
    starts, ends, values = index.scan(text)
    # The reference: at each position, the longest phrase there, then on from its end.
    expected = []
    table = {"中国": 1, "中国家": 2, "国家": 3, "科技创新": 4, "科技": 5, "长治久安": None, "长治": 6}
    p = 0
    while p < len(text):
        for n in (4, 3, 2):
            if text[p : p + n] in table and p + n <= len(text):
                if table[text[p : p + n]] is not None:
                    expected.append((p, p + n, table[text[p : p + n]]))
                p += n
                break
        else:
            p += 1
    assert list(zip(starts, ends, values, strict=True)) == expected
    assert list(index.finditer(text)) == expected


def test_remembered_sort_keys_and_scores_are_those_of_round_and_stay_bounded():
    import math

    from duban.workplan import units

    ctx = Context(_matches(["科技创新", "农业", "交通", "教育"]), _matches(["农业", "交通"]))
    words = _matches(["科技创新", "医疗卫生", "农业"])
    assert len(words) >= 2
    got = suggest_in(words, ctx)
    assert got
    # Every remembered value is what ``round`` gives for its total.
    assert units._SORT_KEY and units._SCORE
    for total, key in units._SORT_KEY.items():
        assert key == -round(total, 6)
    for total, score in units._SCORE.items():
        assert score == round(1 - math.exp(-total), 2)
    # Once past the bound, the next paragraph's Context empties both tables.
    for k in range(units._MEMO_MAX + 1):
        units._SORT_KEY[float(k) + 0.5] = -round(float(k) + 0.5, 6)
    Context(_matches(["农业"]))
    assert len(units._SORT_KEY) <= 1
    assert len(units._SCORE) == 0
    assert suggest_in(words, ctx) == got


_NORMALIZE_ALPHABET = "".join(chr(cp) for cp in sorted(_TABLE))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_NORMALIZE_ALPHABET + "中文 a1\u3000\n（）·", max_size=60))
def test_normalize_is_the_tables_translation(text):
    # The shortcut (the ideographic space replaced first, identity entries left out of the scan)
    # gives exactly the one-to-one translation by the table.
    assert normalize(text) == text.translate(_TABLE)


# Matches as the vocabulary gives them, and two that share a written word but not their units (a
# quoted slogan and its bare form are two keys with one written word).
_MATCHES = [
    ("科技创新", ("科技厅",), 1.0),
    ("农业", ("农业农村厅", "乡村振兴局"), 0.5),
    ("交通", ("交通运输厅",), 0.5),
    ("“六新”", ("工信厅", "科技厅"), 0.5),
    ("“六新”", ("发展改革委",), 0.5),
    ("教育", ("教育厅",), 0.5),
]


def _scores_by_pairs(words):
    """The ranking's scores as first written: a (unit, word) pair seen before counts half."""
    scores, because, seen = {}, {}, set()
    for word, units, weight in words:
        for unit in units:
            if (unit, word) in seen:
                scores[unit] = scores.get(unit, 0.0) + weight * 0.5
            else:
                seen.add((unit, word))
                scores[unit] = scores.get(unit, 0.0) + weight
                because.setdefault(unit, []).append(word)
    return scores, because


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MATCHES), max_size=8), st.lists(st.sampled_from(_MATCHES), max_size=4))
def test_scores_kept_per_word_are_those_kept_per_pair(words, part_words):
    from duban.workplan.units import PART_FACTOR, THEME_FACTOR, _scores

    got = _scores(words)
    assert got == _scores_by_pairs(words)
    # Same order of units too (the ranking breaks ties by it).
    assert list(got[0]) == list(_scores_by_pairs(words)[0])
    # A paragraph's Context ranks its theme's units by total, then in the order the theme names them.
    ctx = Context(words, part_words)
    theme, _ = _scores_by_pairs(words)
    part, _ = _scores_by_pairs(part_words)
    expected = sorted(
        (-round(0.0 + THEME_FACTOR * v + PART_FACTOR * part.get(u, 0.0), 6), 1, i, u)
        for i, (u, v) in enumerate(theme.items())
    )
    assert [r[:4] for r in ctx.ranked] == expected


_DEADLINE_ALPHABET = '0123456789一二三四五六七八九十明今年上下第到至“”"届自从月季末底前之起开始日号旬中份半度期时内以后的建成实现比较 \n，。'


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_DEADLINE_ALPHABET, max_size=40))
def test_the_deadline_patterns_reach_lookahead_drops_no_match(text):
    import re

    from duban.workplan.deadlines import _HINT_REACH, _PATTERN

    # The pattern without the lookahead that wants one of 月年季末届 within reach.
    reach = rf"(?=[^\n]{{0,{_HINT_REACH}}}[月年季末届])"
    assert reach in _PATTERN.pattern
    plain = re.compile(_PATTERN.pattern.replace(reach, "", 1))
    for lo in (0, len(text) // 3):
        got = [(m.span(), m.groupdict()) for m in _PATTERN.finditer(text, lo)]
        assert got == [(m.span(), m.groupdict()) for m in plain.finditer(text, lo)]


def test_the_deadline_pattern_matches_the_longest_form_within_reach():
    from duban.workplan.deadlines import find_deadlines

    # The form whose hint character lies furthest from its start: a four-character plan number.
    text = "到“二十一五”时期末完成"
    found = find_deadlines(text, 0, len(text), plan_year=2026)
    assert [d.text for d in found] == ["到“二十一五”时期末"]


def _commitment_clause_to_the_next(body, limit=8):
    """The clause choice as first written: a clause is judged when the next one is cut out."""
    from duban.workplan.titles import _FRAME, _MARKS

    found, depth, start, seen = None, 0, 0, 0
    for m in _MARKS.finditer(body):
        ch = m.group()
        if ch in "“「『":
            depth += 1
        elif ch in "”」』":
            depth = max(0, depth - 1)
        elif depth == 0:
            clause = body[start : m.start()].strip()
            start = m.end()
            seen += 1
            if clause:
                if found is not None and not (len(found) <= 16 and _FRAME.match(found)):
                    return found
                found = clause
            if seen >= limit:
                return found
    clause = body[start:].strip()
    if clause:
        if found is not None and not (len(found) <= 16 and _FRAME.match(found)):
            return found
        found = clause
    return found


@settings(max_examples=500, deadline=None)
@given(st.lists(TITLE_PIECES, min_size=0, max_size=16).map("".join), st.integers(1, 8))
def test_the_commitment_clause_is_chosen_without_the_clause_after_it(body, limit):
    from duban.workplan.titles import _commitment_clause

    assert _commitment_clause(body, limit) == _commitment_clause_to_the_next(body, limit)


# The targets' patterns as first written (opening on a lookahead, a lookbehind or a repeat, which
# the engine tries at every position), against the ones that open on characters.
def _first_written_target_patterns():
    import re

    from duban.workplan import targets as t

    cn, units = t._CN_NUMERAL, t._CN_COUNT_UNITS
    return {
        "anchor": re.compile(
            rf"(?=[\d{cn}])(?:(?P<ar>{t._ARABIC})|(?<![{cn}])(?P<cn>[{cn}]++)(?=[{units}]))"
        ),
        "pre": re.compile(rf"(?<![预节制合])(?P<w>{t._alt(t._PRE_WORDS.keys())})(?:达到|达|到|在|为)?$"),
        "listing": re.compile(r"(?:以下|如下|下列|下述|(?<![自])[从由](?:\d{4}年(?:底|末)?的?)?)$"),
        "trail": re.compile(
            "(?=["
            + "".join(sorted({w[0] for w in t._TRAIL_VERB_WORDS}))
            + "])(?:"
            + t._alt(t._TRAIL_VERB_WORDS)
            + ")+$"
        ),
    }


_TARGET_PIECES = st.sampled_from(
    "自从 从 由 自由 以下 如下 下列 2020年 2020年底的 约 预约 节约 不低于 低于 超过 达到 达 为 近 两 三 十 一百 "
    "千 个 家 项 5 12 1,000 3.5 万 % 增长 提高 分别 比上年 累计 新建 和 、 ， 。 企业".split()
)


@settings(max_examples=800, deadline=None)
@given(st.lists(_TARGET_PIECES, max_size=10).map("".join), st.integers(0, 6))
def test_the_targets_patterns_that_open_on_characters_match_as_first_written(text, lo):
    from duban.workplan import targets as t

    old = _first_written_target_patterns()
    lo = min(lo, len(text))
    got = [(m.span(), m.group(2) is not None) for m in t._ANCHOR.finditer(text, lo)]
    assert got == [(m.span(), m.group(2) is not None) for m in old["anchor"].finditer(text, lo)]
    # Searched as the rules search them: over the few characters before a number.
    for end in range(lo, len(text) + 1):
        for new, first in ((t._PRE, old["pre"]), (t._LISTING_BEFORE, old["listing"])):
            a, b = new.search(text, lo, end), first.search(text, lo, end)
            assert (a and (a.span(), a.group(0))) == (b and (b.span(), b.group(0)))
        p, q = t._PRE.search(text[lo:end]), old["pre"].search(text[lo:end])
        assert (p and p.group("w")) == (q and q.group("w"))
        assert t._TRAIL_VERB.sub("", text[lo:end]) == old["trail"].sub("", text[lo:end])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(TITLE_PIECES, min_size=1, max_size=12).map("".join), st.sampled_from(["", "推进改革。"])
        ),
        max_size=6,
    )
)
def test_short_titles_in_one_loop_are_each_short_title(rows):
    from duban.workplan.titles import short_titles

    texts, themes = [t for t, _ in rows], [h for _, h in rows]
    assert short_titles(texts, themes) == [short_title(t, h) for t, h in rows]


def test_a_target_stays_immutable_and_is_replaced_not_edited():
    import pytest

    from duban.workplan.targets import find_targets

    (t,) = find_targets("新认定高新技术企业1000家。", 0, 14)
    with pytest.raises(AttributeError):
        t.value = 1  # type: ignore[misc]
    other = t._replace(indicator="企业")
    assert (t.indicator, other.indicator, other.value) == ("高新技术企业", "企业", t.value)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="中国家科技创新农业村长治久安太原市", max_size=30),
    st.integers(0, 30),
    st.integers(0, 30),
)
def test_the_phrase_scan_within_bounds_is_the_scan_of_the_cut_text(text, lo, hi):
    # The head is captured by a lookahead inside the candidate's lookbehind: it must stop at the
    # scan's end as the scan of the text cut there does.
    index = PhraseIndex(_PHRASES)
    lo, hi = min(lo, len(text)), min(max(lo, hi), len(text))
    starts, ends, values = index.scan(text, lo, hi)
    cut = index.scan(text[lo:hi])
    assert (starts, ends, values) == ([s + lo for s in cut[0]], [e + lo for e in cut[1]], cut[2])


def test_a_past_opening_starts_as_the_walk_expects():
    from itertools import product

    from duban.workplan.pipeline import _PAST_STARTS, _opens_on_past

    pieces = [
        "过去五年",
        "五年来",
        "这五年",
        "过去一年",
        "一年来",
        "“",
        '"',
        "十四五",
        "十五",
        "”",
        "时期",
        "以来",
        "，",
        ",",
    ]
    taken = 0
    for n in range(1, 5):
        for combo in product(pieces, repeat=n):
            opening = "".join(combo)
            for year in (None, 2021, 2026):
                if _opens_on_past(opening, year):
                    taken += 1
                    assert opening.startswith(_PAST_STARTS), opening
    assert taken > 1000


_FILLER_PIECES = st.sampled_from(
    [
        "以下",
        "如下",
        "以",
        "如",
        "下",
        "作简要报告",
        "作",
        "思想为指导",
        "思想",
        "重点工作",
        "。",
        "：",
        "！",
        "报告",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_FILLER_PIECES, max_size=10).map("".join), st.integers(0, 40), st.integers(0, 40))
def test_a_filler_inside_a_sentence_has_a_hint_from_the_sections_scan(text, s, e):
    from duban.workplan.pipeline import _FILLER_INSIDE, _FILLER_INSIDE_HINT

    s, e = min(s, len(text)), min(max(s, e), len(text))
    hints = [m.start() for m in _FILLER_INSIDE_HINT.finditer(text)]
    if _FILLER_INSIDE.search(text, s, e):
        assert any(s <= h < e for h in hints)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="中文报告\x01\x07\x08\t\n\x0b\x0c\r\x0e\x1a\x1f\x7f a1", max_size=40))
def test_utf8_without_a_control_byte_skips_the_control_search(text):
    from duban.workplan.decode import _no_controls, decode_text
    from duban.workplan.errors import ParseError

    def outcome(f):
        try:
            return f()
        except ParseError as exc:
            return exc.code

    # What the strict UTF-8 path gave before it read the bytes once for NULs and controls.
    assert outcome(lambda: decode_text(text.encode())) == outcome(lambda: (_no_controls(text), "utf-8"))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([m for m in _MATCHES if len(m[1]) == 1]),
    st.lists(st.sampled_from(_MATCHES), max_size=3),
    st.lists(st.sampled_from(_MATCHES), max_size=3),
)
def test_one_word_of_one_unit_is_ranked_as_the_long_way_ranks_it(match, theme, part):
    word, (unit,), weight = match
    ctx = Context(theme, part)
    # The unit named twice takes the long way (dict.fromkeys keeps it once): the same ranking.
    assert suggest_in([match], ctx) == suggest_in([(word, (unit, unit), weight)], ctx)
