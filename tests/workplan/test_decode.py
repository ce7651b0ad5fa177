"""Uploads: every encoding and format the parser reads, and every refusal it gives."""

import io

import pytest

from duban.workplan import ParseError, decompose, read_text
from duban.workplan.decode import decode, html_to_text
from tests.workplan.conftest import FIXTURES

SAMPLE = (FIXTURES / "city_numbered.txt").read_text(encoding="utf-8")


def _summary(r):
    return [(t["id"], t["text"]) for t in r["tasks"]]


@pytest.fixture(scope="module")
def reference():
    return decompose(SAMPLE.encode("utf-8"))


@pytest.mark.parametrize(
    "codec, reported",
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("utf-16", "utf-16-le"),  # Python writes a little-endian BOM
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
    ],
)
def test_encodings(codec, reported, reference):
    raw = SAMPLE.encode(codec)
    r = decompose(raw, name="report.txt")
    assert r["source"]["encoding"] == reported
    assert r["text"] == SAMPLE
    assert _summary(r) == _summary(reference)


@pytest.mark.parametrize("bom, codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_with_explicit_bom(bom, codec, reference):
    r = decompose(bom + SAMPLE.encode(codec))
    assert r["source"]["encoding"] == codec and r["text"] == SAMPLE
    assert _summary(r) == _summary(reference)


def test_seed_in_utf16_without_bom(seed_text):
    # The seed is mostly CJK: NULs fall on both byte positions, the decoded result decides.
    for codec in ("utf-16-le", "utf-16-be"):
        assert read_text(seed_text.encode(codec)) == seed_text


def test_gb18030_beyond_gbk():
    text = SAMPLE + "　　推进㐀㐁特色产业发展。\n"  # CJK extension A: GB18030 four-byte sequences
    r = decompose(text.encode("gb18030"))
    assert r["source"]["encoding"] == "gb18030" and r["text"] == text


def test_sha256_and_chars_describe_the_upload():
    import hashlib

    raw = SAMPLE.encode("gb18030")
    r = decompose(raw)
    assert r["source"]["sha256"] == hashlib.sha256(raw).hexdigest()
    assert r["source"]["chars"] == len(SAMPLE) == len(r["text"])


def test_path_str_and_pathlike(tmp_path, reference):
    p = tmp_path / "报告.txt"
    p.write_bytes(SAMPLE.encode("gb18030"))
    for data in (p, str(p)):
        r = decompose(data)
        assert r["source"]["name"] == "报告.txt"
        assert _summary(r) == _summary(reference)


def test_str_content_is_text(reference):
    assert _summary(decompose(SAMPLE)) == _summary(reference)


def test_docx(reference):
    import docx

    d = docx.Document()
    for line in SAMPLE.splitlines():
        d.add_paragraph(line)
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "附表"
    table.cell(0, 1).text = "说明"
    buf = io.BytesIO()
    d.save(buf)
    r = decompose(buf.getvalue(), name="报告.docx")
    assert r["source"]["format"] == "docx"
    assert _summary(r) == _summary(reference)
    assert "附表" in r["text"]


def test_docx_detected_without_name(reference):
    import docx

    d = docx.Document()
    for line in SAMPLE.splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    assert decompose(buf.getvalue())["source"]["format"] == "docx"


def test_html(reference):
    body = "".join(f"<p>{line.replace('&', '&amp;')}</p>\n" for line in SAMPLE.splitlines())
    markup = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>某市2022年政府工作报告</title>"
        "<style>p { margin: 0 }</style><script>var s = '一、2021年工作回顾';</script></head>"
        f"<body>{body}<div>推进&ldquo;放管服&rdquo;改革&nbsp;。</div></body></html>"
    )
    for name in ("report.html", "report.htm", None):
        r = decompose(markup.encode("gb18030"), name=name)
        assert r["source"]["format"] == "html"
        assert _summary(r)[: len(_summary(reference))] == _summary(reference)
        assert "var s" not in r["text"] and "margin" not in r["text"]
        assert "推进“放管服”改革" in r["text"]


def test_html_page_chrome_is_dropped():
    markup = (
        "<html><body><nav><a href='/'>首页</a><a href='/zw'>政务公开</a></nav>"
        f"<div class='article'>{''.join(f'<p>{x}</p>' for x in SAMPLE.splitlines())}</div>"
        "<footer>主办：某市人民政府办公室 网站标识码1400000001</footer></body></html>"
    )
    r = decompose(markup.encode(), name="r.html")
    assert "首页" not in r["text"] and "网站标识码" not in r["text"]
    assert r["text"].splitlines() == SAMPLE.splitlines()


def test_html_blocks_become_lines():
    assert html_to_text("<div>一、回顾</div><div>二、安排<br>第二行</div>") == "一、回顾\n二、安排\n第二行"


def test_markdown_format():
    r = decode(("# 报告\n\n" + SAMPLE).encode(), name="a.md")
    assert r.format == "md" and r.text.startswith("# 报告")


# --- refusals --------------------------------------------------------------------------------


def _code(data, **kw):
    with pytest.raises(ParseError) as exc:
        decompose(data, **kw)
    assert exc.value.message and any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    return exc.value.code


@pytest.mark.parametrize(
    "data", [b"", b"   \r\n\t ", b"\xef\xbb\xbf", b"\xff\xfe", "   ".encode("utf-16-le")]
)
def test_empty(data):
    assert _code(data) == "empty"


def test_too_large():
    assert _code(SAMPLE.encode() * 10, max_bytes=1000) == "too_large"


