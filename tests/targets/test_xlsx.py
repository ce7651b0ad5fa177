"""The targets' spreadsheets: the import template, its all-or-nothing import, the 完成情况表 and
the 分解表. Story: 省工信厅 reports its 5G figures by file on 2026-04-08."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from duban.core.errors import InvalidInput
from duban.journal.models import Event
from duban.targets import selectors, services, xlsx
from duban.targets.models import Figure
from tests.conftest import dept

MARCH = dt.date(2026, 3, 31)


def _book(rows, source="unit") -> bytes:
    """A filled-in file the way the template lays it out: title, header, then rows by name."""
    names = xlsx.header(source)
    wb = Workbook()
    ws = wb.active
    ws.cell(row=1, column=1, value="导入")
    for col, name in enumerate(names, start=1):
        ws.cell(row=2, column=col, value=name)
    for i, row in enumerate(rows, start=3):
        for col, name in enumerate(names, start=1):
            ws.cell(row=i, column=col, value=row.get(name))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row(target, period, value, **more):
    return {"指标编号": target.pk, "报送期": period, "本期完成值": value, **more}


@pytest.fixture
def jobs(prov_sup, fiveg):
    """A second target of 工信厅 on another item: 新增就业 50000 人, quarterly."""
    from duban.items import services as items

    item = items.register_and_assign(
        actor=prov_sup,
        title="数字经济新增就业5万人",
        source="work_report",
        category="continuous",
        final_due=dt.date(2026, 12, 31),
        progress_days=[dt.date(2026, 6, 30)],
        lead=[dept("省工信厅")],
    )
    return services.create_target(
        actor=prov_sup,
        item_id=item.pk,
        indicator="新增就业",
        value=50000,
        unit_label="人",
        period="quarterly",
    )


def _events(action="figure.file"):
    return Event.objects.filter(action=action).count()


def test_good_file_imports_every_row_with_journal(fiveg, jobs, gxt_clerk, clock):
    clock("2026-04-08 10:00")
    data = _book(
        [
            # A date typed into a number-formatted cell arrives as Excel's day serial.
            _row(fiveg, (dt.date(2026, 1, 31) - dt.date(1899, 12, 30)).days, 1200),
            _row(fiveg, "2026-02-28", "2,600", 说明="春节影响"),
            _row(fiveg, MARCH, 3800, 完成预判="基本能完成"),
            _row(jobs, MARCH, 13000, 完成预判="有风险", 预判理由="招聘季推迟"),
            _row(jobs, dt.date(2026, 6, 30), None),  # left empty: skipped
            {},  # an empty line in between
        ]
    )
    result = xlsx.import_figures(actor=gxt_clerk, data=data)
    assert (result.created, result.corrected, result.unchanged) == (4, 0, 0)
    figs = {(f.target_id, f.period_end): f for f in Figure.objects.all()}
    assert figs[(fiveg.pk, dt.date(2026, 2, 28))].value == 2600
    assert figs[(fiveg.pk, dt.date(2026, 2, 28))].note == "春节影响"
    assert figs[(fiveg.pk, MARCH)].confidence == "likely"
    assert figs[(jobs.pk, MARCH)].confidence == "at_risk"
    assert figs[(jobs.pk, MARCH)].confidence_reason == "招聘季推迟"
    assert all(f.author == gxt_clerk and f.source == "unit" for f in figs.values())
    assert _events("figure.file") == 4

    # The same file again: nothing changes, nothing is journaled.
    again = xlsx.import_figures(actor=gxt_clerk, data=data)
    assert (again.created, again.corrected, again.unchanged) == (0, 0, 4)
    assert Figure.objects.count() == 4
    assert _events("figure.file") == 4 and _events("figure.correct") == 0

    # A changed value is a correction: a new version, journaled as one.
    fixed = xlsx.import_figures(
        actor=gxt_clerk, data=_book([_row(fiveg, MARCH, 3900, 完成预判="基本能完成")])
    )
    assert (fixed.created, fixed.corrected, fixed.unchanged) == (0, 1, 0)
    assert Figure.objects.filter(target=fiveg, period_end=MARCH).order_by("-version").first().value == 3900
    assert _events("figure.correct") == 1


def test_bad_rows_import_nothing_and_are_all_named(fiveg, jobs, gxt_clerk, clock):
    clock("2026-04-08 10:00")
    before = Event.objects.count()
    data = _book(
        [
            _row(fiveg, MARCH, 3750),
            _row(fiveg, "2026-02-28", "约两千"),
            _row(jobs, MARCH, 12000, 完成预判="有风险"),
            _row(fiveg, "2026-05-31", 5000),
            _row(fiveg, "2026-03-15", 3000),
            _row(jobs, MARCH, 12500),
            _row(fiveg, "2026-01-31", 900, 完成预判="大概吧"),
            {"指标编号": "五", "报送期": MARCH, "本期完成值": 1},
        ]
    )
    with pytest.raises(xlsx.ImportRejected) as e:
        xlsx.import_figures(actor=gxt_clerk, data=data)
    err = e.value
    assert isinstance(err, InvalidInput) and err.code == "bad_rows"
    reasons = dict(err.errors)
    assert sorted(reasons) == [4, 5, 6, 7, 9, 10]
    assert reasons[4] == "本期完成值须为数字"
    assert "理由" in reasons[5]
    assert reasons[6] == "该报送期尚未开始，不能报送"
    assert reasons[7].startswith("报送期须为2026年的月末")
    assert "完成预判须为" in reasons[9]
    assert reasons[10] == "指标编号无效"
    assert err.message == "第4、5、6、7、9、10行有误，未导入任何数据"
    # Row 8 repeats row 5's target and period, but row 5 was refused: row 8 alone is fine.
    assert Figure.objects.count() == 0
    assert Event.objects.count() == before

    dup = _book([_row(fiveg, MARCH, 3750), _row(fiveg, MARCH, 3760)])
    with pytest.raises(xlsx.ImportRejected) as e:
        xlsx.import_figures(actor=gxt_clerk, data=dup)
    assert e.value.errors == [(4, "与第3行重复（同一指标同一报送期）")]
    assert Figure.objects.count() == 0


def test_a_target_the_actor_may_not_see_or_file_is_refused(fiveg, prov_sup, gxt_clerk, clock):
    from duban.items import services as items

    clock("2026-01-06 09:00")
    other = items.register_and_assign(
        actor=prov_sup,
        title="新增高标准农田",
        source="work_report",
        category="continuous",
        final_due=dt.date(2026, 12, 31),
        progress_days=[dt.date(2026, 6, 30)],
        lead=[dept("省农业农村厅")],
    )
    farm = services.create_target(
        actor=prov_sup, item_id=other.pk, indicator="高标准农田", value=300, unit_label="万亩"
    )
    clock("2026-04-08 10:00")
    data = _book(
        [
            _row(fiveg, MARCH, 3750),
            _row(farm, MARCH, 80),
            {"指标编号": 987654, "报送期": MARCH, "本期完成值": 1},
        ]
    )
    with pytest.raises(xlsx.ImportRejected) as e:
        xlsx.import_figures(actor=gxt_clerk, data=data)
    assert e.value.errors == [(4, "指标不存在或无权查看"), (5, "指标不存在或无权查看")]

    # The issuing supervisor sees the target but does not file the unit's figure.
    with pytest.raises(xlsx.ImportRejected) as e:
        xlsx.import_figures(actor=prov_sup, data=_book([_row(fiveg, MARCH, 3750)]))
    assert e.value.errors == [(3, "只有责任单位的承办人或第一责任人可以报送指标数据")]
    # …and the unit does not enter the statistics bureau's.
    with pytest.raises(xlsx.ImportRejected) as e:
        xlsx.import_figures(actor=gxt_clerk, data=_book([_row(fiveg, MARCH, 3750)], "stats"), source="stats")
    assert e.value.errors == [(3, "只有交办单位或上级的督查员可以录入统计数")]
    assert Figure.objects.count() == 0


def test_a_service_refusal_while_writing_rolls_every_row_back(fiveg, jobs, gxt_clerk, clock, monkeypatch):
    clock("2026-04-08 10:00")
    real = services.file_figure

    def flaky(**kw):
        if kw["target_id"] == jobs.pk:
            raise InvalidInput("该指标已被他人更新，请刷新页面后重试", code="stale_version")
        return real(**kw)

    monkeypatch.setattr(services, "file_figure", flaky)
    with pytest.raises(xlsx.ImportRejected) as e:
        xlsx.import_figures(actor=gxt_clerk, data=_book([_row(fiveg, MARCH, 3750), _row(jobs, MARCH, 12000)]))
    assert e.value.errors == [(4, "该指标已被他人更新，请刷新页面后重试")]
    assert Figure.objects.count() == 0
    assert _events("figure.file") == 0


def test_files_that_are_not_templates_are_refused(fiveg, gxt_clerk, clock, monkeypatch):
    clock("2026-04-08 10:00")
    for data in (b"", b"name,value\n5G,3750\n", b"PK\x03\x04 not really a zip"):
        with pytest.raises(InvalidInput) as e:
            xlsx.import_figures(actor=gxt_clerk, data=data)
        assert e.value.code == "bad_file"
    with pytest.raises(InvalidInput) as e:
        xlsx.import_figures(actor=gxt_clerk, data=b"x" * (5 * 1024 * 1024 + 1))
    assert e.value.code == "bad_file" and "5 MB" in e.value.message
    # A statistics file is not a unit's file: the header says which it is.
    with pytest.raises(InvalidInput) as e:
        xlsx.import_figures(actor=gxt_clerk, data=_book([_row(fiveg, MARCH, 3750)], "stats"))
    assert e.value.code == "bad_file" and "表头" in e.value.message
    monkeypatch.setattr(xlsx, "MAX_ROWS", 2)
    with pytest.raises(InvalidInput) as e:
        xlsx.import_figures(actor=gxt_clerk, data=_book([_row(fiveg, MARCH, 1)] * 3))
    assert e.value.code == "bad_file" and "行数过多" in e.value.message
    assert Figure.objects.count() == 0


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


def test_template_round_trip(fiveg, jobs, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    ws = _sheet(xlsx.template_workbook(gxt_clerk, MARCH))
    names = [c.value for c in ws[2]]
    assert names == list(xlsx.header("unit"))
    assert ws.freeze_panes == "A3"
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert [r[0] for r in rows] == [fiveg.pk, jobs.pk]
    assert rows[0][1:7] == [
        "再新建5G基站1.5万座",
        "5G基站",
        "省工信厅",
        15000,
        "座",
        dt.datetime(2026, 3, 31),
    ]
    assert rows[0][7] is None and rows[0][8] is None
    assert any("有把握完成" in str(v.formula1) for v in ws.data_validations.dataValidation)

    # A monthly-only period leaves the quarterly target out.
    feb = _sheet(xlsx.template_workbook(gxt_clerk, dt.date(2026, 2, 28)))
    assert [r[0].value for r in feb.iter_rows(min_row=3)] == [fiveg.pk]
    # Who does not file gets an empty template.
    assert _sheet(xlsx.template_workbook(prov_sup, MARCH)).max_row == 2

    ws.cell(row=3, column=9, value=3750)
    ws.cell(row=3, column=11, value="有把握完成")
    ws.cell(row=4, column=9, value=11000)
    ws.cell(row=4, column=10, value="一季度招聘较慢")
    buf = io.BytesIO()
    ws.parent.save(buf)
    result = xlsx.import_figures(actor=gxt_clerk, data=buf.getvalue())
    assert (result.created, result.corrected, result.unchanged) == (2, 0, 0)
    assert Figure.objects.get(target=jobs, period_end=MARCH).note == "一季度招聘较慢"

    # The next template shows what was filed; filling in the same value changes nothing.
    ws = _sheet(xlsx.template_workbook(gxt_clerk, MARCH))
    row = [c.value for c in ws[3]]
    assert row[7] == 3750 and row[10] == "有把握完成"
    assert [c.value for c in ws[4]][9] == "一季度招聘较慢"
    ws.cell(row=3, column=9, value=3750)
    ws.cell(row=4, column=9, value=11000)
    buf = io.BytesIO()
    ws.parent.save(buf)
    result = xlsx.import_figures(actor=gxt_clerk, data=buf.getvalue())
    assert (result.created, result.corrected, result.unchanged) == (0, 0, 2)


def test_statistics_template_and_import(fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end=MARCH, value=3750)
    ws = _sheet(xlsx.template_workbook(prov_sup, MARCH, source="stats"))
    assert [c.value for c in ws[2]] == list(xlsx.header("stats"))
    assert "完成预判" not in xlsx.header("stats")
    row = [c.value for c in ws[3]]
    assert row[0] == fiveg.pk and row[7] is None  # the unit's figure is not the statistics one
    ws.cell(row=3, column=9, value=3500)
    buf = io.BytesIO()
    ws.parent.save(buf)
    result = xlsx.import_figures(actor=prov_sup, data=buf.getvalue(), source="stats")
    assert result.created == 1
    stats = Figure.objects.get(target=fiveg, source="stats")
    assert stats.value == 3500 and stats.author == prov_sup
    with pytest.raises(InvalidInput):
        xlsx.template_workbook(prov_sup, MARCH, source="guess")


def test_progress_workbook(fiveg, jobs, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    services.file_figure(
        actor=gxt_clerk,
        target_id=fiveg.pk,
        period_end=MARCH,
        value=3000,
        confidence="at_risk",
        confidence_reason="铁塔审批慢",
    )
    rows = selectors.target_list(prov_sup, today=dt.date(2026, 4, 8), upto=MARCH).rows
    ws = _sheet(xlsx.progress_workbook(rows, MARCH))
    assert ws["A1"].value == "2026年3月 量化指标完成情况表"
    assert [c.value for c in ws[2]] == list(xlsx.PROGRESS_HEADER)
    five = [c.value for c in ws[3]]
    assert five == [
        1,
        "5G基站",
        "省工信厅",
        15000,
        "座",
        3000,
        3750,
        20,
        "欠进度",
        None,
        "有风险：铁塔审批慢",
        12000,
        -3000,
    ]
    job = [c.value for c in ws[4]]
    assert job[1] == "新增就业" and job[5] is None and job[8] == "暂无数据"  # Q1 due 04-10
    summary = {r[1].value: r[2].value for r in ws.iter_rows(min_row=6) if r[1].value}
    assert summary["欠进度"] == 1 and summary["暂无数据"] == 1 and summary["达进度"] == 0
    assert summary["合计"] == 2


def test_allocation_workbook(fiveg, gxt_clerk, prov_sup, city_clerk, clock):
    clock("2026-02-01 09:00")
    shares = services.allocate(
        actor=prov_sup,
        target_id=fiveg.pk,
        shares=[{"unit": "140100", "value": 9000}, {"unit": "140200", "value": 5000}],
        accept_shortfall=True,
    )
    taiyuan = next(s for s in shares if s.unit.code == "140100")
    clock("2026-04-08 10:00")
    services.file_figure(actor=city_clerk, target_id=taiyuan.pk, period_end=MARCH, value=2700)
    top = selectors.statuses([fiveg], dt.date(2026, 4, 8))
    ws = _sheet(xlsx.allocation_workbook(top))
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3) if any(c.value is not None for c in r)]
    assert rows[0][:6] == ["1", "5G基站", "省工信厅", 15000, "座", 100]
    assert rows[1][:9] == ["1.1", "5G基站", "太原市", 9000, "座", 60, 2700, 30, "超进度"]
    assert rows[2][:6] == ["1.2", "5G基站", "大同市", 5000, "座", 33.3]
    assert rows[2][6] is None and rows[2][8] == "未报送"
    assert rows[3][1] == "分解合计" and rows[3][3] == 14000 and rows[3][5] == 93.3
    assert rows[4][1] == "与总目标差额" and rows[4][3] == -1000

    # Children already in the list are taken from it; a viewer sees only their own shares listed.
    both = selectors.statuses([fiveg, *shares], dt.date(2026, 4, 8))
    ws = _sheet(xlsx.allocation_workbook(both, user=city_clerk))
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3) if any(c.value is not None for c in r)]
    assert [r[2] for r in rows[:2]] == ["省工信厅", "太原市"]
    assert rows[2][1] == "分解合计（含1个无权查看的单位）" and rows[2][3] == 14000
