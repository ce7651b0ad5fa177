"""Classification markings (密级标志): local rules keep classified matters (涉密事项) out of the
system, so items, progress reports and imported reports that carry a marking are refused.

Pure Python (no Django): the words come from the caller (settings ``DUBAN_CLASSIFIED_MARKINGS``).

The words themselves are ordinary Chinese — 商业秘密保护, 保守国家机密, 内部控制, 机密性 all occur
in reports — so a word counts only where it is *used as a marking*, in the forms the national
standard for official documents (GB/T 9704) and everyday practice give it:

* followed by the star that separates the level from its period: ``秘密★一年``, ``机密★``,
  ``绝密★启用前``, ``内部★``; an ASCII/full-width asterisk only with a period after it
  (``机密*10年``), because ``**秘密**`` is Markdown emphasis;
* after the label 密级: ``密级：机密``;
* at the head of the text (its first few non-empty lines), as a line of its own or as a
  bracketed tag opening a line: ``秘密``, ``内部资料``, ``【内部资料】关于…的报告``,
  ``（机密）``, ``内部资料 注意保存``; or opening the first line followed by a space
  (``机密 关于…``).

A word inside a sentence never matches: nothing in those forms occurs in ordinary prose.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

# The head of a text: markings sit above the title, so a few lines suffice.
HEAD_LINES = 5

_SP = r"[ \t\u3000]*"
_STAR = "★☆✩✪✫✬✭✮✯✰⭐"
_PERIOD = r"(?:[0-9０-９〇零一二两三四五六七八九十百]+" + _SP + r"(?:年|个月|月|日|天)|长期|启用前|解密前)"
_OPEN = r"[【\[〔（(<《「『]"
_CLOSE = r"[】\]〕）)>》」』]"
# What may follow the word when it stands as a marking at the head: 内部资料, 机密文件, 秘密级 …
_SUFFIX = r"(?:资料|文件|材料|刊物|参考|使用|件|级)?"
_KEEP = r"(?:[，,、 \t\u3000]*注意保[存密管])?"


def _spaced(word: str) -> str:
    # Headers are often typeset with spaces between the characters ("机  密★1年").
    return _SP.join(re.escape(ch) for ch in word)


@functools.lru_cache(maxsize=16)
def _patterns(words: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    alt = "|".join(_spaced(w) for w in sorted(words, key=len, reverse=True))
    anywhere = re.compile(
        rf"(?:{alt}){_SP}(?:[{_STAR}]{_SP}{_PERIOD}?|[*＊]{_SP}{_PERIOD})"  # 秘密★一年, 机密*10年
        rf"|密{_SP}级{_SP}[:：]{_SP}{_OPEN}?{_SP}(?:{alt})"  # 密级：机密
    )
    line = re.compile(
        rf"^{_SP}{_OPEN}?{_SP}(?:{alt}){_SUFFIX}{_KEEP}{_SP}{_CLOSE}?{_SP}$"  # a line of its own
        rf"|^{_SP}{_OPEN}{_SP}(?:{alt}){_SUFFIX}{_KEEP}{_SP}{_CLOSE}"  # 【内部资料】关于…
    )
    first = re.compile(rf"^{_SP}(?:{alt}){_SUFFIX}[ \t\u3000]+\S")  # 机密 关于…
    return anywhere, line, first


def find_marking(text: str, words: Iterable[str]) -> str | None:
    """The first classification marking in ``text`` (as written, trimmed), or None."""
    words = tuple(w for w in words if w)
    if not words or not text:
        return None
    anywhere, line_pat, first_pat = _patterns(words)
    m = anywhere.search(text)
    if m is not None:
        return m.group().strip()
    head = [ln for ln in text.splitlines()[: HEAD_LINES * 4] if ln.strip()][:HEAD_LINES]
    for i, ln in enumerate(head):
        m = line_pat.search(ln)
        if m is None and i == 0:
            m = first_pat.search(ln)
            if m is not None:
                return m.group()[:-1].strip()
        if m is not None:
            return m.group().strip()
    return None


def find_in(fields: Mapping[str, str], words: Iterable[str]) -> tuple[str, str] | None:
    """``(field, marking)`` for the first field of ``fields`` that carries a marking, or None."""
    words = tuple(words)
    for field, text in fields.items():
        found = find_marking(text or "", words)
        if found is not None:
            return field, found
    return None


def refusal_message(marking: str, what: str = "内容") -> str:
    """The Chinese reason given to the user, naming the marking found."""
    return f"{what}含有密级标志“{marking}”：按规定，涉密事项不得录入本系统，请通过保密渠道办理"
