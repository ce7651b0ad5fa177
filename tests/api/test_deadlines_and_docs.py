"""The deadline calculator (same JSON as ``duban deadlines``) and the published schema/docs."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from tests.api.conftest import ApiClient, error

# The table: assigned → 1st, 3rd, 7th working day, one month.
TABLE = [
    ("2021-09-30", "2021-10-08", "2021-10-11", "2021-10-15", "2021-11-01"),
    ("2021-02-10", "2021-02-18", "2021-02-20", "2021-02-25", "2021-03-10"),
    ("2026-02-13", "2026-02-14", "2026-02-25", "2026-03-02", "2026-03-13"),
    ("2021-01-31", "2021-02-01", "2021-02-03", "2021-02-08", "2021-03-01"),
]


def eod(day: str) -> str:
    return f"{day}T23:59:59+08:00"


@pytest.fixture
def api(county_clerk):
    return ApiClient(county_clerk)


@pytest.mark.parametrize("assigned,first,third,seventh,month", TABLE)
def test_deadlines_reproduce_the_table(api, assigned, first, third, seventh, month):
    r = api.get("/deadlines", assigned=assigned, category="general")
    assert r.status_code == 200, r.content
    assert r.json() == [
        {"node": "sign", "due": eod(first)},
        {"node": "deploy", "due": eod(first)},
        {"node": "feedback", "due": eod(third)},
        {"node": "result", "due": eod(seventh)},
    ]
    r = api.get("/deadlines", assigned=assigned, category="major")
    assert r.json() == [
        {"node": "sign", "due": eod(first)},
        {"node": "deploy", "due": eod(first)},
        {"node": "feedback", "due": eod(third)},
        {"node": "result", "due": eod(month)},
    ]


@pytest.mark.parametrize("category", ["general", "major", "continuous"])
@pytest.mark.parametrize("assigned", ["2021-09-30", "2021-09-30T23:30:00", "2026-02-13"])
def test_deadlines_match_the_cli(api, assigned, category):
    out = io.StringIO()
    call_command(
        "deadlines", "--assigned", assigned, "--category", category, stdout=out, stderr=io.StringIO()
    )
    assert api.get("/deadlines", assigned=assigned, category=category).json() == json.loads(out.getvalue())


def test_deadlines_default_to_general(api):
    assert [n["node"] for n in api.get("/deadlines", assigned="2021-09-30").json()] == [
        "sign",
        "deploy",
        "feedback",
        "result",
    ]


def test_deadlines_refuse_bad_input(api):
    error(api.get("/deadlines", assigned="30/09/2021"), 422, "bad_date")
    error(api.get("/deadlines"), 422, "bad_date")
    error(api.get("/deadlines", assigned="2021-09-30", category="urgent"), 422, "validation_error")


def test_openapi_schema_lists_the_paths(shanxi):
    r = Client().get("/api/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["info"]["title"] == "Duban 13710 督办 API"
    paths = set(schema["paths"])
    for p in [
        "/api/v1/me",
        "/api/v1/items",
        "/api/v1/items/{item_id}",
        "/api/v1/items/{item_id}/journal",
        "/api/v1/items/{item_id}/assign",
        "/api/v1/items/{item_id}/instructions",
        "/api/v1/tracks/{track_id}",
        "/api/v1/tracks/{track_id}/sign",
        "/api/v1/tracks/{track_id}/reports",
        "/api/v1/tracks/{track_id}/return",
        "/api/v1/tracks/{track_id}/close",
        "/api/v1/tracks/{track_id}/extensions",
        "/api/v1/extensions/{extension_id}/decide",
        "/api/v1/tracks/{track_id}/urge",
        "/api/v1/tracks/{track_id}/route",
        "/api/v1/tracks/{track_id}/pass-down",
        "/api/v1/queue",
        "/api/v1/queue/{kind}",
        "/api/v1/board",
        "/api/v1/units",
        "/api/v1/deadlines",
    ]:
        assert p in paths, p
    assert (
        "multipart/form-data"
        in schema["paths"]["/api/v1/tracks/{track_id}/reports"]["post"]["requestBody"]["content"]
    )
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_swagger_ui_is_served(shanxi):
    r = Client().get("/api/docs")
    assert r.status_code == 200
    assert b"swagger" in r.content.lower() and b"/api/openapi.json" in r.content
