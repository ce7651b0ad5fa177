"""The workbench page, its bulk urge form, and where each role lands on "/"."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from duban.items.models import Urge


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_page_sections_counts_equal_rows(story, prov_sup, clock):
    clock("2021-10-11 09:00")
    c = client(prov_sup)
    page = c.get("/workbench/")
    assert page.status_code == 200
    # The first section with anything in it opens: 待审核办结.
    assert page.context["section"] == "to_review"
    tabs = {t["key"]: t["tracks"] for t in page.context["sections"]}
    assert tabs == {"to_review": 1, "extensions": 1, "overdue": 4, "due_soon": 1, "returned": 1, "stale": 0}
    for key, n in tabs.items():
        html = c.get(f"/workbench/?section={key}").content.decode()
        assert len(re.findall(r'<tr data-track="', html)) == n, key
        assert f"共 {n} 条承办记录" in html, key
    html = c.get("/workbench/?section=overdue").content.decode()
    assert "逾期 2 个工作日" in html and "2 次" in html and "未催办" in html
    assert 'data-unit="140105"' in html and 'data-unit="140106"' in html
    assert html.count('type="checkbox" name="track"') == 4
    # Review sections are answered, not urged: no checkboxes there.
    assert 'name="track"' not in c.get("/workbench/?section=to_review").content.decode()
    ext = c.get("/workbench/?section=extensions").content.decode()
    assert "申请延至 2021-10-29" in ext and "需要协调资金" in ext


def test_filters_on_the_page(story, prov_sup, clock):
    clock("2021-10-11 09:00")
    c = client(prov_sup)
    page = c.get("/workbench/?section=overdue&unit=140106")
    assert page.context["counts"] == {"tracks": 1, "items": 1}
    assert "迟报事项丙" in page.content.decode() and "迟报事项甲" not in page.content.decode()
    # A unit outside the viewer's tree is refused, not silently widened.
    city = Client()
    from duban.orgs.models import User

    city.force_login(User.objects.get(username="city_sup"))
    refused = city.get("/workbench/?section=overdue&unit=140200")
    assert "不在本单位范围内" in refused.content.decode()
    assert c.get("/workbench/?section=overdue&plan=999").context["values"]["plan_error"]
    assert c.get("/workbench/?section=stale&days=abc").status_code == 200
    assert c.get("/workbench/?section=stale&days=99999").context["values"]["days"] == "120"


def test_bulk_urge_from_the_page(story, prov_sup, clock):
    s = story
    clock("2021-10-11 09:00")
    c = client(prov_sup)
    before = Urge.objects.count()
    here = "/workbench/?section=overdue&page=1"
    resp = c.post(
        "/workbench/urge/",
        {"track": [s.late_a.pk, s.late_b.pk, s.late_c.pk], "message": "请今日内办理", "next": here},
        follow=True,
    )
    assert resp.redirect_chain[-1][0] == here
    assert "已催办 3 条承办记录（3 项事项）" in resp.content.decode()
    assert Urge.objects.count() == before + 3
    # A refused batch says why and sends nothing; a foreign "next" is ignored.
    resp = c.post("/workbench/urge/", {"track": [], "next": "https://evil.example/"})
    assert resp["Location"] == "/workbench/"
    assert Urge.objects.count() == before + 3


@pytest.mark.parametrize(
    "persona, landing",
    [
        ("prov_sup", "workbench/home.html"),
        ("city_sup", "workbench/home.html"),
        ("county_clerk", "web/queue.html"),
    ],
)
def test_each_role_lands_where_its_work_is(request, persona, landing, story, clock):
    clock("2021-10-11 09:00")
    c = client(request.getfixturevalue(persona))
    page = c.get("/")
    assert page.status_code == 200
    assert landing in [t.name for t in page.templates]
    # The queue stays reachable at an explicit address.
    queue = c.get("/?kind=")
    assert "web/queue.html" in [t.name for t in queue.templates]


def test_leaders_land_on_the_dashboard_or_the_queue(prov_leader, monkeypatch):
    from django.urls import NoReverseMatch, reverse

    from duban.items import rules
    from duban.web import views

    assert rules.landing(prov_leader) == "dashboard:home"
    # "/" serves the dashboard's own view (the dashboard app is another's; its page is its tests').
    try:
        url = reverse("dashboard:home")
    except NoReverseMatch:
        assert views._landing_view(prov_leader) is None
    else:
        assert views._landing_view(prov_leader).route == url.lstrip("/")
    # Where the dashboard is not installed, a leader gets the queue.
    monkeypatch.setattr(rules, "landing", lambda user: "nowhere:home")
    page = client(prov_leader).get("/")
    assert page.status_code == 200 and "web/queue.html" in [t.name for t in page.templates]


def test_supervisor_queue_hides_handling_tabs_with_nothing(story, prov_sup, city_sup, county_clerk, clock):
    from duban.items import services
    from tests.conftest import unit

    clock("2021-10-11 09:00")
    tabs = [t["kind"] for t in client(prov_sup).get("/?kind=").context["tabs"]]
    assert tabs == ["to_review", "extensions"]
    # A city is also a handling unit: when the province assigns to Taiyuan, its supervisor sees that.
    services.register_and_assign(actor=prov_sup, title="交给太原的事项", lead=[unit("140100")])
    tabs = [t["kind"] for t in client(city_sup).get("/?kind=").context["tabs"]]
    assert tabs == ["to_sign", "to_review", "extensions"]
    # Clerks keep every tab, empty or not.
    clerk_tabs = [t["kind"] for t in client(county_clerk).get("/?kind=").context["tabs"]]
    assert clerk_tabs[:6] == ["to_sign", "to_report", "due_soon", "overdue", "returned", "urged"]


def test_nav_link_only_for_supervisors(story, prov_sup, county_clerk):
    assert 'href="/workbench/"' in client(prov_sup).get("/?kind=").content.decode()
    assert 'href="/workbench/"' not in client(county_clerk).get("/").content.decode()


def test_page_queries_do_not_grow_with_rows(prov_sup, sibling_clerk, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from duban.items import services
    from tests.conftest import unit

    def spawn(n):
        clock("2021-09-30 10:00")
        for i in range(n):
            t = services.register_and_assign(
                actor=prov_sup, title=f"批量{i}", lead=[unit("140106")]
            ).tracks.get()
            services.urge(actor=prov_sup, track_id=t.pk)
        clock("2021-10-11 09:00")

    c = client(prov_sup)
    spawn(3)
    with CaptureQueriesContext(connection) as few:
        assert c.get("/workbench/?section=overdue").status_code == 200
    spawn(20)
    with CaptureQueriesContext(connection) as many:
        page = c.get("/workbench/?section=overdue")
    assert len(page.context["rows"]) == 23
    assert len(many) == len(few) <= 25
