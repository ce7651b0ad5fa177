"""Bytes to text: which format, which encoding, and refusals with advice.

Formats: plain text (.txt/.md), HTML (.html/.htm, stdlib parser), Word (.docx, python-docx,
imported only when needed).  Encodings are detected, never assumed: byte-order marks, strict
UTF-8, UTF-16 without a BOM (NUL bytes at alternating positions), GB18030 (a superset of GBK and
GB2312), then charset-normalizer as a last resort.  Every refusal is a ``ParseError`` whose code is
stable and whose message tells the user what to do.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from duban.workplan.errors import ParseError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what one upload may become, checked while it is decoded so a small file that
    expands (a zip bomb, 100k short lines, 10k numbered tasks) is refused in well under a second
    instead of holding the server for minutes.  The defaults are far above any real report: the
    largest of 40 real reports is about 33k characters, 1,000 lines and 414 tasks."""

    max_chars: int = 300_000
    max_lines: int = 20_000
    max_tasks: int = 3_000
    # Everything inside a .docx once unzipped (document.xml, styles, images together).
    max_unzipped: int = 20 * 1024 * 1024


DEFAULT_LIMITS = Limits()
# A .docx is a handful of XML parts and maybe some images; thousands of entries are not Word's.
_DOCX_MAX_ENTRIES = 2_000
# Word's XML deflates 5–20×; a part that claims more than this is built to expand, not to be read.
_DOCX_MAX_RATIO = 200
_DOCX_RATIO_FLOOR = 1024 * 1024
_DOCX_CHUNK = 64 * 1024

TEXT_FORMATS = ("txt", "md", "html", "htm", "docx")
_UNSUPPORTED_EXT = {
    "pdf": "PDF",
    "doc": "Word 97-2003 (.doc)",
    "wps": "WPS",
    "xls": "Excel",
    "xlsx": "Excel",
    "et": "WPS 表格",
    "ppt": "PowerPoint",
    "pptx": "PowerPoint",
    "rtf": "RTF",
    "odt": "OpenDocument",
    "ofd": "OFD",
}
_SAVE_AS = "请另存为 .docx 或 .txt 后重新上传"

# Magic numbers of files that are certainly not a text report.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"\x7fELF", "可执行文件"),
    (b"MZ", "可执行文件"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"Rar!\x1a\x07", "RAR 压缩包"),
    (b"BZh", "bzip2 压缩包"),
    (b"\xfd7zXZ\x00", "xz 压缩包"),
    (b"OggS", "音频文件"),
    (b"ID3", "音频文件"),
    (b"\x00\x00\x00\x18ftyp", "视频文件"),
    (b"\x00\x00\x00\x20ftyp", "视频文件"),
    (b"SQLite format 3\x00", "数据库文件"),
)

