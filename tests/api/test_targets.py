"""The targets API (量化指标): reads, writes, refusals and the OpenAPI schema."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.journal.models import Event
from duban.targets.models import Figure, Target
from tests.api.conftest import ApiClient, error
from tests.conftest import dept, make_user, unit
from tests.targets.conftest import city_clerk, fiveg, gxt_clerk  # noqa: F401


@pytest.fixture
def sup(prov_sup):
    return ApiClient(prov_sup)


@pytest.fixture
def gxt(gxt_clerk):  # noqa: F811
    return ApiClient(gxt_clerk)


def patch(api: ApiClient, path: str, body: dict):
    return api.client.patch(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")


def state() -> tuple:
    """What a refused write must leave exactly as it was."""
    return (
        list(Target.objects.order_by("id").values_list("id", "value", "value_max", "version")),
        list(Figure.objects.order_by("id").values_list("id", "value", "version")),
        Event.objects.count(),
    )


def test_list_counts_and_class(fiveg, sup, gxt, clock):  # noqa: F811
    clock("2026-04-08 10:00")
    r = gxt.post(f"/targets/{fiveg.pk}/figures", {"period_end": "2026-03-31", "value": 3750})
    assert r.status_code == 201, r.content
    r = sup.get("/targets", year=2026)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["total"] == 1 and body["capped"] is False and body["all"] == 1
    assert body["limit"] == 50 and body["offset"] == 0
    assert body["counts"]["on_track"] == 1 and body["counts"]["behind"] == 0
    [row] = body["items"]
    assert row["id"] == fiveg.pk and row["parent_id"] is None
    assert row["unit"] == {"code": dept("省工信厅").code, "name": dept("省工信厅").name}
    assert row["class"] == {"code": "on_track", "label": "达进度"}
    assert row["period_end"] == "2026-03-31"
    assert row["actual"] == 3750 and row["expected"] == 3750 and row["completion"] == 0.25
    assert row["forecast"] == 15000 and row["gap"] == 0
    assert row["inconsistent"] is False and row["confidence"] is None
    assert row["kind"] == "cumulative" and row["unit_label"] == "座" and row["value"] == 15000
    assert set(row["actions"]) == {"edit", "file_stats", "allocate"}
    assert gxt.get("/targets").json()["items"][0]["actions"] == ["file"]

    # The class filter narrows the rows; the counts stay.
    body = sup.get("/targets", klass="behind").json()
    assert body["total"] == 0 and body["items"] == [] and body["counts"]["on_track"] == 1
    assert sup.get("/targets/counts", year=2026).json()["counts"]["on_track"] == 1
    assert sup.get("/targets", year=2025).json()["total"] == 0
    assert sup.get("/targets", unit="140100").json()["total"] == 0
    assert sup.get("/targets", q="5G").json()["total"] == 1
    assert sup.get("/targets", item=fiveg.item_id, top=True).json()["total"] == 1
    assert sup.get("/targets", offset=1).json()["items"] == []


def test_list_bounds(fiveg, sup):  # noqa: F811
    error(sup.get("/targets", limit=0), 422, "bad_limit")
    error(sup.get("/targets", limit=501), 422, "bad_limit")
    error(sup.get("/targets", offset=1_000_001), 422, "bad_offset")
    error(sup.get("/targets", unit="999999"), 422, "unknown_unit")
    error(sup.get("/targets", klass="nope"), 422, "validation_error")
    error(sup.get("/targets", q="x" * 101), 422, "validation_error")


def test_detail_filing_and_correction(fiveg, sup, gxt, gxt_clerk, clock):  # noqa: F811
    clock("2026-04-08 10:00")
    r = gxt.post(
        f"/targets/{fiveg.pk}/figures",
        {"period_end": "2026-03-31", "value": 3000, "confidence": "likely", "note": "一季度"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["figure"]["version"] == 1
    r = gxt.post(
        f"/targets/{fiveg.pk}/figures",
        {
            "period_end": "2026-03-31",
            "value": 3100,
            "confidence": "at_risk",
            "confidence_reason": "选址难",
        },
    )
    assert r.status_code == 201, r.content
    fig = r.json()["figure"]
    assert fig["version"] == 2 and fig["value"] == 3100 and fig["current"] is True
    assert fig["author"]["username"] == "gxt_clerk"
    assert fig["created_at"] == "2026-04-08T10:00:00+08:00"
    event = Event.objects.get(action="figure.correct")
    assert event.old == {"value": 3000, "version": 1}

    # The same figure again changes nothing.
    before = state()
    r = gxt.post(
        f"/targets/{fiveg.pk}/figures",
        {
            "period_end": "2026-03-31",
            "value": 3100,
            "confidence": "at_risk",
            "confidence_reason": "选址难",
        },
    )
    assert r.status_code == 200 and r.json()["figure"] is None
    assert state() == before

    d = sup.get(f"/targets/{fiveg.pk}").json()
    assert [(f["version"], f["value"], f["current"]) for f in d["figures"]] == [
        (2, 3100, True),
        (1, 3000, False),
    ]
    assert d["class"]["code"] == "behind" and d["actual"] == 3100
    assert d["confidence"] == {
        "code": "at_risk",
        "label": "有风险",
        "reason": "选址难",
        "period_end": "2026-03-31",
    }
    assert d["periods"] == [
        {
            "period_end": "2026-03-31",
            "value": 3100,
            "source": "unit",
            "expected": 3750,
            "class": {"code": "behind", "label": "欠进度"},
        }
    ]
    assert d["source_text"] == "再新建5G基站1.5万座" and d["higher_is_better"] is True
    assert d["tolerance"] == 0.05 and d["baseline"] is None and d["profile"] is None
    assert d["item"]["id"] == fiveg.item_id and d["shares"] == [] and d["rollup"] == []
    allowed = {a["name"]: a for a in d["allowed"]}
    assert allowed["edit"]["allowed"] is True
    assert allowed["file"] == {
        "name": "file",
        "allowed": False,
        "code": "forbidden",
        "reason": "只有责任单位的承办人或第一责任人可以报送指标数据",
    }

    # 统计数 entered by the issuing side, disagreeing: 数据不一致, and the class reads it.
    r = sup.post(
        f"/targets/{fiveg.pk}/figures", {"period_end": "2026-03-31", "value": 3800, "source": "stats"}
    )
    assert r.status_code == 201, r.content
    d = r.json()["target"]
    assert d["inconsistent"] is True and d["mismatched"] == ["2026-03-31"]
    assert d["actual"] == 3800 and d["periods"][0]["source"] == "stats"

    chart = sup.get(f"/targets/{fiveg.pk}/chart").json()
    assert len(chart["periods"]) == 12 and chart["periods"][2] == "2026-03-31"
    assert chart["expected"][2] == 3750 and chart["expected"][11] == 15000
    assert chart["actual"][:4] == [None, None, 3800, None]
    assert chart["reported"][2] == 3100 and chart["stats"][2] == 3800
    assert chart["forecast"][:2] == [None, None] and chart["forecast"][2] == 3800
    assert chart["forecast"][11] == pytest.approx(chart["forecast_year_end"]) == pytest.approx(15200)
    assert chart["target"] == 15000


def test_upload_with_evidence(fiveg, gxt, sup, clock):  # noqa: F811
    clock("2026-04-08 10:00")
    r = gxt.multipart(
        f"/targets/{fiveg.pk}/figures/upload",
        {
            "period_end": "2026-03-31",
            "value": "3750",
            "files": [SimpleUploadedFile("台账.txt", "基站清单".encode(), content_type="text/plain")],
        },
    )
    assert r.status_code == 201, r.content
    [att] = r.json()["figure"]["evidence"]
    assert sup.get(f"/attachments/{att}").status_code == 200


def test_refusals_change_nothing(fiveg, gxt, sup, county_clerk, city_clerk, clock):  # noqa: F811
    clock("2026-04-08 10:00")
    outsider, city = ApiClient(county_clerk), ApiClient(city_clerk)  # tokens are journaled too
    before = state()
    # Not a period end, a future period, not a date: bad_period / future_period.
    error(
        gxt.post(f"/targets/{fiveg.pk}/figures", {"period_end": "2026-03-15", "value": 1}), 422, "bad_period"
    )
    error(gxt.post(f"/targets/{fiveg.pk}/figures", {"period_end": "三月", "value": 1}), 422, "bad_period")
    error(
        gxt.post(f"/targets/{fiveg.pk}/figures", {"period_end": "2026-06-30", "value": 1}),
        422,
        "future_period",
    )
    error(
        gxt.post(
            f"/targets/{fiveg.pk}/figures", {"period_end": "2026-03-31", "value": 1, "confidence": "unlikely"}
        ),
        422,
        "reason_required",
    )
    # The supervisor may not file the unit's figure; the unit may not enter statistics.
    error(
        sup.post(f"/targets/{fiveg.pk}/figures", {"period_end": "2026-03-31", "value": 1}), 403, "forbidden"
    )
    error(
        gxt.post(f"/targets/{fiveg.pk}/figures", {"period_end": "2026-03-31", "value": 1, "source": "stats"}),
        403,
        "forbidden",
    )
    # Not finite, too long: refused before the service.
    r = gxt.client.post(
        f"/api/v1/targets/{fiveg.pk}/figures",
        data='{"period_end": "2026-03-31", "value": Infinity}',
        content_type="application/json",
    )
    error(r, 422, "validation_error")
    error(
        gxt.post(
            f"/targets/{fiveg.pk}/figures", {"period_end": "2026-03-31", "value": 1, "note": "x" * 2001}
        ),
        422,
        "validation_error",
    )
    # A county clerk, and a city whose item it is not: the target is not theirs to see.
    error(
        outsider.post(f"/targets/{fiveg.pk}/figures", {"period_end": "2026-03-31", "value": 1}),
        404,
        "not_found",
    )
    error(outsider.get(f"/targets/{fiveg.pk}"), 404, "not_found")
    error(outsider.get(f"/targets/{fiveg.pk}/chart"), 404, "not_found")
    error(patch(outsider, f"/targets/{fiveg.pk}", {"value": 1}), 404, "not_found")
    error(
        outsider.post(f"/targets/{fiveg.pk}/allocation", {"shares": [{"unit": "140100", "value": 1}]}),
        404,
        "not_found",
    )
    assert outsider.get("/targets").json()["total"] == 0
    error(city.get(f"/targets/{fiveg.pk}"), 404, "not_found")
    error(sup.get("/targets/999999"), 404, "not_found")
    # Only the issuing office's supervisor edits.
    error(patch(gxt, f"/targets/{fiveg.pk}", {"value": 1}), 403, "forbidden")
    error(gxt.post(f"/items/{fiveg.item_id}/targets", {"indicator": "x", "value": 1}), 403, "forbidden")
    assert state() == before
    error(ApiClient().get("/targets"), 401, "unauthenticated")


def test_create_and_edit(fiveg, sup, clock):  # noqa: F811
    clock("2026-01-06 09:00")
    r = sup.post(
        f"/items/{fiveg.item_id}/targets",
        {"indicator": "5G用户占比", "value": 60, "unit_label": "%", "source_text": "5G用户占比达到60%"},
    )
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["kind"] == "level" and t["plan_year"] == 2026 and t["version"] == 1
    assert t["class"]["code"] == "no_data" and t["created_by"]["username"] == "prov_sup"

    before = state()
    error(patch(sup, f"/targets/{t['id']}", {"profile": [1] * 11}), 422, "validation_error")
    error(patch(sup, f"/targets/{t['id']}", {"kind": "range", "value_max": 10}), 422, "bad_range")
    error(patch(sup, f"/targets/{t['id']}", {"indicator": None}), 422, "required")
    error(patch(sup, f"/targets/{t['id']}", {"value": 61, "expected_version": 7}), 409, "stale_version")
    error(
        sup.post(f"/items/{fiveg.item_id}/targets", {"indicator": "x", "value": 1, "due_day": 29}),
        422,
        "validation_error",
    )
    assert state() == before

    r = patch(sup, f"/targets/{t['id']}", {"value": 65, "baseline": 50, "expected_version": 1})
    assert r.status_code == 200, r.content
    assert (r.json()["value"], r.json()["baseline"], r.json()["version"]) == (65, 50, 2)
    assert Event.objects.filter(action="target.update", object_id=t["id"]).count() == 1
    r = patch(sup, f"/targets/{t['id']}", {"baseline": None})
    assert r.json()["baseline"] is None and r.json()["version"] == 3


def test_allocation_short_then_accepted(fiveg, sup, clock):  # noqa: F811
    clock("2026-01-06 09:00")
    shares = [{"unit": "140100", "value": 8000}, {"unit": "140200", "value": 6000}]
    before = state()
    body = error(sup.post(f"/targets/{fiveg.pk}/allocation", {"shares": shares}), 422, "allocation_short")
    assert body["detail"]["short"] == 1000 and body["detail"]["total"] == 14000
    assert state() == before
    error(sup.post(f"/targets/{fiveg.pk}/allocation", {"shares": []}), 422, "validation_error")
    error(
        sup.post(f"/targets/{fiveg.pk}/allocation", {"shares": [{"unit": "nope", "value": 1}]}),
        422,
        "bad_unit",
    )
    assert state() == before

    r = sup.post(f"/targets/{fiveg.pk}/allocation", {"shares": shares, "accept_shortfall": True})
    assert r.status_code == 200, r.content
    body = r.json()
    assert sorted((s["unit"]["code"], s["value"]) for s in body["shares"]) == [
        ("140100", 8000),
        ("140200", 6000),
    ]
    assert body["target"]["children"] == 2 and len(body["target"]["shares"]) == 2
    assert all(s["class"]["code"] == "no_data" for s in body["shares"])
    child = next(s["id"] for s in body["shares"] if s["unit"]["code"] == "140100")

    # The city's clerk sees its share (and files for it), not the province's target.
    taiyuan = ApiClient(make_user("ty_clerk", unit("140100"), "clerk"))
    rows = taiyuan.get("/targets").json()["items"]
    assert [r["id"] for r in rows] == [child] and rows[0]["parent_id"] == fiveg.pk
    assert rows[0]["actions"] == ["file"]
    error(taiyuan.get(f"/targets/{fiveg.pk}"), 404, "not_found")
    assert sup.get("/targets", top=True).json()["total"] == 1
    assert sup.get("/targets", unit="140100").json()["total"] == 1


def test_openapi_lists_the_paths(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for p in (
        "/api/v1/targets",
        "/api/v1/targets/counts",
        "/api/v1/targets/{target_id}",
        "/api/v1/targets/{target_id}/chart",
        "/api/v1/targets/{target_id}/figures",
        "/api/v1/targets/{target_id}/figures/upload",
        "/api/v1/targets/{target_id}/allocation",
        "/api/v1/items/{item_id}/targets",
    ):
        assert p in paths, p
    assert "patch" in paths["/api/v1/targets/{target_id}"]
    row = client.get("/api/openapi.json").json()["components"]["schemas"]["TargetRow"]
    assert "class" in row["properties"]
