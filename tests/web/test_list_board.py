"""The item list (filters, sort, pagination), its xlsx export, and the light board."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from duban.items import selectors, services
from duban.items.models import Item
from tests.conftest import make_user, unit
from tests.web.conftest import advance


@pytest.fixture
def spread(prov_sup, county_clerk, sibling_clerk, clock):
    """Items across Taiyuan's districts and a Datong county, in every light, made on 2021-09-30."""
    clock("2021-09-30 10:00")
    made = {}

    def reg(title, code, **kw):
        made[title] = services.register_and_assign(actor=prov_sup, title=title, lead=[unit(code)], **kw)
        return made[title]

    reg("小店区道路改造", "140105")
    reg("小店区学校建设", "140105", source="work_report", category="major")
    reg("迎泽区供暖改造", "140106")
    reg("大同市云冈区文旅项目", "140214")
    done = reg("小店区已办结事项", "140105")
    track = done.tracks.get()
    advance(track, county_clerk, to="requested")
    services.close_track(actor=prov_sup, track_id=track.pk, rating="excellent")
    clock("2021-10-09 09:00")  # every open general item is now overdue; the major one too (sign node)
    return made


def titles(resp) -> set[str]:
    return {it.title for it in resp.context["rows"]}


def test_filters_and_sort(as_user, prov_sup, spread):
    c = as_user(prov_sup)
    assert titles(c.get("/items/")) == set(spread)
    assert titles(c.get("/items/?unit=140100")) == {
        "小店区道路改造",
        "小店区学校建设",
        "迎泽区供暖改造",
        "小店区已办结事项",
    }
    assert titles(c.get("/items/?unit=小店区&light=closed")) == {"小店区已办结事项"}
    assert titles(c.get("/items/?unit=140105&light=red")) == {"小店区道路改造", "小店区学校建设"}
    assert titles(c.get("/items/?category=major")) == {"小店区学校建设"}
    assert titles(c.get("/items/?source=work_report")) == {"小店区学校建设"}
    assert titles(c.get("/items/?q=改造")) == {"小店区道路改造", "迎泽区供暖改造"}
    assert titles(c.get("/items/?from=2021-10-08&to=2021-10-08")) == set(spread) - {"小店区已办结事项"}
    assert titles(c.get("/items/?from=2021-10-09")) == set()
    ordered = [it.title for it in c.get("/items/?order=title").context["rows"]]
    # Compared with the database's own order: collations differ between backends for Chinese.
    assert ordered == list(Item.objects.order_by("title", "-id").values_list("title", flat=True))
    by_due = [it.title for it in c.get("/items/?order=due").context["rows"]]
    assert by_due[-1] == "小店区已办结事项"  # no open deadline sorts last
    page = c.get("/items/?unit=nonexistent")
    assert "未找到该单位" in page.content.decode()
    html = c.get("/items/?unit=140105").content.decode()
    assert "红灯" in html and "已办结·优秀" in html and "逾期" in html


def test_a_clerk_lists_only_their_units_items(as_user, county_clerk, sibling_clerk, spread):
    assert titles(as_user(county_clerk).get("/items/")) == {
        "小店区道路改造",
        "小店区学校建设",
        "小店区已办结事项",
    }
    assert titles(as_user(sibling_clerk).get("/items/")) == {"迎泽区供暖改造"}


def test_pagination_fifty_a_page(as_user, prov_sup, clock):
    clock("2021-09-30 10:00")
    for i in range(55):
        services.register_item(actor=prov_sup, title=f"事项{i:02d}")
    c = as_user(prov_sup)
    first = c.get("/items/?order=title")
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.num_pages == 2
    html = first.content.decode()
    assert "第 1 / 2 页" in html and "order=title&amp;page=2" in html
    second = c.get("/items/?order=title&page=2")
    assert [it.title for it in second.context["rows"]] == [f"事项{i}" for i in range(50, 55)]
    assert c.get("/items/?page=99").context["page"].number == 2


def test_a_huge_list_says_how_many_at_least_and_still_pages(as_user, prov_sup, clock, monkeypatch):
    from duban.core import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 50)
    clock("2021-09-30 10:00")
    for i in range(55):
        services.register_item(actor=prov_sup, title=f"事项{i:02d}")
    c = as_user(prov_sup)
    html = c.get("/items/?order=due").content.decode()
    assert "超过 50 项" in html and "第 1 页" in html and "order=due&amp;page=2" in html
    # Under the cap the exact total is shown.
    assert "共 1 项" in c.get("/items/?q=事项07").content.decode()


