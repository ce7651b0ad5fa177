"""Every page renders for the personas who may see it; everything needs a login."""

from __future__ import annotations

import pytest

PERSONAS = [
    "prov_sup",
    "prov_leader",
    "city_sup",
    "county_clerk",
    "county_head",
    "sibling_clerk",
    "town_clerk",
    "dept_clerk",
    "admin_user",
]


@pytest.mark.parametrize(
    "path", ["/", "/items/", "/items/new/", "/board/", "/items/export.xlsx", "/items/1/", "/attachments/1/"]
)
def test_login_required(client, db, path):
    resp = client.get(path)
    assert resp.status_code == 302
    assert resp["Location"].startswith("/login/?next=")


def test_login_page_logs_in_and_out(client, county_clerk):
    page = client.get("/login/")
    html = page.content.decode()
    assert page.status_code == 200 and "登录" in html and 'name="password"' in html
    bad = client.post("/login/", {"username": "county_clerk", "password": "wrong"})
    assert bad.status_code == 200 and "正确的" in bad.content.decode()
    ok = client.post(
        "/login/?next=/board/", {"username": "county_clerk", "password": "pw-123456", "next": "/board/"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/board/"
    assert client.get("/").status_code == 200
    # Logging in again redirects away from the login page.
    assert client.get("/login/").status_code == 302
    out = client.post("/logout/")
    assert out.status_code == 302 and out["Location"] == "/login/"
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_render_for_every_persona(request, as_user, assigned_item, persona, clock):
    clock("2021-10-08 09:00")
    c = as_user(request.getfixturevalue(persona))
    for path in ["/", "/items/", "/board/"]:
        resp = c.get(path)
        assert resp.status_code == 200, (persona, path)
        assert "13710 电子督办" in resp.content.decode()
    sees = persona in {"prov_sup", "prov_leader", "city_sup", "county_clerk", "county_head", "admin_user"}
    detail = c.get(f"/items/{assigned_item.pk}/")
    assert detail.status_code == (200 if sees else 404), persona
    listed = c.get("/items/").content.decode()
    assert (f'href="/items/{assigned_item.pk}/"' in listed) == sees
    new = c.get("/items/new/")
    if persona in {"prov_sup", "city_sup"}:
        assert new.status_code == 200 and 'name="lead"' in new.content.decode()
    else:
        assert new.status_code == 302 and new["Location"] == "/items/"


def test_item_page_shows_item_tracks_nodes_and_times(as_user, assigned_item, county_clerk, clock):
    clock("2021-10-09 10:00")  # the sign/deploy nodes (due 10-08 23:59) are a day late
    html = as_user(county_clerk).get(f"/items/{assigned_item.pk}/").content.decode()
    assert "推进老旧小区改造" in html and "年内开工改造" in html
    assert "小店区" in html and "牵头" in html and "待签收" in html
    assert "2021-10-08 23:59" in html and "2021-10-15 23:59" in html  # Asia/Shanghai
    assert "逾期 10 小时" in html
    assert "红灯" in html and "light-red" in html
    assert "立项" in html and "交办" in html  # the timeline


def test_assumed_calendar_warning(as_user, prov_sup, county_clerk, clock):
    from duban.items import services
    from tests.conftest import unit

    clock("2031-03-03 10:00")  # no official schedule is known for 2031
    item = services.register_and_assign(actor=prov_sup, title="远期事项", lead=[unit("140105")])
    html = as_user(county_clerk).get(f"/items/{item.pk}/").content.decode()
    assert "假定日历" in html


def test_queue_tabs_and_counts(as_user, prov_sup, county_clerk, county_head, clock):
    from duban.items import services
    from tests.conftest import unit
    from tests.web.conftest import advance

    clock("2021-09-30 10:00")
    items = [
        services.register_and_assign(actor=prov_sup, title=f"事项{i}", lead=[unit("140105")])
        for i in range(4)
    ]
    tracks = [i.tracks.get() for i in items]
    advance(tracks[1], county_clerk, to="signed")
    advance(tracks[2], county_clerk, to="requested")
    services.urge(actor=prov_sup, track_id=tracks[3].pk, message="请尽快签收")
    clock("2021-10-09 09:00")  # everything still open is now overdue
    page = as_user(county_clerk).get("/")
    html = page.content.decode()
    tabs = {t["kind"]: t["count"] for t in page.context["tabs"]}
    assert tabs == {"to_sign": 2, "to_report": 1, "due_soon": 0, "overdue": 3, "returned": 0, "urged": 1}
    assert "待审核" not in [t["label"] for t in page.context["tabs"]]  # a clerk reviews nothing
    # The first non-empty tab opens: to sign, with both items, late by 9 hours.
    assert page.context["kind"] == "to_sign"
    assert "事项0" in html and "事项3" in html and "事项1" not in html
    assert "逾期 9 小时" in html and "2021-10-08 23:59" in html and "红灯" in html
    urged = as_user(county_clerk).get("/?kind=urged").content.decode()
    assert "事项3" in urged and "事项0" not in urged
    # The issuer's supervisor has the closure request to review.
    sup = as_user(prov_sup).get("/?kind=to_review")
    assert {t["kind"]: t["count"] for t in sup.context["tabs"]}["to_review"] == 1
    assert "事项2" in sup.content.decode()


def test_a_long_queue_pages_in_due_order(as_user, prov_sup, county_clerk, clock, monkeypatch):
    from duban.items import services
    from duban.web import views
    from tests.conftest import unit

    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)
    for day, n in (
        ("2021-09-27", 0),
        ("2021-09-28", 1),
        ("2021-09-29", 2),
        ("2021-09-30", 3),
        ("2021-10-08", 4),
    ):
        clock(f"{day} 10:00")
        services.register_and_assign(actor=prov_sup, title=f"事项{n}", lead=[unit("140105")])
    c = as_user(county_clerk)
    seen = []
    for page in (1, 2, 3):
        r = c.get(f"/?kind=to_sign&page={page}")
        assert r.context["number"] == page and r.context["pages"] == 3
        seen += [t.item.title for t in r.context["rows"]]
    assert seen == [f"事项{n}" for n in range(5)]  # earliest sign-by first, none twice
    html = c.get("/?kind=to_sign&page=2").content.decode()
    assert "第 3–4 项，共 5 项" in html and "page=1" in html and "page=3" in html
    assert c.get("/?kind=to_sign&page=99").context["number"] == 3
    assert c.get("/?kind=to_sign&page=x").context["number"] == 1


def test_not_found_page_is_chinese(as_user, assigned_item, sibling_clerk):
    resp = as_user(sibling_clerk).get(f"/items/{assigned_item.pk}/")
    assert resp.status_code == 404
    html = resp.content.decode()
    assert "不存在或无权查看" in html and "推进老旧小区改造" not in html
    assert "我的待办" in html  # the usual navigation, so the user is not stranded


def test_item_page_rows_escape_what_people_typed(as_user, prov_sup, county_clerk, clock):
    """The node rows, reports and timeline are built in Python (web/rows.py): everything a
    person typed is escaped there as the template would have, line breaks kept."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from duban.items import services
    from tests.conftest import unit
    from tests.web.conftest import advance

    clock("2021-09-30 10:00")
    item = services.register_and_assign(
        actor=prov_sup, title="转义", lead=[unit("140105")], not_classified=True
    )
    track = item.tracks.get()
    advance(track, county_clerk, to="in_progress")
    services.file_report(
        actor=county_clerk,
        track_id=track.pk,
        kind="progress",
        done="<script>alert(1)</script>\n第二行",
        problems="a & b",
        files=[SimpleUploadedFile("<i>照片<i>.png", b"png", content_type="image/png")],
    )
    services.urge(actor=prov_sup, track_id=track.pk, message="<img src=x onerror=alert(2)>")
    html = as_user(prov_sup).get(f"/items/{item.pk}/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;<br>第二行" in html
    assert "a &amp; b" in html
    assert "<i>照片" not in html and "&lt;i&gt;照片&lt;i&gt;.png</a>" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert '<b class="ev-label">催办</b>' in html and '<tr class="node-' in html
