"""Publishing: the stored figures, the journal, freezing, the files, refusals."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from duban.bulletins import figures, periods, render, selectors, services
from duban.bulletins.models import Bulletin, PointsRules, Recipient
from duban.core.errors import Forbidden, InvalidInput
from duban.items import services as items
from duban.journal.models import Event
from tests.bulletins.conftest import EXPECTED, KEYS, PUBLISHED_AT, TOTALS, at
from tests.conftest import unit

pytestmark = pytest.mark.django_db


def november():
    return periods.parse("month", year=2026, month=11)


@pytest.fixture
def published(story, prov_sup, clock):
    clock(PUBLISHED_AT)
    return services.publish(actor=prov_sup, period=november())


def test_publish_stores_the_figures_and_journals(published, prov_sup):
    b = Bulletin.objects.get(pk=published.pk)
    assert {r["name"]: tuple(r[k] for k in KEYS) for r in b.data["rows"]} == EXPECTED
    assert {k: b.data["totals"][k] for k in TOTALS} == TOTALS
    assert b.title == "关于2026年11月督办事项办理情况的通报"
    assert b.data["number"] == "〔2026〕X号" and b.data["date_label"] == "2026年12月1日"
    assert b.data["rules"] == {
        "excellent": "3",
        "good": "2",
        "pass": "1",
        "fail": "-3",
        "overdue_day": "-0.5",
        "return": "-1",
    }
    assert sorted(Recipient.objects.filter(bulletin=b).values_list("unit__name", flat=True)) == sorted(
        EXPECTED
    )
    event = Event.objects.get(action="bulletin.publish")
    assert event.object_id == b.pk and event.actor_id == prov_sup.pk
    assert event.new["totals"]["received"] == 19
    from duban.journal.services import verify

    assert verify().ok


def test_published_bulletin_is_frozen_and_recomputes_to_the_same_numbers(
    published, story, prov_sup, clerks, admin_user, clock
):
    docx_before = render.docx_bytes(Bulletin.objects.get(pk=published.pk).data)
    xlsx_before = render.xlsx_bytes(Bulletin.objects.get(pk=published.pk).data)
    # Afterwards: Y3 is closed 优秀, D4 finally signs, the rules change.
    clock("2026-12-02 10:00")
    items.close_track(actor=prov_sup, track_id=story["Y3"].pk, rating="excellent")
    items.sign(actor=clerks["D"], track_id=story["D4"].pk)
    services.update_points_rules(
        actor=prov_sup,
        **{"excellent": "10", "good": "2", "pass": "1", "fail": "-3", "overdue_day": "-1", "return": "-1"},
    )
    clock("2027-01-15 10:00")
    b = Bulletin.objects.get(pk=published.pk)
    assert {r["name"]: tuple(r[k] for k in KEYS) for r in b.data["rows"]} == EXPECTED
    # The same bytes on another day.
    assert render.docx_bytes(b.data) == docx_before
    assert render.xlsx_bytes(b.data) == xlsx_before
    # Recomputed from scratch at the bulletin's moment with the rules it used: the same numbers.
    again = figures.compute(
        issuer=b.issuer_unit,
        scope=b.scope_unit,
        period=periods.Period(b.period_kind, b.period_start, b.period_end, b.data["period"]["label"]),
        at=at(PUBLISHED_AT),
        rules=b.data["rules"],
    )
    assert again["rows"] == b.data["rows"] and again["totals"] == b.data["totals"]
    assert again["named"] == b.data["named"]
    assert selectors.recompute(b) == again
    call_command("check_bulletins", stdout=(out := io.StringIO()))
    assert "1 checked, every one recomputes" in out.getvalue()
    # While today's figures have moved on.
    now_rows = {
        r["name"]: r
        for r in selectors.preview(prov_sup, period=november())["rows"]  # today, new rules
    }
    assert now_rows["阳泉市"]["closed"] == 4 and now_rows["阳泉市"]["excellent"] == 1


def test_files_show_the_same_table(published):
    data = published.data
    doc = Document(io.BytesIO(render.docx_bytes(data)))
    table = doc.tables[0]
    docx_rows = [[c.text for c in row.cells] for row in table.rows]
    assert docx_rows == render.table_rows(data)
    ws = load_workbook(io.BytesIO(render.xlsx_bytes(data))).active
    header_at = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row[0] == "排名")
    xlsx_rows = [
        ["" if v is None else render.num(v) for v in row]  # an empty cell reads back as None
        for row in ws.iter_rows(
            min_row=header_at, max_row=header_at + len(data["rows"]) + 1, values_only=True
        )
    ]
    assert xlsx_rows == docx_rows
    # The numbers, not only their text: xlsx cells are numbers.
    first = next(ws.iter_rows(min_row=header_at + 1, max_row=header_at + 1, values_only=True))
    assert first[0] == 1 and isinstance(first[2], int) and first[-1] == 9.5
    assert docx_rows[1][1] in ("太原市", "山西省工业和信息化厅") and docx_rows[-2][:2] == ["4", "大同市"]
    assert docx_rows[-2][9] == "40" and docx_rows[-2][-1] == "−12"
    assert docx_rows[-1][:3] == ["合计", "", "19"] and docx_rows[-1][9] == "77.8"


def test_docx_reads_as_a_tongbao(published):
    doc = Document(io.BytesIO(render.docx_bytes(published.data)))
    texts = [p.text for p in doc.paragraphs]
    head = doc.paragraphs[0]
    assert head.text == "山西省人民政府督查室"
    assert head.runs[0].font.color.rgb is not None and str(head.runs[0].font.color.rgb) == "FF0000"
    assert "〔2026〕X号" in texts
    title = next(p for p in doc.paragraphs if p.text == "关于2026年11月督办事项办理情况的通报")
    assert title.runs[0].font.name == "方正小标宋简体"
    body = next(p for p in doc.paragraphs if p.text.startswith("本期共交办督办事项"))
    assert body.runs[0].font.name == "仿宋_GB2312"
    assert "本期共交办督办事项18项，涉及4个承办单位、19项承办任务" in body.text
    assert "按期办结14项，应办结18项，按期办结率77.8%" in body.text
    assert "逾期未办结2项，累计逾期39个工作日" in body.text
    joined = "\n".join(texts)
    assert "大同市排名靠后" in joined
    assert "逾期未办结事项较多的单位：大同市（2项）" in joined
    assert "优秀+3分、良好+2分、合格+1分、不合格−3分" in joined
    assert texts.count("山西省人民政府督查室") == 2 and "2026年12月1日" in texts
    assert doc.sections[-1].orientation == 1  # the table's landscape page


def test_refusals_change_nothing(story, prov_sup, county_clerk, city_sup, clock):
    clock(PUBLISHED_AT)
    before = Event.objects.count()
    with pytest.raises(Forbidden):
        services.publish(actor=county_clerk, period=november())
    with pytest.raises(InvalidInput) as exc:
        services.publish(actor=city_sup, period=november(), scope_code="140000")
    assert exc.value.code == "bad_scope"
    with pytest.raises(InvalidInput) as exc:
        services.publish(actor=prov_sup, period=periods.parse("month", year=2026, month=9))
    assert exc.value.code == "empty_bulletin"
    with pytest.raises(InvalidInput) as exc:
        periods.parse("month", year=2026, month=13)
    assert exc.value.code == "bad_period"
    with pytest.raises(InvalidInput) as exc:
        periods.parse("year", year=2027)
    assert exc.value.code == "period_not_started"
    with pytest.raises(InvalidInput):
        periods.parse("dates", start="2026-11-20", end="2026-11-01")
    with pytest.raises(InvalidInput):
        periods.parse("dates", start="2025-01-01", end="2026-11-01")
    assert Bulletin.objects.count() == 0 and Event.objects.count() == before


def test_periods():
    import datetime as dt

    from duban.core.clock import travel_to

    with travel_to(at("2026-12-01 10:00")):
        q = periods.parse("quarter", year=2026, quarter=4)
        assert (q.start, q.end, q.label) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第四季度")
        y = periods.parse("year", year=2026)
        assert (y.start, y.end, y.label) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年")
        d = periods.parse("dates", start="2026-11-01", end="2026-11-20")
        assert d.label == "2026年11月1日至11月20日"
        m = periods.parse("month", year="2026", month="2")
        assert m.end == dt.date(2026, 2, 28)


def test_points_rules_service(prov_sup, county_clerk, admin_user, city_sup, clock):
    clock("2026-12-01 09:00")
    good = {
        "excellent": "4",
        "good": "2.5",
        "pass": "1",
        "fail": "-5",
        "overdue_day": "-0.25",
        "return": "-2",
    }
    for bad_actor in (county_clerk, city_sup):
        with pytest.raises(Forbidden):
            services.update_points_rules(actor=bad_actor, unit_id=prov_sup.unit_id, **good)
    for bad in ({"excellent": "abc"}, {"fail": "-1000"}, {"good": "1.234"}, {"pass": "NaN"}, {"return": ""}):
        with pytest.raises(InvalidInput) as exc:
            services.update_points_rules(actor=prov_sup, **{**good, **bad})
        assert exc.value.code == "bad_points"
    assert (
        not PointsRules.objects.exists() and not Event.objects.filter(action="bulletin.points_rules").exists()
    )
    services.update_points_rules(actor=prov_sup, **good)
    # The province's admin may keep them too.
    services.update_points_rules(actor=admin_user, unit_id=prov_sup.unit_id, **{**good, "excellent": "5"})
    events = list(Event.objects.filter(action="bulletin.points_rules").order_by("seq"))
    assert [e.new["excellent"] for e in events] == ["4", "5"]
    assert events[0].old["excellent"] == "3" and events[1].old["excellent"] == "4"
    from duban.bulletins import selectors

    assert str(selectors.points_rules(unit("140000"))["overdue_day"]) == "-0.25"


def test_docx_paragraph_properties_follow_the_schema_order(published):
    # Word reports "unreadable content" when a paragraph's properties are out of order.
    from docx.oxml.ns import qn

    order = [qn(t) for t in render.PPR_ORDER]
    doc = Document(io.BytesIO(render.docx_bytes(published.data)))
    checked = 0
    for ppr in doc.element.body.iter(qn("w:pPr")):
        positions = [order.index(child.tag) for child in ppr if child.tag in order]
        assert positions == sorted(positions), [child.tag for child in ppr]
        checked += 1
    assert checked > 20
    assert any(ppr.find(qn("w:pBdr")) is not None for ppr in doc.element.body.iter(qn("w:pPr")))


def test_check_bulletins_names_a_bulletin_whose_record_changed(published):
    from django.core.management.base import CommandError

    from duban.items.models import Review

    # A closing review's rating rewritten behind the services' back (what the check exists for).
    Review.objects.filter(decision="close", rating="fail").update(rating="excellent")
    with pytest.raises(CommandError, match="1 of 1 bulletins recompute differently"):
        call_command("check_bulletins")
    assert Bulletin.objects.get(pk=published.pk).data == published.data
