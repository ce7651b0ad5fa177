"""The results API: 督办工作台, 领导驾驶舱 and 通报 — each endpoint's happy path, refusals with
their codes that change nothing, outsiders' 404 and the OpenAPI schema.

The stories are the apps' own (``tests/{workbench,dashboard,bulletins}/conftest.py``), imported
under names of their own."""

from __future__ import annotations

import pytest

from duban.bulletins.models import Bulletin, Recipient
from duban.items.models import Urge
from duban.journal.models import Event
from duban.notify.models import Alert
from tests.api.conftest import ApiClient, error
from tests.bulletins.conftest import PUBLISHED_AT, TOTALS, clerks  # noqa: F401
from tests.bulletins.conftest import story as bulletin_story  # noqa: F401
from tests.conftest import make_user, unit
from tests.dashboard.conftest import STORY_AT
from tests.dashboard.conftest import story as dashboard_story  # noqa: F401
from tests.workbench.conftest import other_sup  # noqa: F401
from tests.workbench.conftest import story as wb_story  # noqa: F401

pytestmark = pytest.mark.django_db

NOVEMBER = {"kind": "month", "year": 2026, "month": 11}


def web(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# 督办工作台


def urge_state() -> tuple:
    return (
        Urge.objects.count(),
        Event.objects.count(),
        Alert.objects.filter(kind="urged").count(),
        list(Urge.objects.order_by("id").values_list("track_id", "message")),
    )


def test_workbench_sections_rows_and_filters(wb_story, prov_sup, clock):  # noqa: F811
    from duban.workbench.selectors import SECTIONS, Workbench

    s = wb_story
    clock("2021-10-11 09:00")
    api = ApiClient(prov_sup)
    r = api.get("/workbench")
    assert r.status_code == 200, r.content
    body = r.json()
    counts = Workbench(prov_sup).counts()
    assert [x["key"] for x in body["sections"]] == list(SECTIONS)
    for x in body["sections"]:
        assert (x["tracks"], x["items"]) == (counts[x["key"]]["tracks"], counts[x["key"]]["items"])
    assert body["sections"][0]["label"] == "待审核办结"
    first = next(k for k in SECTIONS if counts[k]["tracks"])
    assert body["section"] == first and body["total"] == counts[first]["tracks"]
    assert body["filters"]["days"] == 10 and body["filters"]["unit"] is None

    r = api.get("/workbench", section="overdue")
    body = r.json()
    ids = {row["id"] for row in body["rows"]}
    assert {s.late_a.pk, s.late_b.pk, s.late_c.pk} <= ids
    assert len(body["rows"]) == body["total"] == counts["overdue"]["tracks"]
    a = next(row for row in body["rows"] if row["id"] == s.late_a.pk)
    assert a["urge_count"] == 2 and a["may_urge"] is True and a["light"] == "red"
    assert a["late_days"] >= 1 and a["unit"] == {"code": "140105", "name": unit("140105").name}
    assert a["item_title"] == "迟报事项甲" and a["next_due_at"].endswith("+08:00")
    assert sum(u["tracks"] for u in body["overdue_by_unit"]) == body["total"]

    # The page's filters: a unit of the subtree (code or name), a source, a category.
    r = api.get("/workbench", section="overdue", unit="140106")
    assert [row["id"] for row in r.json()["rows"]] == [s.late_c.pk]
    assert r.json()["filters"]["unit"]["code"] == "140106"
    r = api.get("/workbench", section="overdue", unit=unit("140106").name)
    assert [row["id"] for row in r.json()["rows"]] == [s.late_c.pk]
    r = api.get("/workbench", section="overdue", source="work_report")
    assert [row["id"] for row in r.json()["rows"]] == [s.late_b.pk]
    r = api.get("/workbench", section="overdue", category="major")
    assert [row["id"] for row in r.json()["rows"]] == [s.late_c.pk]
    r = api.get("/workbench", section="overdue", limit=1, offset=1)
    assert len(r.json()["rows"]) == 1 and r.json()["total"] == counts["overdue"]["tracks"]
    r = api.get("/workbench", section="to_review")
    assert [row["id"] for row in r.json()["rows"]] == [s.requested.pk]


def test_workbench_bad_filters_and_outsiders(wb_story, prov_sup, city_sup, county_clerk, clock):  # noqa: F811
    clock("2021-10-11 09:00")
    api = ApiClient(prov_sup)
    error(api.get("/workbench", unit="150000"), 422, "unknown_unit")  # another province
    error(ApiClient(city_sup).get("/workbench", unit="140200"), 422, "unknown_unit")  # outside Taiyuan
    error(api.get("/workbench", plan=99999), 422, "unknown_plan")
    error(api.get("/workbench", days=0), 422, "validation_error")
    error(api.get("/workbench", days=10_000), 422, "validation_error")
    error(api.get("/workbench", unit="1" * 41), 422, "validation_error")
    error(api.get("/workbench", section="nope"), 422, "validation_error")
    error(api.get("/workbench", limit=201), 422, "bad_limit")
    # A clerk has no workbench: not found, as the page.
    error(ApiClient(county_clerk).get("/workbench"), 404, "not_found")
    assert ApiClient().get("/workbench").status_code == 401


def test_workbench_urge_many(wb_story, prov_sup, clock):  # noqa: F811
    s = wb_story
    clock("2021-10-11 09:00")
    before = urge_state()
    r = ApiClient(prov_sup).post(
        "/workbench/urge", {"track_ids": [s.late_a.pk, s.late_b.pk, s.late_a.pk], "message": "请今日内签收"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["tracks"] == 2 and body["items"] == 2
    assert [u["track_id"] for u in body["urges"]] == [s.late_a.pk, s.late_b.pk]
    assert {u["message"] for u in body["urges"]} == {"请今日内签收"}
    assert Urge.objects.count() == before[0] + 2
    assert Event.objects.filter(action="track.urge").count() >= 2
    assert Alert.objects.filter(kind="urged").count() == before[2] + 2
    rows = ApiClient(prov_sup).get("/workbench", section="overdue").json()["rows"]
    assert next(r for r in rows if r["id"] == s.late_a.pk)["urge_count"] == 3


def test_workbench_urge_refusals_change_nothing(wb_story, prov_sup, county_clerk, other_sup, clock):  # noqa: F811
    from duban.items import services as item_services
    from tests.web.conftest import advance

    s = wb_story
    clock("2021-10-11 09:00")
    advance(s.late_b, county_clerk, to="requested")
    item_services.close_track(actor=prov_sup, track_id=s.late_b.pk, rating="good")
    api, other, clerk = ApiClient(prov_sup), ApiClient(other_sup), ApiClient(county_clerk)
    before = urge_state()  # (issuing a token is journaled: the clients come first)
    body = error(
        api.post(
            "/workbench/urge", {"track_ids": [s.late_a.pk, s.late_b.pk, s.late_c.pk], "message": "请办理"}
        ),
        409,
        "bulk_refused",
    )
    assert "未发送任何催办" in body["message"]
    assert body["detail"]["refusals"] == ["迟报事项乙（小店区）：事项已办结，无需催办"]
    assert urge_state() == before
    # Another city cannot even see the track; a clerk may urge nothing.
    body = error(other.post("/workbench/urge", {"track_ids": [s.late_a.pk]}), 409, "bulk_refused")
    assert "不存在或无权查看" in body["message"]
    error(clerk.post("/workbench/urge", {"track_ids": [s.late_a.pk]}), 409, "bulk_refused")
    error(api.post("/workbench/urge", {"track_ids": []}), 422, "empty_selection")
    error(api.post("/workbench/urge", {"track_ids": [s.late_a.pk], "message": "催" * 501}), 422, "too_long")
    error(api.post("/workbench/urge", {"track_ids": list(range(1, 202))}), 422, "validation_error")
    error(
        api.post("/workbench/urge", {"track_ids": [s.late_a.pk], "message": "催" * 2001}),
        422,
        "validation_error",
    )
    error(api.post("/workbench/urge", {"track_ids": ["x"]}), 422, "validation_error")
    assert urge_state() == before


# ---------------------------------------------------------------------------------------------
# 领导驾驶舱


def test_dashboard_is_the_pages_json(client, dashboard_story, prov_leader, clock):  # noqa: F811
    clock(STORY_AT)
    api = ApiClient(prov_leader)
    page = web(client, prov_leader)
    r = api.get("/dashboard")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data == page.get("/dashboard/140000/data.json").json()
    assert data["unit"] == {"code": "140000", "name": "山西省"}
    assert data["headline"]["all"]["open"] == 4 and data["headline"]["all"]["rate"] == 50.0
    assert [a["tracks"] for a in data["ageing"]] == [1, 0, 1]
    assert data["longest"][0]["title"] == "5G基站建设" and data["longest"][0]["days"] == 13
    r = api.get("/dashboard/140100")
    assert r.status_code == 200 and r.json() == page.get("/dashboard/140100/data.json").json()
    assert r.json()["unit"]["code"] == "140100"


def test_dashboard_outsiders_404(dashboard_story, prov_leader, county_clerk, clock):  # noqa: F811
    clock(STORY_AT)
    xd_head = make_user("xd_head_d", unit("140105"), "leader")
    api = ApiClient(xd_head)
    assert api.get("/dashboard/140105").status_code == 200
    error(api.get("/dashboard/140200"), 404, "not_found")  # another city
    error(api.get("/dashboard/140000"), 404, "not_found")  # above
    error(ApiClient(prov_leader).get("/dashboard/999999"), 404, "not_found")
    error(ApiClient(prov_leader).get("/dashboard/" + "1" * 300), 404, "not_found")
    error(ApiClient(county_clerk).get("/dashboard"), 404, "not_found")  # a clerk has none


# ---------------------------------------------------------------------------------------------
# 通报


def bulletin_state() -> tuple:
    return (Bulletin.objects.count(), Recipient.objects.count(), Event.objects.count())


def test_preview_publish_read_and_download(client, bulletin_story, prov_sup, clerks, clock):  # noqa: F811
    clock(PUBLISHED_AT)
    api = ApiClient(prov_sup)
    before = bulletin_state()
    r = api.post("/bulletins/preview", {**NOVEMBER, "scope": "140000"})
    assert r.status_code == 200, r.content
    preview = r.json()
    assert preview["saved"] is False and preview["title"] == "关于2026年11月督办事项办理情况的通报"
    assert {k: preview["data"]["totals"][k] for k in TOTALS} == TOTALS
    assert bulletin_state() == before

    r = api.post("/bulletins", NOVEMBER)
    assert r.status_code == 201, r.content
    published = r.json()
    b = Bulletin.objects.get()
    assert published["id"] == b.pk and published["title"] == preview["title"]
    assert published["issuer"] == published["scope"] == {"code": "140000", "name": "山西省"}
    assert published["published_by"]["username"] == "prov_sup"
    assert published["data"]["totals"] == preview["data"]["totals"]
    assert published["data"]["number"] == "〔2026〕X号"
    assert Event.objects.filter(action="bulletin.publish").count() == 1

    # Read: figures as stored, in the list, paged.
    clock("2026-12-09 10:00")
    detail = api.get(f"/bulletins/{b.pk}").json()
    assert detail["data"] == b.data and detail["period_start"] == "2026-11-01"
    listing = api.get("/bulletins").json()
    assert listing["total"] == 1 and listing["capped"] is False
    [row] = listing["items"]
    assert row["id"] == b.pk and row["period_label"] == "2026年11月" and row["scope"]["code"] == "140000"
    assert api.get("/bulletins", limit=1, offset=1).json()["items"] == []
    error(api.get("/bulletins", limit=0), 422, "bad_limit")

    # A ranked unit's clerk reads it too; the files are the web's bytes.
    ty = ApiClient(clerks["T"])
    assert ty.get(f"/bulletins/{b.pk}").status_code == 200
    page = web(client, prov_sup)
    for ext in ("docx", "xlsx"):
        r = ty.get(f"/bulletins/{b.pk}/{ext}")
        assert r.status_code == 200, r.content[:300]
        assert r.content == page.get(f"/bulletins/{b.pk}/{ext}/").content
        assert r["Content-Type"] == page.get(f"/bulletins/{b.pk}/{ext}/")["Content-Type"]
        assert r["Content-Disposition"].startswith("attachment;")


def test_bulletin_refusals_change_nothing(bulletin_story, prov_sup, clerks, clock):  # noqa: F811
    clock(PUBLISHED_AT)
    api, ty = ApiClient(prov_sup), ApiClient(clerks["T"])
    before = bulletin_state()  # (issuing a token is journaled: the clients come first)
    error(ty.post("/bulletins", NOVEMBER), 403, "forbidden")
    error(ty.post("/bulletins/preview", NOVEMBER), 403, "forbidden")
    error(api.post("/bulletins", {"kind": "month", "year": 2026, "month": 9}), 422, "empty_bulletin")
    error(api.post("/bulletins", {"kind": "year", "year": 2027}), 422, "period_not_started")
    error(api.post("/bulletins", {**NOVEMBER, "scope": "150000"}), 422, "bad_scope")
    error(api.post("/bulletins", {"kind": "month", "year": 2026}), 422, "bad_period")
    error(
        api.post("/bulletins", {"kind": "dates", "start": "2026-11-20", "end": "2026-11-01"}),
        422,
        "bad_period",
    )
    error(api.post("/bulletins/preview", {"kind": "month", "year": 1999, "month": 1}), 422, "bad_period")
    for bad in (
        {"kind": "month", "year": 1899, "month": 11},
        {"kind": "month", "year": 2026, "month": 13},
        {"kind": "week", "year": 2026},
        {"kind": "dates", "start": "1800-01-01", "end": "2026-11-01"},
        {"kind": "dates", "start": "2026-11-01", "end": "2101-01-01"},
        {**NOVEMBER, "scope": "1" * 33},
    ):
        error(api.post("/bulletins", bad), 422, "validation_error")
    assert bulletin_state() == before


def test_bulletin_outsiders_404(bulletin_story, prov_sup, county_clerk, clock):  # noqa: F811
    from duban.bulletins import periods, services

    clock(PUBLISHED_AT)
    b = services.publish(actor=prov_sup, period=periods.parse("month", year=2026, month=11))
    # 小店区 is neither the issuer nor ranked (its parent 太原市 is).
    outsider = ApiClient(county_clerk)
    assert outsider.get("/bulletins").json()["items"] == []
    for path in (
        f"/bulletins/{b.pk}",
        f"/bulletins/{b.pk}/docx",
        f"/bulletins/{b.pk}/xlsx",
        "/bulletins/99999",
    ):
        error(outsider.get(path), 404, "not_found")
    error(ApiClient(prov_sup).get("/bulletins/99999/docx"), 404, "not_found")


# ---------------------------------------------------------------------------------------------
# OpenAPI


def test_openapi_lists_the_results_paths(client):
    spec = client.get("/api/openapi.json").json()
    paths = spec["paths"]
    for path, method in (
        ("/api/v1/workbench", "get"),
        ("/api/v1/workbench/urge", "post"),
        ("/api/v1/dashboard", "get"),
        ("/api/v1/dashboard/{unit_code}", "get"),
        ("/api/v1/bulletins", "get"),
        ("/api/v1/bulletins", "post"),
        ("/api/v1/bulletins/preview", "post"),
        ("/api/v1/bulletins/{bulletin_id}", "get"),
        ("/api/v1/bulletins/{bulletin_id}/docx", "get"),
        ("/api/v1/bulletins/{bulletin_id}/xlsx", "get"),
    ):
        assert method in paths[path], (path, method)
    docx = paths["/api/v1/bulletins/{bulletin_id}/docx"]["get"]["responses"]["200"]["content"]
    assert "application/vnd.openxmlformats-officedocument.wordprocessingml.document" in docx
    urge = paths["/api/v1/workbench/urge"]["post"]
    assert "201" in urge["responses"] and "409" in urge["responses"]
    assert {"workbench", "dashboard", "bulletins"} <= {
        t for p in paths.values() for op in p.values() for t in op.get("tags", [])
    }
