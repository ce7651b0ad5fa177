"""Every span the parser reports is a slice of the decoded text, whatever its width or line ends."""

import pytest

from duban.workplan import decompose

_FULL = {
    ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789%.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+-"
}


def _fullwidth_crlf_bom(text: str) -> bytes:
    return "\ufeff".encode() + text.translate(_FULL).replace("\n", "\r\n").encode("utf-8")


def _spans(result):
    for t in result["tasks"]:
        yield "task", t
        for x in t["targets"]:
            yield "target", x
        if t["deadline"]:
            yield "deadline", t["deadline"]
        for p in t["places"]:
            yield "place", {"text": None, **p}


def _check(result):
    text = result["text"]
    n = 0
    for kind, span in _spans(result):
        assert 0 <= span["start"] < span["end"] <= len(text), (kind, span)
        if span.get("text") is not None:
            assert text[span["start"] : span["end"]] == span["text"], (kind, span)
        n += 1
    for t in result["tasks"]:
        for x in [*t["targets"], *t["places"], *([t["deadline"]] if t["deadline"] else [])]:
            assert t["start"] <= x["start"] and x["end"] <= t["end"]
    return n


def test_seed_offsets(seed_result):
    assert _check(seed_result) > 300


def test_places_text_matches_a_name(seed_result):
    text = seed_result["text"]
    places = [p for t in seed_result["tasks"] for p in t["places"]]
    assert places
    for p in places:
        mention = text[p["start"] : p["end"]]
        assert mention and (mention in p["name"] or p["name"].startswith(mention[:2]))


@pytest.fixture(scope="module")
def variant(seed_text):
    raw = _fullwidth_crlf_bom(seed_text)
    return decompose(raw, name="report.txt")


def test_variant_offsets(variant, seed_text):
    assert variant["source"]["encoding"] == "utf-8-sig"
    assert not variant["text"].startswith("\ufeff")
    assert "\r\n" in variant["text"] and "２０２１" in variant["text"]
    assert _check(variant) > 300


def test_variant_finds_the_same_things(variant, seed_result):
    def key(r):
        return [
            (
                t["id"],
                [(x["value"], x["unit"].translate(_FULL)) for x in t["targets"]],
                t["deadline"] and t["deadline"]["date"],
            )
            for t in r["tasks"]
        ]

    # Offsets differ (CRLF adds a character per line) but the content is the same.
    a, b = key(seed_result), key(variant)
    assert [k[0] for k in a] == [k[0] for k in b]
    assert [(len(k[1]), k[2]) for k in a] == [(len(k[1]), k[2]) for k in b]
    assert [v for k in a for v, _ in k[1]] == [v for k in b for v, _ in k[1]]


def test_section_and_part_offsets(seed_result):
    text = seed_result["text"]
    for s in seed_result["sections"]:
        assert text[s["start"] : s["end"]].lstrip().startswith(s["number"] + "、")
        assert s["title"] in text[s["start"] : s["end"]]
        for p in s["parts"]:
            assert s["start"] <= p["start"] < p["end"] <= s["end"]
            assert text[p["start"] :].startswith(p["number"] + p["title"])