_SPACE_RUN = re.compile(r"\s+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# C0 controls other than tab, LF, VT, FF, CR (and DEL).  A text report has none of them.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# The same, and NUL, as bytes: in UTF-8 each is the byte of the same value, and every byte of a
# longer character is 0x80 or above.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    format: str
    sha256: str
    name: str | None
    size: int


def read_bytes(
    data: bytes | str | os.PathLike[str], name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[bytes, str | None, str | None]:
    """``(raw, name, text)``: raw bytes of the upload, its name, and the text itself when
    ``data`` was already a (non-path) string."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if len(raw) > max_bytes:
            raise _too_large(max_bytes)
        return raw, name, None
    if isinstance(data, str) and not _looks_like_path(data):
        return data.encode("utf-8"), name, data
    path = Path(os.fspath(data))
    # OSError (missing file, no permission) is the caller's to report: it is not a bad report.
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _too_large(max_bytes)
    return raw, name or path.name, None


_FILE_NAME = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def _looks_like_path(s: str) -> bool:
    """A str is a path when a file is there, or when it reads like a file name (one short line
    ending in an extension): a missing file is then reported as such, not as a bad report."""
    if not s or "\n" in s or len(s) > 4096 or "\x00" in s:
        return False
    try:
        if Path(s).is_file():
            return True
    except (OSError, ValueError):
        return False
    return len(s) <= 1024 and _FILE_NAME.search(s.strip()) is not None


def _too_large(max_bytes: int) -> ParseError:
    mb = max_bytes / (1024 * 1024)
    limit = f"{mb:g} MB" if mb >= 1 else f"{max_bytes} 字节"
    return ParseError(
        "too_large", f"文件过大：请上传不超过 {limit} 的报告全文（纯文字的报告通常只有几百 KB）"
    )


def extension(name: str | None) -> str:
    if not name:
        return ""
    base = os.path.basename(str(name))
    if "." not in base:
        return ""
    return base.rsplit(".", 1)[1].lower().strip()


def decode(
    data: bytes | str | os.PathLike[str],
    *,
    name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: Limits = DEFAULT_LIMITS,
) -> Decoded:
    """Read, sniff, decode and extract the text of an upload, or raise ``ParseError``."""
    import hashlib

    raw, name, given_text = read_bytes(data, name, max_bytes)
    sha = hashlib.sha256(raw).hexdigest()
    ext = extension(name)
    if given_text is not None:
        text = given_text.removeprefix("\ufeff")
        fmt = "html" if ext in ("html", "htm") else ("md" if ext == "md" else "txt")
        check_limits(text, limits, markup=fmt == "html")
        if fmt == "html":
            text = html_to_text(text, limits)
            check_limits(text, limits)
        _check_text(text, raw_empty=not given_text.strip())
        return Decoded(text, "utf-8", fmt, sha, name, len(raw))

    if not raw.strip(b" \t\r\n\x00\x0b\x0c") or raw in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        raise ParseError("empty", "文件是空的：请上传政府工作报告全文（.txt、.docx、.html 或 .md）")

    if ext in _UNSUPPORTED_EXT:
        raise ParseError(
            "unsupported_format", f"暂不支持 {_UNSUPPORTED_EXT[ext]} 格式：{_SAVE_AS}", position=None
        )
    kind = _sniff_magic(raw)
    if kind == "docx" or (ext == "docx" and kind == "zip"):
        text = docx_to_text(raw, limits)
        check_limits(text, limits)
        _check_text(text, raw_empty=False)
        return Decoded(text, "utf-8", "docx", sha, name, len(raw))
    if kind is not None:
        _refuse_magic(kind)
    if ext == "docx":
        # Named .docx but not a Word package: maybe text saved with the wrong name; decode below.
        ext = "txt"

    text, encoding = decode_text(raw)
    fmt = ext if ext in ("md", "html", "htm") else "txt"
    if fmt == "txt" and _looks_like_html(text):
        fmt = "html"
    # Before any further work: unwrapping, HTML parsing and the structure all grow with the text.
    check_limits(text, limits, markup=fmt in ("html", "htm"))
    if fmt in ("html", "htm"):
        fmt = "html"
        text = html_to_text(text, limits)
        check_limits(text, limits)
    elif fmt == "txt":
        text = unwrap_hard_breaks(text)
    _check_text(text, raw_empty=False)
    return Decoded(text, encoding, fmt, sha, name, len(raw))


# Markup around the text of a saved web page (a report page of a government site is a few
# hundred KB). The HTML parser is pure Python (~1 MB/s), so the markup itself is capped too: at
# five times the text cap, about a second of parsing.
_MARKUP_FACTOR = 5


def too_large(what: str) -> ParseError:
    """The ``too_large`` refusal for a report that decodes to more than the limits allow."""
    return ParseError(
        "too_large",
        f"报告内容过多（{what}）：政府工作报告通常只有几万字、几百项任务，"
        "请确认上传的是一份报告的全文；如确需导入更大的文件，请联系管理员调整上限",
    )


def check_limits(text: str, limits: Limits, *, markup: bool = False) -> None:
    """Refuse ``text`` with ``too_large`` when it has more characters or lines than allowed."""
    max_chars = limits.max_chars * (_MARKUP_FACTOR if markup else 1)
    if len(text) > max_chars:
        raise too_large(f"超过 {max_chars:,} 字")
    # Markup lines are layout: only the text extracted from it counts its lines.
    if not markup and text.count("\n") >= limits.max_lines:
        raise too_large(f"超过 {limits.max_lines:,} 行")


def _sniff_magic(raw: bytes) -> str | None:
    head = raw[:16]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError, NotImplementedError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.startswith("ppt/") for n in names):
            return "pptx"
        if "content.xml" in names:
            return "odf"
        return "zip"
    for magic, label in _BINARY_MAGIC:
        if head.startswith(magic):
            # "BM" and "MZ" are two ordinary letters: only binary if NULs follow soon.
            if magic in (b"BM", b"MZ") and b"\x00" not in raw[:64]:
                continue
            return "binary:" + label
    return None


def _refuse_magic(kind: str) -> None:
    labels = {
        "pdf": "PDF",
        "ole": "Word 97-2003 (.doc) 或 Excel (.xls)",
        "rtf": "RTF",
        "xlsx": "Excel (.xlsx)",
        "pptx": "PowerPoint (.pptx)",
        "odf": "OpenDocument",
    }
    if kind in labels:
        raise ParseError("unsupported_format", f"暂不支持 {labels[kind]} 格式：{_SAVE_AS}")
    label = kind.split(":", 1)[1] if ":" in kind else "压缩包"
    raise ParseError("binary", f"这是{label}，不是文字报告：请上传政府工作报告的 .docx 或 .txt 文件")


def _binary_error(position: int | None = None) -> ParseError:
    return ParseError(
        "binary", "文件含有二进制内容，不是文字报告：请上传政府工作报告的 .docx 或 .txt 文件", position
    )


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode bytes of a text file; ``(text, encoding name)``."""
    # Byte-order marks first (UTF-32 before UTF-16: FF FE 00 00 starts both).
    if raw.startswith(b"\xef\xbb\xbf"):
        return _strict(raw[3:], "utf-8", "utf-8-sig"), "utf-8-sig"
    if raw.startswith(b"\xff\xfe\x00\x00") or raw.startswith(b"\x00\x00\xfe\xff"):
        codec = "utf-32-le" if raw[0] == 0xFF else "utf-32-be"
        return _strict(raw[4:], codec, "utf-32"), "utf-32"
    if raw.startswith(b"\xff\xfe"):
        return _strict(raw[2:], "utf-16-le", "utf-16-le"), "utf-16-le"
    if raw.startswith(b"\xfe\xff"):
        return _strict(raw[2:], "utf-16-be", "utf-16-be"), "utf-16-be"

    # One pass over the bytes for what the checks below look for: an upload with no NUL and no
    # control byte (almost every one) is not searched for either again.
    plain = len(raw.translate(None, _CONTROL_BYTES)) == len(raw)
    nuls = 0 if plain else raw.count(b"\x00")
    if nuls:
        utf16 = _utf16_without_bom(raw)
        if utf16 is None:
            raise _binary_error(raw.find(b"\x00"))
        return _strict(raw, utf16, utf16), utf16

    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return (utf8 if plain else _no_controls(utf8)), "utf-8"
    # UTF-8 with a handful of broken bytes (a file cut mid-character, one bad copy-paste) is
    # still UTF-8; read as GB18030 it would turn into plausible-looking nonsense.
    lenient = raw.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    if broken <= max(3, len(lenient) // 5000) and _cjk_share(lenient) >= 0.3:
        return _no_controls(lenient), "utf-8"
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _cjk_share(text) >= 0.3:
        return _no_controls(text), "gb18030"
    # Chinese UTF-16 without a BOM has no NULs at all; try both byte orders.
    if len(raw) % 2 == 0:
        best: tuple[float, str, str] | None = None
        for codec in ("utf-16-le", "utf-16-be"):
            try:
                t = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            share = _cjk_share(t)
            if share >= 0.5 and (best is None or share > best[0]):
                best = (share, t, codec)
        if best is not None:
            return _no_controls(best[1]), best[2]
    if text is not None:
        return _no_controls(text), "gb18030"
    return _charset_normalizer(raw)


def _strict(raw: bytes, codec: str, label: str) -> str:
    try:
        return _no_controls(raw.decode(codec))
    except UnicodeDecodeError as exc:
        raise ParseError(
            "encoding",
            f"文件声明为 {label} 编码，但第 {exc.start} 字节处无法解码：请用记事本或 Word 另存为 UTF-8 文本后重新上传",
            exc.start,
        ) from None


def _utf16_without_bom(raw: bytes) -> str | None:
    """The UTF-16 byte order that reads ``raw`` as text, or None when it is not UTF-16.

    Chinese UTF-16 has NULs wherever a character's high or low byte is 0 (ASCII, and the CJK
    characters U+4E00, U+5100 …), so the test is the decoded result: mostly CJK, or — for
    ASCII-heavy text — NULs on one side only.
    """
    if len(raw) % 2:
        return None
    sample = raw[: 1 << 16]
    best: tuple[float, str] | None = None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = sample.decode(codec, errors="strict")
        except UnicodeDecodeError:
            # The sample may cut a surrogate pair; judge the rest.
            try:
                text = sample[:-2].decode(codec)
            except UnicodeDecodeError:
                continue
        if _CONTROL.search(text) is not None and len(_CONTROL.findall(text)) > len(text) // 100:
            continue
        share = _cjk_share(text)
        if best is None or share > best[0]:
            best = (share, codec)
    if best is not None and best[0] >= 0.3:
        return best[1]
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    pairs = len(sample) // 2
    # ASCII in UTF-16-LE: the high byte (odd index) is 0.  Require a clear one-sided pattern.
    if odd > 0.3 * pairs and even <= odd * 0.05:
        return "utf-16-le"
    if even > 0.3 * pairs and odd <= even * 0.05:
        return "utf-16-be"
    return None


def _no_controls(text: str) -> str:
    m = _CONTROL.search(text)
    if m is None:
        return text
    # One stray control character (e.g. a form feed's cousin \x1a at EOF) is tolerated; more is
    # a binary file that happened to decode.
    count = len(_CONTROL.findall(text, 0, min(len(text), 1 << 20)))
    if count > max(2, len(text) // 1000):
        raise _binary_error(m.start())
    return _CONTROL.sub(" ", text)


def _charset_normalizer(raw: bytes) -> tuple[str, str]:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        best = None
    else:
        try:
            best = from_bytes(raw).best()
        except Exception:  # a third-party detector must not turn a refusal into a crash
            best = None
    if best is None:
        raise ParseError("encoding", "无法识别文件的文字编码：请用记事本或 Word 另存为 UTF-8 文本后重新上传")
    return _no_controls(str(best)), str(best.encoding)


def _cjk_share(text: str) -> float:
    non_space = len(text) - sum(map(len, _SPACE_RUN.findall(text)))
    if non_space <= 0:
        return 0.0
    return cjk_count(text) / non_space


def cjk_count(text: str) -> int:
    # Runs, not characters: a few thousand match objects instead of one per character.
    return sum(map(len, _CJK_RUN.findall(text)))


def _check_text(text: str, *, raw_empty: bool) -> None:
    if raw_empty or not text.strip():
        raise ParseError("empty", "文件里没有文字：请上传政府工作报告全文（.txt、.docx、.html 或 .md）")
    # str.split and the regex \s agree on what is a space (both are str.isspace).
    non_space = sum(map(len, text.split()))
    # Chinese enough: at least 10 CJK characters and a quarter of the others.  A report passes
    # long before its end, so the count stops there (it is most of decoding's time otherwise).
    need = max(10, 0.25 * non_space)
    cjk = 0
    i, n = 0, len(text)
    while i < n:
        # A chunk shorter than what is still missing cannot pass, so each is at least that long
        # (a fifth more: a report's text is not all CJK), and the seed passes in one chunk.
        step = max(_CJK_CHUNK, int((need - cjk) * 1.2) + 1)
        cjk += sum(map(len, _CJK_RUN.findall(text, i, i + step)))
        if cjk >= need:
            return
        i += step
    raise ParseError(
        "not_chinese",
        "文件中几乎没有中文内容：请上传中文的政府工作报告全文",
    )


_CJK_CHUNK = 1024


# --- Hard-wrapped text -----------------------------------------------------------------------

_LINE_END_PUNCT = "。；！？：”）」』"
_HEADING_START = re.compile(
    r"[ \t\u3000]*(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]|第[一二三四五六七八九十]{1,3}部分|\d{1,2}[.、．]|——)"
)


def unwrap_hard_breaks(text: str) -> str:
    """Join lines broken at a fixed width (text copied out of a PDF) back into paragraphs.

    A report keeps one paragraph per line, ending in 。 or similar.  Text copied from a PDF
    instead has most lines of one width, cut mid-sentence.  Only when that pattern dominates
    are the breaks after full-width lines without end punctuation removed; headings are kept.
    """
    lines = text.split("\n")
    if len(lines) < 20:
        return text
    stripped = [ln.strip() for ln in lines]
    lengths = [len(x) for x in stripped if x]
    if len(lengths) < 20:
        return text
    counts: dict[int, int] = {}
    for n in lengths:
        counts[n] = counts.get(n, 0) + 1
    width = max(counts, key=lambda n: (counts[n], n))
    if width < 15:
        return text
    cut = [x for x in stripped if x and width - 2 <= len(x) <= width + 1 and x[-1] not in _LINE_END_PUNCT]
    if len(cut) < 0.5 * len(lengths):
        return text
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        if i == len(lines) - 1:
            break
        body = stripped[i]
        nxt = lines[i + 1]
        soft = (
            bool(body)
            and len(body) >= width - 2
            and body[-1] not in _LINE_END_PUNCT
            and bool(nxt.strip())
            and _HEADING_START.match(nxt) is None
        )
        if not soft:
            out.append("\n")
        else:
            out[-1] = line.rstrip("\r")
    return "".join(out)


# --- HTML -----------------------------------------------------------------------------------

_HTML_HINT = re.compile(r"^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s)", re.I)

_BLOCK_TAGS = frozenset(
    "address article aside blockquote body br dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary "
    "table tbody td tfoot th thead title tr ul".split()
)
# Page chrome around the report on government websites: menus, footers, side bars.
_SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "template", "head", "nav", "footer", "aside", "iframe", "select"]
)


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.match(text[:1000]))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False
        # Running counts for the caps: characters of text, and lines as they will be once
        # blank lines are collapsed (a break counts only after some text).
        self.chars = 0
        self.lines = 0
        self._open_line = False

    def _newline(self) -> None:
        self.parts.append("\n")
        if self._open_line:
            self.lines += 1
            self._open_line = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        if tag in _BLOCK_TAGS:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self.in_title = False
        if tag in _BLOCK_TAGS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if self.skip:
            return
        # Source line breaks inside a block are layout, not paragraphs.
        text = data.replace("\r", "").replace("\n", "")
        self.parts.append(text)
        self.chars += len(text)
        if text.strip():
            self._open_line = True


_BLANK_LINES = re.compile(r"[ \t]*\n(?:[ \t]*\n)+")


_HTML_CHUNK = 64 * 1024


def html_to_text(markup: str, limits: Limits | None = None) -> str:
    """The text of a web page, one block per line.  With ``limits``, the markup is fed in
    chunks and refused (``too_large``) as soon as its text passes the caps, so a page of
    100k tiny paragraphs stops early instead of being parsed whole by the (pure Python) parser."""
    parser = _TextExtractor()
    try:
        step = _HTML_CHUNK if limits is not None else max(len(markup), 1)
        for at in range(0, len(markup), step):
            parser.feed(markup[at : at + step])
            if limits is not None:
                if parser.chars > limits.max_chars:
                    raise too_large(f"超过 {limits.max_chars:,} 字")
                if parser.lines >= limits.max_lines:
                    raise too_large(f"超过 {limits.max_lines:,} 行")
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was read
        pass
    body = "".join(parser.parts)
    body = _BLANK_LINES.sub("\n", body).strip("\n")
    title = "".join(parser.title).strip()
    if title and title not in body[:500]:
        body = title + "\n" + body
    return body


# --- DOCX -----------------------------------------------------------------------------------


def docx_to_text(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    _docx_prescan(raw, limits)
    try:
        import docx  # python-docx, imported only for Word uploads
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(raw))
        numbering = _DocxNumbering(document)
        lines: list[str] = []
        body = document.element.body
        for child in body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                text = Paragraph(child, document).text
                lines.append(numbering.label(child) + text if text.strip() else text)
            elif tag == "tbl":
                for row in Table(child, document).rows:
                    lines.append("\t".join(cell.text for cell in row.cells))
    except ParseError:
        raise
    except Exception:  # python-docx raises many kinds on a damaged package
        raise ParseError(
            "binary", "无法读取这个 .docx 文件（文件可能已损坏）：请用 Word 重新保存后上传"
        ) from None
    return "\n".join(line.replace("\r", "").replace("\x0b", "\n") for line in lines).strip("\n")


def _damaged_docx() -> ParseError:
    return ParseError("binary", "无法打开这个 .docx 文件（文件可能已损坏）：请用 Word 重新保存后上传")


def _docx_prescan(raw: bytes, limits: Limits) -> None:
    """Refuse a .docx before python-docx loads it whole: first by the sizes the zip declares,
    then by streaming ``word/document.xml`` in chunks, counting the unzipped bytes, the text
    characters and the paragraphs as they come, and stopping at the first cap crossed.

    ``zipfile`` never inflates an entry past its declared size (a lying entry ends in a CRC
    error), so once the declared sizes pass, what python-docx reads is bounded by them."""
    import xml.parsers.expat

    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError, NotImplementedError):
        raise _damaged_docx() from None
    with zf:
        infos = zf.infolist()
        if len(infos) > _DOCX_MAX_ENTRIES:
            raise too_large(f"压缩包内有 {len(infos):,} 个文件")
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_unzipped:
            raise too_large(f"解压后 {declared / 1048576:,.0f} MB，超过 {limits.max_unzipped / 1048576:g} MB")
        for i in infos:
            if i.file_size > _DOCX_RATIO_FLOOR and i.file_size > _DOCX_MAX_RATIO * max(i.compress_size, 1):
                raise too_large(f"{i.filename} 压缩比异常")

        chars = paragraphs = 0
        depth_t = 0

        def start(tag: str, _attrs: object) -> None:
            nonlocal paragraphs, depth_t
            local = tag.rsplit("}", 1)[-1]
            if local in ("p", "tr"):
                paragraphs += 1
            elif local == "t":
                depth_t += 1

        def end(tag: str) -> None:
            nonlocal depth_t
            if tag.rsplit("}", 1)[-1] == "t" and depth_t:
                depth_t -= 1

        def data(s: str) -> None:
            nonlocal chars
            if depth_t:
                chars += len(s)

        def doctype(*_args: object) -> None:
            # Word never writes a DTD; one here could only be there to expand entities.
            raise _damaged_docx()

        parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data
        parser.StartDoctypeDeclHandler = doctype
        unzipped = 0
        try:
            with zf.open("word/document.xml") as fh:
                while chunk := fh.read(_DOCX_CHUNK):
                    unzipped += len(chunk)
                    if unzipped > limits.max_unzipped:
                        raise too_large(f"正文解压后超过 {limits.max_unzipped / 1048576:g} MB")
                    parser.Parse(chunk, False)
                    if chars > limits.max_chars:
                        raise too_large(f"超过 {limits.max_chars:,} 字")
                    if paragraphs > limits.max_lines:
                        raise too_large(f"超过 {limits.max_lines:,} 段")
                parser.Parse(b"", True)
        except ParseError:
            raise
        except (
            KeyError,
            zipfile.BadZipFile,
            OSError,
            ValueError,
            RuntimeError,
            EOFError,
            NotImplementedError,
        ):
            raise _damaged_docx() from None
        except xml.parsers.expat.ExpatError:
            raise _damaged_docx() from None


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "〇一二三四五六七八九"


