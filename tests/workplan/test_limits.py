"""Uploads built to expand are refused with ``too_large`` quickly and in little memory.

Time and memory are measured in a fresh interpreter: the peak resident size (VmHWM) of the whole
process counts what C code (zlib, expat, lxml) allocates, which ``tracemalloc`` would not see; a
subprocess keeps the test process's own history out of it.  Time is the CPU time of the call
(wall time on a shared, overloaded test machine mostly measures the other processes).  The
bounds (2 s, 200 MB) are correctness bounds, far above what a refusal costs (a few ms, ~60 MB
for the interpreter and the parser), not a benchmark.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from duban.workplan import ParseError, decompose
from duban.workplan.decode import Limits, check_limits, decode
from tests.workplan import bombs

ROOT = Path(__file__).resolve().parents[2]

_MEASURE = r"""
import json, resource, sys, time
from duban.workplan import ParseError, decompose

def peak_kb():
    # VmHWM belongs to this process image; ru_maxrss would also carry the high-water mark of
    # the (large) test process this one was forked from, across exec.
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

data = open(sys.argv[1], "rb").read()
before = peak_kb()
start, cpu = time.perf_counter(), time.process_time()
try:
    decompose(data, name=sys.argv[2])
    code = None
except ParseError as exc:
    code = exc.code
cpu = time.process_time() - cpu
elapsed = time.perf_counter() - start
print(json.dumps({"code": code, "cpu": cpu, "seconds": elapsed, "peak_kb": peak_kb(), "before_kb": before}))
"""


def _measure(tmp_path: Path, data: bytes, name: str) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (bombs.docx_bomb, "bomb.docx"),
        (bombs.docx_many_paragraphs, "paragraphs.docx"),
        (bombs.docx_many_chars, "chars.docx"),
        (bombs.many_lines, "lines.txt"),
        (bombs.short_lines, "short_lines.txt"),
        (bombs.many_tasks, "tasks.txt"),
        (bombs.html_page, "page.html"),
    ],
)
def test_expanding_upload_refused_fast_and_small(tmp_path, build, name):
    data = build()
    assert len(data) < 5 * 1024 * 1024  # each one passes the upload size cap
    got = _measure(tmp_path, data, name)
    assert got["code"] == "too_large", got
    assert got["cpu"] < 2.0, got
    assert got["seconds"] < 10.0, got  # wall time also counts the other processes on the machine
    assert got["peak_kb"] < 200 * 1024, got


def test_docx_bomb_is_small_and_expands_to_hundreds_of_mb():
    import io
    import zipfile

    raw = bombs.docx_bomb()
    assert len(raw) < 1024 * 1024  # a few hundred KB
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert zf.getinfo("word/document.xml").file_size >= 190 * 1024 * 1024


def test_refusal_names_the_cap_and_gives_advice():
    with pytest.raises(ParseError) as exc:
        decompose(bombs.many_tasks(), name="r.txt")
    assert exc.value.code == "too_large"
    assert "3,000 项任务" in exc.value.message and "管理员" in exc.value.message


def test_limits_are_parameters():
    # The caps come from the caller (settings in the web app), not from module constants.
    text = bombs.many_tasks(50)
    assert len(decompose(text, name="r.txt")["tasks"]) == 50
    with pytest.raises(ParseError) as exc:
        decompose(text, name="r.txt", limits=Limits(max_tasks=49))
    assert exc.value.code == "too_large"
    with pytest.raises(ParseError):
        decode(text, name="r.txt", limits=Limits(max_chars=100))
    with pytest.raises(ParseError):
        decode(text, name="r.txt", limits=Limits(max_lines=10))


def test_exactly_at_the_task_cap_is_accepted():
    assert len(decompose(bombs.many_tasks(40), name="r.txt", limits=Limits(max_tasks=40))["tasks"]) == 40


def test_docx_unzipped_cap_is_a_parameter():
    import docx

    d = docx.Document()
    d.add_paragraph("2021年政府工作报告")
    for i in range(200):
        d.add_paragraph(f"推进第{i}号重点项目建设，确保年底前完工。")
    import io

    buf = io.BytesIO()
    d.save(buf)
    assert decode(buf.getvalue(), name="r.docx").format == "docx"
    with pytest.raises(ParseError) as exc:
        decode(buf.getvalue(), name="r.docx", limits=Limits(max_unzipped=20_000))
    assert exc.value.code == "too_large"


def test_docx_with_a_dtd_is_refused():
    def body(fh) -> None:
        fh.write(b"<w:p/>")

    raw = bombs._docx_with_body(body)
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "word/document.xml":
                blob = blob.replace(b"?>", b'?><!DOCTYPE w:document [<!ENTITY a "aaaa">]>', 1)
            z.writestr(info, blob)
    with pytest.raises(ParseError) as exc:
        decode(out.getvalue(), name="r.docx")
    assert exc.value.code == "binary"


def test_html_markup_counts_generously_text_strictly():
    text = "<p>" + "推进重点项目建设。" * 100 + "</p>"
    check_limits(text * 40, Limits(max_chars=30_000), markup=True)  # markup: 20× allowance
    with pytest.raises(ParseError):
        check_limits(text * 40, Limits(max_chars=30_000))


def test_html_stops_at_the_line_cap_while_parsing():
    # Under the markup cap, but its text has more lines than allowed: stopped mid-parse.
    page = bombs.html_page(25_000)
    with pytest.raises(ParseError) as exc:
        decode(page, name="page.html")
    assert exc.value.code == "too_large" and "20,000 行" in exc.value.message
    with pytest.raises(ParseError) as exc:
        decode(bombs.html_page(2_000), name="page.html", limits=Limits(max_lines=1_000))
    assert "1,000 行" in exc.value.message
    assert decode(bombs.html_page(2_000), name="page.html").text.count("\n") == 1_999