def test_too_large_file(tmp_path):
    p = tmp_path / "big.txt"
    p.write_bytes(SAMPLE.encode() * 10)
    assert _code(p, max_bytes=1000) == "too_large"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"\xff\xd8\xff\xe0" + b"\x00" * 64,
        b"GIF89a" + b"\x01\x00" * 20,
        b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
        b"\x1f\x8b\x08\x00" + b"\x00" * 64,
        bytes(range(256)) * 4,
        b"\x00\x01\x02\x03" * 100,
    ],
)
def test_binary(data):
    assert _code(data) == "binary"


def test_zip_that_is_not_docx():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", SAMPLE)
    assert _code(buf.getvalue()) == "binary"


def test_corrupt_docx():
    assert _code(b"PK\x03\x04" + b"garbage" * 20, name="a.docx") == "binary"


@pytest.mark.parametrize(
    "data, name",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", None),
        (b"%PDF-1.7\n", "report.pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, None),
        (SAMPLE.encode(), "report.doc"),
        (SAMPLE.encode(), "report.xls"),
        (b"{\\rtf1\\ansi hello}", None),
    ],
)
def test_unsupported_format(data, name):
    with pytest.raises(ParseError) as exc:
        decompose(data, name=name)
    assert exc.value.code == "unsupported_format"
    assert ".docx" in exc.value.message and ".txt" in exc.value.message


def test_xlsx_is_unsupported():
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "二、2022年工作安排"
    buf = io.BytesIO()
    wb.save(buf)
    assert _code(buf.getvalue()) == "unsupported_format"


def test_encoding_error_with_bom():
    assert _code(b"\xff\xfe" + b"\x00\xd8\x41\x00") == "encoding"


def test_undecodable_bytes():
    # Not UTF-8, not GB18030 (0x80 and 0xFF are not lead bytes), no NULs, odd length.
    data = bytes([0x80, 0xFF, 0x81, 0x30]) * 50 + b"\x80"
    assert _code(data) in {"encoding", "not_chinese"}


@pytest.mark.parametrize(
    "text",
    ["Government work report 2021: growth of 8%.\n" * 20, "1234567890\n" * 50, "こんにちは。" * 3],
)
def test_not_chinese(text):
    assert _code(text.encode()) == "not_chinese"


@pytest.mark.parametrize(
    "text",
    [
        "今天天气很好，我们去公园散步吧。\n" * 3,
        "一、\n" * 1000,
        "一、工作回顾\n过去一年，我们做了很多工作，取得了显著成绩。\n",
    ],
)
def test_not_a_report(text):
    with pytest.raises(ParseError) as exc:
        decompose(text.encode())
    assert exc.value.code == "not_a_report"
    assert "工作安排" in exc.value.message


def test_bad_year():
    assert _code(SAMPLE.encode(), year=20222) == "bad_year"


def test_utf8_cut_mid_character_stays_utf8():
    raw = SAMPLE.encode("utf-8") + "推进".encode()[:-1]
    r = decompose(raw)
    assert r["source"]["encoding"] == "utf-8"
    assert r["text"].startswith(SAMPLE) and r["text"].endswith("推\ufffd")


def test_gbk_is_not_mistaken_for_broken_utf8():
    r = decompose(SAMPLE.encode("gbk"))
    assert r["source"]["encoding"] == "gb18030" and "\ufffd" not in r["text"]


def _numbered_docx(lines):
    """A .docx whose section and part numbers come from Word list numbering, not typed text.

    ``lines`` are (level or None, text): level 0 renders as 一、, level 1 as （一）."""
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.append(
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
            "</w:abstractNum>"
        )
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in lines:
        p = d.add_paragraph(text)
        if level is not None:
            p._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
            )
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_automatic_numbering_becomes_text():
    raw = _numbered_docx(
        [
            (None, "某市2022年政府工作报告"),
            (0, "2021年工作回顾"),
            (None, "过去一年，全市地区生产总值增长7.5%。"),
            (0, "2022年工作安排"),
            (1, "加快产业转型升级。"),
            (None, "培育壮大新兴产业。新认定高新技术企业120家。"),
            (1, "持续改善民生。"),
            (None, "促进就业增收。年内改造老旧小区80个。"),
        ]
    )
    r = decompose(raw, name="r.docx")
    assert "一、2021年工作回顾" in r["text"] and "（二）持续改善民生。" in r["text"]
    assert [(s["number"], s["kind"]) for s in r["sections"]] == [("一", "review"), ("二", "plan")]
    assert [p["number"] for p in r["sections"][1]["parts"]] == ["（一）", "（二）"]
    assert [t["id"] for t in r["tasks"]] == ["2.1.1.1", "2.2.1.1"]


def _hard_wrap(text, width):
    return "\n".join(
        line[i : i + width] for line in text.split("\n") for i in range(0, max(len(line), 1), width)
    )


@pytest.mark.parametrize("width", [32, 40])
def test_hard_wrapped_text_is_rejoined(seed_text, width):
    base = decompose(seed_text)
    r = decompose(_hard_wrap(seed_text, width).encode(), name="copied-from-pdf.txt")
    assert [s["kind"] for s in r["sections"]] == ["review", "goals", "plan"]
    values = sorted(x["value"] for t in r["tasks"] for x in t["targets"])
    assert values == sorted(x["value"] for t in base["tasks"] for x in t["targets"])
    assert "新认定高新技术企业1000家。" in {t["text"] for t in r["tasks"]}


def test_reports_with_a_paragraph_per_line_are_not_rejoined(seed_text):
    from duban.workplan.decode import unwrap_hard_breaks

    assert unwrap_hard_breaks(seed_text) == seed_text
    assert unwrap_hard_breaks(SAMPLE) == SAMPLE


def test_missing_path_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        decompose(str(tmp_path / "报告.txt"))
    with pytest.raises(FileNotFoundError):
        decompose(tmp_path / "missing.docx")