def _chinese_numeral(n: int) -> str:
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def _format_number(n: int, fmt: str) -> str:
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
        "chineseLegalSimplified",
        "ideographLegalTraditional",
        "taiwaneseCountingThousand",
    ):
        return _chinese_numeral(n)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional" and 0 < n <= 10:
        return "甲乙丙丁戊己庚辛壬癸"[n - 1]
    if fmt == "lowerLetter" and 0 < n <= 26:
        return chr(ord("a") + n - 1)
    if fmt == "upperLetter" and 0 < n <= 26:
        return chr(ord("A") + n - 1)
    return str(n)


class _DocxNumbering:
    """Word's automatic numbering ("一、" "（一）" typed by the list definition, not by the
    author) rendered back into the paragraph text, so headings look as they do on screen."""

    def __init__(self, document: object) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, list[int]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        try:
            root = document.part.numbering_part.element  # type: ignore[attr-defined]
        except Exception:  # no numbering part: nothing is numbered automatically
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.findall(_W + "abstractNum"):
            levels: dict[int, tuple[str, str, int]] = {}
            for lvl in an.findall(_W + "lvl"):
                fmt = lvl.find(_W + "numFmt")
                text = lvl.find(_W + "lvlText")
                start = lvl.find(_W + "start")
                try:
                    levels[int(lvl.get(_W + "ilvl", "0"))] = (
                        fmt.get(_W + "val", "decimal") if fmt is not None else "decimal",
                        text.get(_W + "val", "") if text is not None else "",
                        int(start.get(_W + "val", "1")) if start is not None else 1,
                    )
                except ValueError:
                    continue
            abstract[an.get(_W + "abstractNumId", "")] = levels
        for num in root.findall(_W + "num"):
            ref = num.find(_W + "abstractNumId")
            if ref is not None:
                self.levels[num.get(_W + "numId", "")] = abstract.get(ref.get(_W + "val", ""), {})
        try:
            styles = document.styles.element  # type: ignore[attr-defined]
            for st in styles.findall(_W + "style"):
                found = self._num_pr(st)
                if found is not None:
                    self.style_num[st.get(_W + "styleId", "")] = found
        except Exception:
            pass

    @staticmethod
    def _num_pr(el: object) -> tuple[str, int] | None:
        ppr = el.find(_W + "pPr")  # type: ignore[attr-defined]
        if ppr is None:
            return None
        numpr = ppr.find(_W + "numPr")
        if numpr is None:
            return None
        nid = numpr.find(_W + "numId")
        ilvl = numpr.find(_W + "ilvl")
        if nid is None:
            return None
        try:
            return nid.get(_W + "val", ""), int(ilvl.get(_W + "val", "0")) if ilvl is not None else 0
        except ValueError:
            return None

    def label(self, p: object) -> str:
        if not self.levels:
            return ""
        try:
            found = self._num_pr(p)
            if found is None:
                ppr = p.find(_W + "pPr")  # type: ignore[attr-defined]
                style = ppr.find(_W + "pStyle") if ppr is not None else None
                if style is not None:
                    found = self.style_num.get(style.get(_W + "val", ""))
            if found is None:
                return ""
            num_id, ilvl = found
            levels = self.levels.get(num_id)
            if not levels or ilvl not in levels or not 0 <= ilvl < 9:
                return ""
            fmt, text, _ = levels[ilvl]
            if fmt in ("bullet", "none") or not text:
                return ""
            counters = self.counters.setdefault(num_id, [0] * 9)
            if counters[ilvl] == 0:
                counters[ilvl] = levels[ilvl][2]
            else:
                counters[ilvl] += 1
            for deeper in range(ilvl + 1, 9):
                counters[deeper] = 0
            out = text
            for lv in range(8, -1, -1):
                token = f"%{lv + 1}"
                if token in out:
                    lfmt = levels.get(lv, ("decimal", "", 1))[0]
                    n = counters[lv] or levels.get(lv, ("decimal", "", 1))[2]
                    out = out.replace(token, _format_number(n, lfmt))
            return out
        except Exception:  # odd numbering definitions: show the text as written
            return ""
