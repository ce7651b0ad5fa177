"""The leader dashboard: its numbers for a known story, every number against the list it links
to, drill-down visibility and the JSON endpoint."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from duban.dashboard import selectors
from tests.conftest import make_user, unit

pytestmark = pytest.mark.django_db


def test_headline_numbers(as_user, prov_leader, story):
    d = selectors.dashboard(prov_leader, unit("140000"))
    everything, wr = d.headline["all"], d.headline["work_report"]
    assert (everything["open"], everything["red"]) == (4, 2)  # B D E F open; B D late
    assert (everything["closed_month"], everything["on_time"], everything["closed_year"]) == (2, 1, 2)
    assert everything["rate"] == 50.0
    assert (wr["open"], wr["red"], wr["closed_month"], wr["on_time"], wr["closed_year"]) == (2, 1, 1, 0, 1)
    assert wr["rate"] == 0.0
    units = {r["unit"].code: r for r in d.units}
    assert set(units) == {"140100", "140200"}
    assert {k: units["140100"][k] for k in ("red", "yellow", "green", "open")} == {
        "red": 1,
        "yellow": 1,
        "green": 1,
        "open": 3,
    }
    assert {k: units["140200"][k] for k in ("red", "yellow", "green", "open")} == {
        "red": 1,
        "yellow": 1,
        "green": 0,
        "open": 2,
    }
    assert [(a["key"], a["tracks"]) for a in d.ageing] == [("1-3", 1), ("4-10", 0), ("11+", 1)]
    assert [(r["title"], r["days"]) for r in d.longest] == [("5G基站建设", 13), ("供暖管网改造", 1)]
    assert [(r["title"], r["light"]) for r in d.instructions] == [("5G基站建设", "red")]
    march = d.trend[-1]
    assert (march["month"].isoformat(), march["closed"], march["on_time"], march["rate"]) == (
        "2026-03-01",
        2,
        1,
        50.0,
    )
    assert all(r["closed"] == 0 and r["rate"] is None for r in d.trend[:-1])


def test_numbers_move_with_the_clock(prov_leader, story, clock):
    # Into April: nothing closed this month yet; March stays in the trend and in the rate.
    clock("2026-04-01 10:00")
    d = selectors.dashboard(prov_leader, unit("140000"))
    h = d.headline["all"]
    assert h["closed_month"] == 0 and h["closed_year"] == 2 and h["rate"] == 50.0
    assert [r["month"].isoformat() for r in d.trend[-2:]] == ["2026-03-01", "2026-04-01"]
    # Everything open is now late: B D E F, E and F by 7–8 working days.
    assert h["red"] == 4
    assert {a["key"]: a["tracks"] for a in d.ageing} == {"1-3": 0, "4-10": 4, "11+": 1}
    # A year on, March has left the 12 months.
    clock("2027-03-02 10:00")
    assert selectors.dashboard(prov_leader, unit("140000")).headline["all"]["closed_year"] == 0


class Links(HTMLParser):
    """Every ``<a data-count=…>`` on the page: (kind, href, the number shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[list] = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "data-count" in a:
            self._open = [a["data-count"], a["href"], ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.found.append(self._open)
            self._open = None


def listed_count(client, href: str) -> tuple[str, int]:
    """What the linked list says it holds: items (the item list, or our list of items),
    tracks, or targets."""
    page = client.get(href)
    assert page.status_code == 200, href
    html = page.content.decode()
    if href.startswith("/items/"):
        m = re.search(r"共 (\d+) 项", html)
        assert m, href
        return "items", int(m.group(1))
    if href.startswith("/targets/"):
        return "targets", page.context["shown"]
    m = re.search(r'id="list-count" data-what="(\w+)" data-count="(\d+)"', html)
    assert m, href
    # The rows are read from the tracks even where the count comes from the roll-up: on a
    # one-page list they must be as many as the count says.
    n = int(m.group(2))
    if n <= 50:
        assert len(re.findall(r"<tr><td><a href=\"/items/\d+/\">", html)) == n, href
    return m.group(1), n


@pytest.mark.parametrize(
    "who,code", [("prov_leader", None), ("city_leader", "140100"), ("prov_leader", "140200")]
)
def test_every_number_equals_its_list(as_user, prov_leader, story, who, code):
    user = prov_leader if who == "prov_leader" else make_user("ty_leader_d", unit("140100"), "leader")
    c = as_user(user)
    page = c.get(f"/dashboard/{code}/" if code else "/dashboard/")
    assert page.status_code == 200
    parser = Links()
    parser.feed(page.content.decode())
    assert len(parser.found) >= 15
    for kind, href, shown in parser.found:
        listed_kind, n = listed_count(c, href.replace("&amp;", "&"))
        assert listed_kind == kind, href
        assert n == int(shown), (href, shown, n)


def test_the_board_counts_tracks_and_links_to_tracks(as_user, prov_sup, story):
    """The light board counts 承办记录; each number lands on a list of exactly those tracks
    (F has a track in 大同市 and one in 小店区, so per unit and in total tracks ≠ items)."""
    c = as_user(prov_sup)
    page = c.get("/board/")
    html = page.content.decode()
    assert "承办记录" in html and "/items/?unit=" not in html
    rows = {r["unit"].code: r for r in page.context["rows"]}
    assert rows["140100"]["yellow"] == 1 and rows["140200"]["yellow"] == 1
    hrefs = re.findall(
        r'<a href="(/dashboard/(\d+)/list/\?what=tracks(?:&amp;light=(\w+))?)">(\d+)</a>', html
    )
    assert len(hrefs) == 5 * (len(rows) - 1)
    for href, code, light, shown in hrefs:
        kind, n = listed_count(c, href.replace("&amp;", "&"))
        assert kind == "tracks" and n == int(shown) == rows[code][light or "total"]


def test_drill_down_stays_in_the_subtree(as_user, prov_leader, story, county_clerk):
    city_leader = make_user("ty_leader_d", unit("140100"), "leader")
    c = as_user(city_leader)
    assert c.get("/dashboard/").context["d"].unit.code == "140100"
    assert c.get("/dashboard/140105/").status_code == 200  # a county of its own
    assert c.get("/dashboard/140200/").status_code == 404  # another city
    assert c.get("/dashboard/140000/").status_code == 404  # the province above it
    assert c.get("/dashboard/140200/data.json").status_code == 404
    assert c.get("/dashboard/140200/list/?what=items").status_code == 404
    assert c.get("/dashboard/nosuch/").status_code == 404
    # A clerk has no dashboard (and no menu entry for it).
    clerk = as_user(county_clerk)
    assert clerk.get("/dashboard/").status_code == 404
    assert "/dashboard/" not in clerk.get("/items/").content.decode()
    # The province drills down: province → 太原市 → 小店区, each the same dashboard.
    p = as_user(prov_leader)
    assert 'href="/dashboard/"' in p.get("/items/").content.decode()
    city = p.get("/dashboard/140100/")
    assert 'href="/dashboard/140105/"' in city.content.decode()
    county = p.get("/dashboard/140105/").context["d"]
    assert county.headline["all"]["open"] == 2  # E, and F's co-operating track
    assert county.units == [] or all(r["open"] for r in county.units)


def test_json_endpoint(as_user, prov_leader, story):
    c = as_user(prov_leader)
    resp = c.get("/dashboard/140000/data.json")
    assert resp.status_code == 200 and resp["Cache-Control"] == "no-store"
    data = resp.json()
    assert data["unit"] == {"code": "140000", "name": "山西省"}
    assert data["headline"]["all"]["open"] == 4 and data["headline"]["all"]["rate"] == 50.0
    assert data["headline"]["work_report"]["red_url"] == "/items/?unit=140000&light=red&source=work_report"
    taiyuan = next(r for r in data["units"] if r["code"] == "140100")
    assert (taiyuan["red"], taiyuan["yellow"], taiyuan["green"]) == (1, 1, 1)
    assert taiyuan["red_url"] == "/items/?unit=140100&light=red"
    assert taiyuan["dashboard_url"] == "/dashboard/140100/"
    assert data["trend"][-1] == {
        "month": "2026-03",
        "closed": 2,
        "closed_url": "/dashboard/140000/list/?what=tracks&from=2026-03&to=2026-03",
        "on_time": 1,
        "on_time_url": "/dashboard/140000/list/?what=tracks&from=2026-03&to=2026-03&ontime=1",
        "rate": 50.0,
    }
    assert [a["tracks"] for a in data["ageing"]] == [1, 0, 1]
    assert data["longest"][0]["title"] == "5G基站建设" and data["longest"][0]["days"] == 13
    assert data["instructions"][0]["light"] == "red"
    # The page carries the same data for its charts.
    page = c.get("/dashboard/140000/").content.decode()
    embedded = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S)
    import json

    assert json.loads(embedded.group(1)) == data


def test_list_inputs_are_bounded(as_user, prov_leader, story):
    c = as_user(prov_leader)
    for q in ("light=purple", "from=2026-13", "ontime=2", "age=99", "source=x" * 100, "what=" + "y" * 5000):
        assert c.get(f"/dashboard/140000/list/?{q}").status_code == 200


def test_ageing_buckets_agree_with_counting_working_days(db):
    """The bucket from the two bounds is the bucket of the counted lateness, across holidays
    (the 2026 Spring Festival and National Day) and weekends."""
    import datetime as dt

    from duban.core.clock import SHANGHAI, end_of_day

    for today in (dt.date(2026, 2, 24), dt.date(2026, 10, 9), dt.date(2026, 3, 21), dt.date(2026, 3, 23)):
        ageing = selectors.Ageing(today)
        for back in range(1, 60):
            due = end_of_day(today - dt.timedelta(days=back))
            counted = selectors.age_bucket(selectors.late_working_days(due, today))
            assert ageing.bucket(due) == counted, (today, due.astimezone(SHANGHAI))


def test_numbers_past_the_item_lists_cap_link_to_a_list_that_counts_them(
    as_user, prov_leader, story, monkeypatch
):
    """The item list stops counting at its cap ("超过 N 项"); a number above it links to our list
    of the same items, which counts them all."""
    from duban.dashboard import views

    monkeypatch.setattr(views, "COUNT_CAP", 1)
    c = as_user(prov_leader)
    data = c.get("/dashboard/140000/data.json").json()
    assert data["headline"]["all"]["red"] == 2
    assert data["headline"]["all"]["red_url"] == "/dashboard/140000/list/?what=items&light=red"
    assert data["headline"]["work_report"]["red_url"] == "/items/?unit=140000&light=red&source=work_report"
    kind, n = listed_count(c, data["headline"]["all"]["red_url"])
    assert (kind, n) == ("items", 2)
