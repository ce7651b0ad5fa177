"""``duban decompose``: the JSON contract, Markdown, the Excel table, exit codes."""

import io
import json
import subprocess
import sys

from duban.workplan.cli import main
from duban.workplan.export import XLSX_HEADER
from tests.workplan.conftest import FIXTURES

SAMPLE = FIXTURES / "city_numbered.txt"


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract(seed_path, capsys):
    code, out, err = _run([seed_path], capsys)
    assert code == 0 and not err
    data = json.loads(out)
    assert list(data) == ["schema", "source", "title", "plan_year", "sections", "tasks"]
    assert data["schema"] == "duban.workplan/1"
    assert set(data["source"]) == {"name", "sha256", "encoding", "chars", "format"}
    assert set(data["sections"][0]) == {"number", "title", "kind", "plan_year", "start", "end", "parts"}
    task = next(t for t in data["tasks"] if t["targets"] and t["deadline"])
    assert set(task) == {
        "id",
        "section",
        "part",
        "theme",
        "short_title",
        "text",
        "start",
        "end",
        "plan_year",
        "targets",
        "deadline",
        "deadlines",
        "places",
        "suggested_units",
    }
    assert set(task["targets"][0]) == {
        "text",
        "indicator",
        "value",
        "value_max",
        "unit",
        "comparator",
        "plan_year",
        "start",
        "end",
    }
    assert set(task["deadline"]) == {"text", "date", "kind", "start", "end"}
    assert set(task["deadlines"][-1]) == {"text", "date", "kind", "start", "end", "clause_start", "clause_end"}
    placed = next(t for t in data["tasks"] if t["places"])
    assert set(placed["places"][0]) == {"name", "code", "start", "end"}
    suggested = next(t for t in data["tasks"] if t["suggested_units"])
    assert set(suggested["suggested_units"][0]) == {"name", "score", "because"}
    # Chinese stays readable in the JSON.
    assert "工作安排" in out


def test_year_option(capsys):
    code, out, _ = _run([SAMPLE, "--year", "2023"], capsys)
    assert code == 0 and json.loads(out)["plan_year"] == 2023


def test_output_file(tmp_path, capsys):
    out = tmp_path / "plan.json"
    code, stdout, _ = _run([SAMPLE, "-o", out], capsys)
    assert code == 0 and stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "某市2022年政府工作报告"


def test_markdown(capsys):
    code, out, _ = _run([SAMPLE, "--format", "md"], capsys)
    assert code == 0
    assert out.startswith("# 某市2022年政府工作报告")
    assert "## 二、2022年工作安排" in out and "### （一）加快产业转型升级" in out
    assert "**2.1.1.1** 新认定高新技术企业120家。" in out
    assert "指标：" in out and "时限：2022年6月30日前" in out and "建议单位：" in out


def test_xlsx(tmp_path, capsys):
    import openpyxl

    out = tmp_path / "plan.xlsx"
    code, _, _ = _run([SAMPLE, "--format", "xlsx", "-o", out], capsys)
    assert code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    assert "重点工作任务分解表" in ws["A1"].value
    assert tuple(c.value for c in ws[2]) == XLSX_HEADER
    assert ws.freeze_panes == "A3"
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 7
    first = rows[1]
    assert first[0] == 2 and first[1] == "新认定高新技术企业120家。"
    assert "120" in first[2] and first[3] == "山西省科学技术厅"
    assert first[6].startswith("二（一）第1段 第")
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width
    assert ws["B3"].alignment.wrap_text


def test_xlsx_to_stdout_buffer(capsysbinary):
    import openpyxl

    code = main([str(SAMPLE), "--format", "xlsx"])
    out, _ = capsysbinary.readouterr()
    assert code == 0 and out.startswith(b"PK")
    assert openpyxl.load_workbook(io.BytesIO(out)).active["A2"].value == "序号"


def test_refused_report_exit_2(tmp_path, capsys):
    bad = tmp_path / "r.txt"
    bad.write_text("hello world, not a report at all", encoding="utf-8")
    code, out, err = _run([bad], capsys)
    assert code == 2 and out == ""
    assert "not_chinese" in err and "中文" in err


def test_unsupported_exit_2(tmp_path, capsys):
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    code, _, err = _run([pdf], capsys)
    assert code == 2 and "unsupported_format" in err and ".docx" in err


def test_missing_file_exit_1(tmp_path, capsys):
    code, _, err = _run([tmp_path / "nope.txt"], capsys)
    assert code == 1 and "无法读取" in err


def test_unwritable_output_exit_1(tmp_path, capsys):
    code, _, err = _run([SAMPLE, "-o", tmp_path / "no" / "such" / "dir.json"], capsys)
    assert code == 1 and "无法写入" in err


def test_bad_arguments_exit_2(capsys):
    code, _, _ = _run([SAMPLE, "--format", "pdf"], capsys)
    assert code == 2


def test_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SAMPLE.read_bytes())))
    code, out, _ = _run(["-", "--name", "r.txt"], capsys)
    assert code == 0 and json.loads(out)["source"]["name"] == "r.txt"


def test_duban_dispatches_without_django(tmp_path):
    """The real entry point, in a fresh interpreter: decompose must not import Django."""
    script = (
        "import sys; from duban.cli import main; code = main(['decompose', sys.argv[1], '-o', sys.argv[2]]);"
        "assert 'django' not in sys.modules, 'django imported'; sys.exit(code)"
    )
    out = tmp_path / "o.json"
    proc = subprocess.run(
        [sys.executable, "-c", script, str(SAMPLE), str(out)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["tasks"]


def test_parser_never_imports_django():
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, duban.workplan, duban.workplan.cli, duban.workplan.export;"
            "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
