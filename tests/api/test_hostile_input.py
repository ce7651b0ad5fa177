"""Hostile input at the API's edge: every answer is the API's JSON error with a stable code, and
nothing reaches the database that it would choke on (on PostgreSQL a NUL byte, a bigint overflow
or a date near 9999 used to be a 500)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from duban.items.models import Item, Report
from tests.api.conftest import ApiClient, error, snapshot


@pytest.fixture
def sup(prov_sup):
    return ApiClient(prov_sup)


@pytest.fixture
def clerk(county_clerk):
    return ApiClient(county_clerk)


def test_nul_in_a_json_field_is_refused_naming_the_field(sup):
    before = Item.objects.count()
    body = error(sup.post("/items", {"title": "老旧小区\x00改造"}), 422, "control_characters")
    assert body["detail"]["field"] == "title"
    assert body["detail"]["char"] == "NUL"
    assert "title" in body["message"]
    body = error(
        sup.post("/items", {"title": "改造", "lead": ["140105", "1401\x0006"]}), 422, "control_characters"
    )
    assert body["detail"]["field"] == "lead.1"
    assert Item.objects.count() == before


@pytest.mark.parametrize("text", ["\x0b", "\x1f", "\x7f", "\ud800"])
def test_other_control_characters_and_lone_surrogates_are_refused(sup, text):
    # json.dumps escapes them all (\u000b, \ud800): the bytes on the wire are plain ASCII.
    error(sup.post("/items", {"title": "标题", "body": f"第一段{text}"}), 422, "control_characters")


def test_tab_newline_and_return_stay_allowed_in_multi_line_text(sup):
    r = sup.post("/items", {"title": "推进改造", "body": "第一段\r\n\t第二段", "not_classified": True})
    assert r.status_code == 201, r.content
    assert r.json()["body"] == "第一段\r\n\t第二段"


def test_nul_in_a_form_field_is_refused(track_id, clerk):
    before = snapshot(track_id)
    r = clerk.multipart(f"/tracks/{track_id}/reports", {"kind": "deploy", "done": "已部署\x00"})
    body = error(r, 422, "control_characters")
    assert body["detail"]["field"] == "done"
    assert snapshot(track_id) == before
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "path,params",
    [
        ("/items", {"q": "改造\x00"}),
        ("/items", {"unit": "\x00"}),
        ("/units", {"q": "\x00"}),
        ("/units", {"kind": "county\x00"}),
        ("/targets", {"q": "\x00"}),
        ("/targets", {"section": "\x00"}),
        ("/workbench", {"unit": "\x00"}),
        ("/queue", {"x\x00": "1"}),
    ],
)
def test_nul_in_a_query_is_refused(sup, path, params):
    body = error(sup.get(path, **params), 422, "control_characters")
    assert body["detail"]["location"] == "query"


def test_nul_in_the_path_or_a_cookie_is_refused(sup):
    body = error(sup.client.get("/api/v1/dashboard/1401%0005"), 422, "control_characters")
    assert body["detail"]["location"] == "path"
    sup.client.cookies["sessionid"] = "abc\x00def"
    body = error(sup.get("/me"), 422, "control_characters")
    assert body["detail"]["location"] == "cookie"
    del sup.client.cookies["sessionid"]
    body = error(sup.client.get("/api/v1/me", HTTP_USER_AGENT="curl\x00"), 422, "control_characters")
    assert body["detail"] == {"field": "User-Agent", "char": "NUL", "location": "header"}


@pytest.mark.parametrize(
    "path", ["/items", "/inbox", "/bulletins", "/queue/to_sign", "/targets", "/workbench"]
)
def test_huge_offsets_and_limits_are_refused(sup, path):
    error(sup.get(path, offset=2**63), 422, "bad_offset")
    error(sup.get(path, offset=10**40), 422, "bad_offset")
    error(sup.get(path, offset=-1), 422, "bad_offset")
    error(sup.get(path, limit=2**63), 422, "bad_limit")
    assert sup.get(path, offset=1_000_000).status_code == 200


@pytest.mark.parametrize("raw", [str(2**63), str(10**30), "0", "-1"])
def test_ids_beyond_the_bigint_are_not_found(sup, track_id, raw):
    error(sup.get(f"/items/{raw}"), 404, "not_found")
    error(sup.get(f"/tracks/{raw}"), 404, "not_found")
    error(sup.post(f"/tracks/{raw}/urge"), 404, "not_found")
    error(sup.get(f"/targets/{raw}"), 404, "not_found")
    error(sup.get(f"/bulletins/{raw}/docx"), 404, "not_found")


def test_ids_in_bodies_and_queries_are_bounded(sup, track_id):
    error(sup.post("/workbench/urge", {"track_ids": [2**63]}), 422, "validation_error")
    error(sup.get("/targets", item=2**63), 422, "validation_error")
    error(sup.post(f"/tracks/{track_id}/urge", {"expected_version": 2**63}), 422, "validation_error")


@pytest.mark.parametrize("day", ["9999-12-30", "9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_dates_outside_1900_2100_are_refused(sup, track_id, day):
    body = error(sup.get("/deadlines", assigned=day), 422, "date_out_of_range")
    assert body["detail"]["field"] == "assigned"
    body = error(sup.get("/items", due_from=day), 422, "validation_error")
    assert "due_from" in body["message"]
    error(sup.get("/items", due_to=day), 422, "validation_error")
    error(sup.get("/targets", upto=day), 422, "validation_error")
    before = snapshot(track_id)
    error(
        sup.post("/items", {"title": "x", "category": "continuous", "final_due": day}),
        422,
        "validation_error",
    )
    error(
        sup.post(f"/tracks/{track_id}/extensions", {"reason": "x", "proposed_due": day}),
        422,
        "validation_error",
    )
    error(
        sup.post("/bulletins/preview", {"kind": "dates", "start": day, "end": day}), 422, "validation_error"
    )
    assert snapshot(track_id) == before


def test_a_25_mb_json_body_is_refused_unread(sup):
    big = json.dumps({"title": "x" * (25 * 1024 * 1024)})
    r = sup.client.post("/api/v1/items", data=big, content_type="application/json")
    error(r, 413, "too_large")
    assert r["Connection"] == "close"


def test_broken_json_and_bad_utf8_are_400(sup):
    for raw in (b"{", b'{"title": }', b"\xff\xfe{}", b"\x00", b"[1, 2"):
        r = sup.client.post("/api/v1/items", data=raw, content_type="application/json")
        body = error(r, 400, "bad_request")
        assert "JSON" in body["message"]


def test_a_body_of_another_type_is_415(sup):
    r = sup.client.post("/api/v1/items", data='{"title": "x"}', content_type="text/plain")
    error(r, 415, "unsupported_media_type")
    r = sup.client.post("/api/v1/items", data="<item/>", content_type="application/xml")
    error(r, 415, "unsupported_media_type")


def test_unknown_paths_and_methods_answer_json(sup, track_id):
    error(sup.get("/nowhere"), 404, "not_found")
    error(sup.client.get("/api/nowhere/at/all"), 404, "not_found")
    r = sup.client.get(f"/api/v1/tracks/{track_id}/sign")
    body = error(r, 405, "method_not_allowed")
    assert "POST" in r["Allow"]
    assert body["detail"]["path"] == f"/api/v1/tracks/{track_id}/sign"
    error(sup.client.delete("/api/v1/items"), 405, "method_not_allowed")


def test_a_server_error_answers_json(prov_sup, monkeypatch):
    from duban.items import selectors

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "light_board", boom)
    api = ApiClient(prov_sup, raise_request_exception=False)
    body = error(api.get("/board"), 500, "server_error")
    assert "boom" not in json.dumps(body)


def test_unauthenticated_and_csrf_failures_answer_json(track_id, county_clerk):
    anonymous = Client()
    error(anonymous.get("/api/v1/me"), 401, "unauthenticated")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(county_clerk)
    r = browser.post(f"/api/v1/tracks/{track_id}/sign", data="{}", content_type="application/json")
    assert r.status_code == 403
    assert set(r.json()) == {"code", "message", "detail"}
