"""One-to-one character normalisation.

Every rule works on the normalised text, every offset the parser reports points into the
original decoded text.  Both hold at once because normalisation maps each character to exactly
one character: the two strings have the same length and the same indices.
"""

from __future__ import annotations

import re

_TABLE: dict[int, str] = {}
# Full-width ASCII variants (！ to ～) → ASCII.
for _cp in range(0xFF01, 0xFF5F):
    _TABLE[_cp] = chr(_cp - 0xFEE0)
# Punctuation kept Chinese on purpose: sentence enders and the enumeration comma are what the
# structure rules look for, so （）：，；！？ stay full-width, as the reports write them.
for _ch in "（）：，；！？":
    del _TABLE[ord(_ch)]
_TABLE.update(
    {
        ord("\r"): "\n",
        ord("\u3000"): " ",  # ideographic space (paragraph indent)
        ord("\u00a0"): " ",
        ord("\u2002"): " ",
        ord("\u2003"): " ",
        ord("\u200b"): " ",  # zero-width space would otherwise glue tokens invisibly
        ord("\ufeff"): " ",
        ord("\t"): " ",
        ord("\u2014"): "-",  # em dash in ranges (5%—5.5%)
        ord("\u2013"): "-",
        ord("\u2012"): "-",
        ord("\u2212"): "-",
        ord("\uff5e"): "~",
        ord("\u301c"): "~",
        ord("\u2236"): ":",
        ord("\u00b7"): "·",
        ord("\uff0e"): ".",
        ord("\u2030"): "‰",
    }
)
# Sentence enders written in ASCII in some sources are brought to the Chinese form.
_TABLE.update({ord(";"): "；", ord("!"): "！", ord("?"): "？"})
# An ASCII comma stays: between digits it is a thousands separator (1,000).
# "(" and ")" become full-width so （一） and (一) look the same to the rules.
_TABLE.update({ord("("): "（", ord(")"): "）", 0xFF08: "（", 0xFF09: "）"})


# Most characters of a Chinese report map to themselves: find the few that do not with one
# character-class scan (C speed) instead of a per-character table lookup over the whole text.
# (（）and · map to themselves: left out, they cost a replacement call each and change nothing.)
_CHANGING = re.compile(
    "[" + "".join(re.escape(chr(cp)) for cp in sorted(_TABLE) if _TABLE[cp] != chr(cp)) + "]"
)


def _replace(m: re.Match[str]) -> str:
    return _TABLE[ord(m.group())]


def normalize(text: str) -> str:
    """Return ``text`` with full-width digits/letters/symbols made ASCII, Chinese punctuation
    unified, and CR/odd spaces made plain; ``len(result) == len(text)`` always."""
    # The ideographic space indents every paragraph (174 of the seed's 229 changed characters):
    # replaced in one C call first, the few others by the scan's callback.
    out = _CHANGING.sub(_replace, text.replace("\u3000", " "))
    # translate with single-character values cannot change the length; keep it that way.
    assert len(out) == len(text)
    return out
