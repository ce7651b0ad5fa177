"""Hostile and random input: only ParseError ever comes out, and time stays bounded.

Time is bounded by construction (linear scans with precompiled regexes); hypothesis' own
per-example deadline catches a pathological slowdown without a wall-clock assertion here.
"""

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.workplan import ParseError, decompose
from tests.workplan.test_offsets import _check

SETTINGS = settings(
    max_examples=150,
    deadline=datetime.timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text made of the pieces reports are made of, so structure rules actually fire.
PIECES = st.sampled_from(
    [
        "一、",
        "二、",
        "三、",
        "（一）",
        "（二）",
        "2021年工作安排",
        "工作回顾",
        "“十四五”",
        "目标任务",
        "今年",
        "年内",
        "8月底前",
        "7月1日起",
        "届时",
        "新建5G基站1.5万座",
        "增长8%",
        "60%-70%",
        "1000家",
        "太原、忻州",
        "长治久安",
        "高新技术企业",
        "老旧小区",
        "。",
        "；",
        "，",
        "\n",
        "\r\n",
        "\u3000\u3000",
        "各位代表",
        "#",
        "**",
        "１２３",
        "\ufeff",
    ]
)
REPORTISH = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=200).map("".join)


def _run(data, **kw):
    try:
        result = decompose(data, **kw)
    except ParseError as exc:
        assert exc.code in {
            "empty",
            "too_large",
            "binary",
            "unsupported_format",
            "encoding",
            "not_chinese",
            "not_a_report",
            # No year in the text and none given (the tests pass none).
            "bad_year",
        }
        assert exc.code != "bad_year" or kw.get("year") is None
        return None
    _check(result)
    return result


@SETTINGS
@given(REPORTISH)
def test_reportish_text(text):
    _run(text.encode("utf-8"))


@SETTINGS
@given(REPORTISH, st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-be"]))
def test_reportish_text_any_encoding(text, codec):
    try:
        raw = text.encode(codec)
    except UnicodeEncodeError:
        return
    _run(raw, name="r.txt")


@SETTINGS
@given(st.text())
def test_random_text(text):
    _run(text.encode("utf-8"))


@SETTINGS
@given(st.binary(max_size=4096), st.sampled_from([None, "a.txt", "a.docx", "a.html", "a.md", "a.pdf", "a"]))
def test_random_bytes(data, name):
    _run(data, name=name)


@SETTINGS
@given(REPORTISH)
def test_reportish_html(text):
    _run(("<html><body><p>" + text.replace("\n", "</p><p>") + "</p></body></html>").encode(), name="a.html")


@settings(max_examples=5, deadline=datetime.timedelta(seconds=30))
@given(st.sampled_from(["一、\n", "一、2021年工作安排\n", "（一）加快发展。\n", "三、\n（一）\n"]))
def test_hundred_thousand_headings(line):
    _run((line * 100_000).encode(), max_bytes=50 * 1024 * 1024)


@settings(max_examples=3, deadline=datetime.timedelta(seconds=30))
@given(st.sampled_from(["推进建设高新技术企业1000家，", "推", "1", "一、"]))
def test_one_megabyte_line(unit):
    body = unit * (1_000_000 // len(unit))
    _run(("三、2021年工作安排\n" + body + "。\n").encode(), max_bytes=50 * 1024 * 1024)


def test_deeply_nested_html():
    _run(("<div>" * 50_000 + "三、2021年工作安排" + "</div>" * 50_000).encode(), name="a.html")
