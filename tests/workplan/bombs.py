"""Uploads built to expand: small files whose text, lines or tasks run far past any real report.

Shared by the parser's bound tests and the import tests of the plans app.
"""

from __future__ import annotations

import io
import zipfile

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W_NS}"><w:body>'
).encode()
_TAIL = b"</w:body></w:document>"


def _docx_with_body(write_body) -> bytes:
    """A real Word package (python-docx's template) whose document.xml body is streamed in by
    ``write_body(fh)``, so the test never holds the unzipped document in memory."""
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            if info.filename == "word/document.xml":
                with z.open("word/document.xml", "w", force_zip64=True) as fh:
                    fh.write(_HEAD)
                    write_body(fh)
                    fh.write(_TAIL)
            else:
                z.writestr(info, src.read(info.filename))
    return out.getvalue()


def docx_bomb(unzipped_mb: int = 200) -> bytes:
    """A few hundred KB that unzip to ``unzipped_mb`` MB of paragraphs (declared honestly)."""
    block = "<w:p><w:r><w:t>推进重点项目建设。</w:t></w:r></w:p>".encode() * (1 << 14)

    def body(fh) -> None:
        for _ in range(unzipped_mb * 1024 * 1024 // len(block)):
            fh.write(block)

    return _docx_with_body(body)


def docx_many_paragraphs(paragraphs: int = 60_000) -> bytes:
    """Under the unzipped-size and ratio caps but with far more paragraphs than a report has:
    only the streaming count of document.xml catches it before python-docx builds the tree."""

    def body(fh) -> None:
        for i in range(paragraphs):
            fh.write(f"<w:p><w:r><w:t>{i * 7919 % 100003}项</w:t></w:r></w:p>".encode())

    return _docx_with_body(body)


def docx_many_chars(chars: int = 400_000) -> bytes:
    """Few paragraphs, each long: the running count of characters stops it."""
    import random

    rng = random.Random(12)
    alphabet = "推进建设完善加强深化开展确保力争提升强化落实健全培育打造项目工作重点改革创新发展"

    def body(fh) -> None:
        for _ in range(chars // 2000 + 1):
            text = "".join(rng.choice(alphabet) for _ in range(2000))
            fh.write(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode())

    return _docx_with_body(body)


def many_lines(lines: int = 100_000) -> bytes:
    """About 4.8 MB of short lines (under the 5 MB upload cap)."""
    return "".join(f"第{i}行推进重点工作落实。\n" for i in range(lines)).encode("utf-8")


def short_lines(lines: int = 25_000) -> bytes:
    """Few characters, many lines."""
    return "推进。\n".join("" for _ in range(lines + 1)).encode("utf-8")


def many_tasks(tasks: int = 10_000) -> bytes:
    """A well-formed plan section of ``tasks`` numbered lines, each one or two commitments
    (a numbered line's first sentence is its heading below 100): few characters and lines, but
    thousands of tasks (10,000 lines make about 19,900)."""
    head = "2021年政府工作报告\n一、过去一年工作回顾\n过去一年，我们完成了各项任务。\n二、2021年工作安排\n"
    body = "".join(f"{i}.推进第{i}号项目。年内开工第{i}批。\n" for i in range(1, tasks + 1))
    return (head + body).encode("utf-8")


def html_page(paragraphs: int = 90_000) -> bytes:
    """A web page of many tiny paragraphs wrapped in markup (90,000 make about 4.7 MB)."""
    row = '<div class="x"><span style="a:b">推进</span></div>\n'
    return ("<html><body>" + row * paragraphs + "</body></html>").encode("utf-8")
