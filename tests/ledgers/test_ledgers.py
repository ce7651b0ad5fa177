"""The 五账 ledgers: each one's rows for the story on 2021-10-20, the .xlsx equal to the page,
filters, and outsiders who see nothing."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from duban.ledgers import selectors
from duban.ledgers.selectors import Filters

from .conftest import SECRETS

pytestmark = pytest.mark.django_db

KEYS = ("tasks", "responsibility", "time", "problems", "results")


def rows(user, key, f=Filters()):
    return [r for chunk in selectors.ledger_rows(user, key, f) for r in chunk]


def by_unit(rs, item_id, unit_name):
    return [r for r in rs if r[0] == item_id and r[2] == unit_name]


def test_task_ledger(story, prov_sup):
    rs = rows(prov_sup, "tasks")
    assert [r[0] for r in rs] == [story.a.pk, story.b.pk]
    a, b = rs
    assert a[1:5] == ("推进老旧小区改造", "政府工作报告任务", "一般性事项（7个工作日）", "山西省")
    assert a[5] == "2021-09-30 10:00"
    # After the return the deadline is the new result node: 3 working days after 10-15.
    assert a[7] == "2021-10-20 23:59"
    assert (a[8], a[9]) == ("小店区", "迎泽区")
    assert a[10] == "已逾期"  # 迎泽区's feedback is late although 小店区 closed
    assert b[7] == "2021-10-15 23:59" and b[10] == "已逾期"


def test_responsibility_ledger(story, prov_sup):
    rs = rows(prov_sup, "responsibility")
    lead = by_unit(rs, story.a.pk, "小店区")[0]
    assert lead[3:] == (
        "牵头",
        "山西省",
        "2021-09-30 10:00",
        "county_clerk",
        "2021-10-08 09:00",
        "",
        "已办结",
    )
    coop = by_unit(rs, story.a.pk, "迎泽区")[0]
    assert coop[3] == "配合" and coop[6:8] == ("sibling_clerk", "2021-10-09 09:00")
    unsigned = by_unit(rs, story.b.pk, "小店区")[0]
    assert unsigned[6:8] == ("", "") and unsigned[9] == "待签收"


def test_time_ledger(story, prov_sup):
    rs = rows(prov_sup, "time")
    lead = [(r[3], r[4], r[6], r[7]) for r in by_unit(rs, story.a.pk, "小店区")]
    assert lead == [
        ("签收", "2021-10-08 23:59", "2021-10-08 09:00", "按时完成"),
        ("部署报告", "2021-10-08 23:59", "2021-10-08 10:00", "按时完成"),
        ("反馈报告", "2021-10-11 23:59", "2021-10-12 10:00", "逾期 10 小时完成"),
        ("办结报告", "2021-10-15 23:59", "2021-10-14 10:00", "按时完成"),
        ("办结报告", "2021-10-20 23:59", "2021-10-18 10:00", "按时完成"),
    ]
    coop = {r[3]: r[7] for r in by_unit(rs, story.a.pk, "迎泽区")}
    assert coop["部署报告"] == "逾期 10 天完成"
    assert coop["反馈报告"] == "已逾期 8 天"
    unsigned = by_unit(rs, story.b.pk, "小店区")
    assert unsigned[0][3] == "签收" and unsigned[0][7] == "已逾期 11 天"
    assert unsigned[-1][3] == "办结报告" and unsigned[-1][7] == "已逾期 4 天"


def test_problem_ledger_and_answers(story, prov_sup, clock):
    rs = rows(prov_sup, "problems")
    assert [(r[2], r[5], r[6], r[7], r[8]) for r in rs] == [
        ("小店区", SECRETS.problem, SECRETS.support, "已回应", "审核退回 2021-10-15 10:00"),
        ("迎泽区", "", SECRETS.coop_support, "已回应", "领导批示 2021-10-20 09:00"),
    ]
    # As it stood before the leader's 批示: the co-operating unit's request was unanswered.
    clock("2021-10-19 18:00")
    from duban.items.models import Instruction

    Instruction.objects.filter(item=story.a).delete()
    rs = rows(prov_sup, "problems")
    assert rs[1][7:] == ("未回应", "")


def test_results_ledger(story, prov_sup):
    a, b = rows(prov_sup, "results")
    assert a[2:5] == ("小店区", "1/2", "")  # 迎泽区 still open: no closing date for the item
    assert a[5] == "小店区：良好"
    assert a[6] == ""  # on time only once every unit closed
    assert a[7] == "0/1" and "未报送1" in a[8]
    assert b[3] == "0/1" and b[7:] == ("", "")


def test_filters(story, prov_sup):
    assert [r[0] for r in rows(prov_sup, "tasks", Filters(source="meeting"))] == [story.b.pk]
    assert [r[0] for r in rows(prov_sup, "tasks", Filters(category="major"))] == []
    from tests.conftest import unit

    yz = rows(prov_sup, "responsibility", Filters(unit=unit("140106")))
    assert [r[2] for r in yz] == ["迎泽区"]
    import datetime as dt

    assert rows(prov_sup, "tasks", Filters(date_from=dt.date(2021, 10, 1))) == []
    assert len(rows(prov_sup, "tasks", Filters(date_to=dt.date(2021, 9, 30)))) == 2
    assert [r[0] for r in rows(prov_sup, "tasks", Filters(q="积水"))] == [story.b.pk]


def test_clerks_see_their_items_only(story, sibling_clerk, town_clerk, dept_clerk):
    assert [r[0] for r in rows(sibling_clerk, "tasks")] == [story.a.pk]
    for outsider in (town_clerk, dept_clerk):
        for key in KEYS:
            assert rows(outsider, key) == []


def _cells(row):
    return tuple("" if v is None else v for v in row)


@pytest.mark.parametrize("key", KEYS)
def test_export_equals_the_page(story, prov_sup, key):
    from openpyxl import load_workbook

    c = Client()
    c.force_login(prov_sup)
    page = c.get(f"/ledgers/{key}/")
    assert page.status_code == 200
    shown = [_cells(r) for r in page.context["rows"]]
    assert shown
    resp = c.get(f"/ledgers/{key}/export.xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width >= 40
    sheet = [tuple("" if v is None else v for v in r) for r in ws.iter_rows(values_only=True)]
    assert sheet[0] == selectors.LEDGERS[key].headers
    assert sheet[1:] == shown


def test_page_filters_and_export_follow_them(story, prov_sup):
    from openpyxl import load_workbook

    c = Client()
    c.force_login(prov_sup)
    page = c.get("/ledgers/tasks/", {"source": "meeting", "unit": "bogus<script>"})
    assert [r[0] for r in page.context["rows"]] == [story.b.pk]
    assert "未找到该单位" in page.content.decode()
    ws = load_workbook(io.BytesIO(c.get("/ledgers/tasks/export.xlsx?source=meeting").content)).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == [story.b.pk]


def test_export_is_bounded(story, prov_sup, settings):
    settings.DUBAN_EXPORT_MAX_ROWS = 1
    c = Client()
    c.force_login(prov_sup)
    resp = c.get("/ledgers/tasks/export.xlsx", follow=True)
    assert resp.redirect_chain and "导出的记录超过 1 条" in resp.content.decode()


def test_pages_for_outsiders_and_strangers(story, town_clerk):
    c = Client()
    assert c.get("/ledgers/tasks/").status_code == 302  # login first
    c.force_login(town_clerk)
    for key in KEYS:
        page = c.get(f"/ledgers/{key}/")
        assert page.status_code == 200 and page.context["rows"] == []
        assert "推进老旧小区改造" not in page.content.decode()
    assert c.get("/ledgers/nonsense/").status_code == 404


def test_nav_link(story, county_clerk):
    c = Client()
    c.force_login(county_clerk)
    assert 'href="/ledgers/"' in c.get("/items/").content.decode()