def read_xlsx(resp) -> list[tuple]:
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "filename*=utf-8''" in resp["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    return list(wb.active.iter_rows(values_only=True))


def test_export_follows_filter_and_visibility(as_user, prov_sup, sibling_clerk, spread):
    rows = read_xlsx(as_user(prov_sup).get("/items/export.xlsx?unit=140105"))
    assert rows[0][:4] == ("编号", "标题", "来源", "类别")
    body = {r[1]: r for r in rows[1:]}
    assert set(body) == {"小店区道路改造", "小店区学校建设", "小店区已办结事项"}
    assert body["小店区已办结事项"][7] == "已办结·优秀"
    assert body["小店区道路改造"][5] == "小店区" and body["小店区道路改造"][7] == "红灯"
    assert body["小店区道路改造"][8] == "2021-10-08 23:59"
    rows = read_xlsx(as_user(sibling_clerk).get("/items/export.xlsx"))
    assert [r[1] for r in rows[1:]] == ["迎泽区供暖改造"]


def test_board_numbers_match_the_items(as_user, prov_sup, city_sup, spread):
    page = as_user(prov_sup).get("/board/")
    rows = {r["unit"].code: r for r in page.context["rows"]}
    assert rows["140100"]["red"] == 3 and rows["140100"]["closed"] == 1 and rows["140100"]["total"] == 4
    assert rows["140200"]["red"] == 1
    assert page.context["totals"]["total"] == 5
    html = page.content.decode()
    assert "/dashboard/140100/list/?what=tracks&amp;light=red" in html and '<span class="ph">红灯：</span>4' in html
    # Each number (承办记录) links to a list of exactly that many tracks.
    c = as_user(prov_sup)
    for code, r in rows.items():
        if code == "140000":
            continue
        for light in ("red", "yellow", "green", "closed"):
            listed = c.get(f"/dashboard/{code}/list/?what=tracks&light={light}")
            assert listed.context["page"].paginator.count == r[light]
    city = {r["unit"].code: r for r in as_user(city_sup).get("/board/").context["rows"]}
    assert city["140105"]["red"] == 2 and city["140106"]["red"] == 1 and "140200" not in city


# ---------------------------------------------------------------------------------------------
# N+1 guards: the number of queries must not grow with the number of rows.


def _spawn(prov_sup, county_clerk, n, *, reports=False):
    out = []
    for i in range(n):
        item = services.register_and_assign(
            actor=prov_sup, title=f"批量事项{i}", lead=[unit("140105")], coop=[unit("140106")]
        )
        if reports:
            advance(item.tracks.get(unit__code="140105"), county_clerk, to="in_progress")
        out.append(item)
    return out


def test_queue_queries_do_not_grow(as_user, prov_sup, county_clerk, clock, django_assert_max_num_queries):
    clock("2021-09-30 10:00")
    c = as_user(county_clerk)
    _spawn(prov_sup, county_clerk, 3)
    with django_assert_max_num_queries(16):
        assert c.get("/").status_code == 200
    _spawn(prov_sup, county_clerk, 20)
    with django_assert_max_num_queries(16):
        assert len(c.get("/").context["rows"]) == 23


def test_item_list_queries_do_not_grow(as_user, prov_sup, county_clerk, clock, django_assert_max_num_queries):
    clock("2021-09-30 10:00")
    c = as_user(prov_sup)
    _spawn(prov_sup, county_clerk, 5)
    with django_assert_max_num_queries(12):
        assert c.get("/items/").status_code == 200
    _spawn(prov_sup, county_clerk, 50)
    with django_assert_max_num_queries(12):
        assert len(c.get("/items/").context["rows"]) == 50
    with django_assert_max_num_queries(12):
        assert len(read_xlsx(c.get("/items/export.xlsx"))) == 56


def test_item_detail_queries_do_not_grow(
    as_user, prov_sup, county_clerk, county_head, clock, django_assert_max_num_queries
):
    clock("2021-09-30 10:00")
    item = services.register_and_assign(
        actor=prov_sup, title="多单位事项", lead=[unit("140105")], coop=[unit("140106")]
    )
    c = as_user(prov_sup)
    with django_assert_max_num_queries(30):
        assert c.get(f"/items/{item.pk}/").status_code == 200
    # More tracks, reports and urges: the same bound.
    services.assign_item(
        actor=prov_sup, item_id=item.pk, lead=[unit("140107"), unit("140108")], coop=[unit("140109")]
    )
    track = item.tracks.get(unit__code="140105")
    advance(track, county_clerk, to="in_progress")
    for n in range(3):
        services.file_report(actor=county_clerk, track_id=track.pk, kind="progress", done=f"进度{n}")
    services.pass_down(actor=county_head, track_id=track.pk, units=[unit("140105001"), unit("140105002")])
    for t in item.tracks.all():
        services.urge(actor=prov_sup, track_id=t.pk, message="抓紧")
    with django_assert_max_num_queries(30):
        resp = c.get(f"/items/{item.pk}/")
    assert len(resp.context["tracks"]) == 7 and len(resp.context["timeline"]) > 15
    head = as_user(county_head)
    with django_assert_max_num_queries(34):
        assert "pass-down-form" in head.get(f"/items/{item.pk}/").content.decode()


def test_board_queries_do_not_grow(as_user, prov_sup, county_clerk, clock, django_assert_max_num_queries):
    clock("2021-09-30 10:00")
    c = as_user(prov_sup)
    _spawn(prov_sup, county_clerk, 2)
    with django_assert_max_num_queries(8):
        assert c.get("/board/").status_code == 200
    for code in ("140200", "140300", "140400"):
        services.register_and_assign(actor=prov_sup, title="外市事项", lead=[unit(code)])
    with django_assert_max_num_queries(8):
        assert len(c.get("/board/").context["rows"]) >= 4


def test_board_for_a_unit_without_children(as_user, clock, shanxi):
    clerk = make_user("twn", unit("140105001"), "clerk")
    assert as_user(clerk).get("/board/").status_code == 200
    assert selectors.light_board(clerk)[0]["total"] == 0


def test_export_over_the_limit_is_refused_with_a_message(as_user, prov_sup, spread, settings):
    settings.DUBAN_EXPORT_MAX_ROWS = 3
    c = as_user(prov_sup)
    resp = c.get("/items/export.xlsx?q=区")
    assert resp.status_code == 302 and resp["Location"] == "/items/?q=%E5%8C%BA"
    assert "请先缩小筛选范围" in c.get(resp["Location"]).content.decode()
    assert len(read_xlsx(c.get("/items/export.xlsx?unit=140105"))) == 4
