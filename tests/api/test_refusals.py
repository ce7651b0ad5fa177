"""Every refusal: the right HTTP status, a stable code, and nothing changed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.items.models import Attachment, Item, Report, Track
from tests.api.conftest import ApiClient, error, snapshot, to_requested


@pytest.fixture
def sup(prov_sup):
    return ApiClient(prov_sup)


@pytest.fixture
def clerk(county_clerk):
    return ApiClient(county_clerk)


@pytest.fixture
def head(county_head):
    return ApiClient(county_head)


def refused(track_id, response_fn, status, code):
    before = snapshot(track_id)
    body = error(response_fn(), status, code)
    assert snapshot(track_id) == before
    return body


def test_sign_twice(track_id, clerk):
    assert clerk.post(f"/tracks/{track_id}/sign").status_code == 200
    refused(track_id, lambda: clerk.post(f"/tracks/{track_id}/sign"), 409, "already_signed")


def test_stale_expected_version(track_id, clerk, head):
    loaded = clerk.get(f"/tracks/{track_id}").json()["version"]
    head.post(f"/tracks/{track_id}/route", {"assignee": "county_clerk"})  # someone else changes it
    refused(
        track_id,
        lambda: clerk.post(f"/tracks/{track_id}/sign", {"expected_version": loaded}),
        409,
        "stale_version",
    )


@pytest.mark.parametrize(
    "path,body",
    [
        ("return", {"reason": "x"}),
        ("close", {"rating": "good"}),
        ("urge", {}),
        ("route", {"assignee": "county_clerk"}),
        ("extensions", {"reason": "x", "proposed_due": "2021-10-20"}),
        ("pass-down", {"units": ["140105001"]}),
    ],
)
def test_every_track_action_checks_expected_version(track_id, sup, head, clerk, clock, path, body):
    clock("2021-10-08 09:00")
    actor = {"return": sup, "close": sup, "urge": sup}.get(path, head)
    stale = Track.objects.get(pk=track_id).version - 1
    refused(
        track_id,
        lambda: actor.post(f"/tracks/{track_id}/{path}", {**body, "expected_version": stale}),
        409,
        "stale_version",
    )


def test_report_with_stale_version(track_id, clerk):
    clerk.post(f"/tracks/{track_id}/sign")
    refused(
        track_id,
        lambda: clerk.multipart(
            f"/tracks/{track_id}/reports", {"kind": "deploy", "done": "x", "expected_version": "1"}
        ),
        409,
        "stale_version",
    )


def test_decide_extension_with_stale_version(track_id, sup, clerk, clock):
    clock("2021-10-08 09:00")
    r = clerk.post(f"/tracks/{track_id}/extensions", {"reason": "x", "proposed_due": "2021-10-20"})
    ext_id, version = r.json()["extension"]["id"], r.json()["track"]["version"]
    refused(
        track_id,
        lambda: sup.post(
            f"/extensions/{ext_id}/decide", {"decision": "grant", "expected_version": version - 1}
        ),
        409,
        "stale_version",
    )


def test_close_own_units_track_is_forbidden(track_id, clerk, head, clock):
    to_requested(clerk, track_id, clock)
    refused(track_id, lambda: head.post(f"/tracks/{track_id}/close", {"rating": "good"}), 403, "forbidden")
    refused(track_id, lambda: head.post(f"/tracks/{track_id}/return", {"reason": "x"}), 403, "forbidden")


def test_report_on_closed_track(track_id, sup, clerk, clock):
    to_requested(clerk, track_id, clock)
    assert sup.post(f"/tracks/{track_id}/close", {"rating": "pass"}).status_code == 200
    refused(
        track_id,
        lambda: clerk.multipart(f"/tracks/{track_id}/reports", {"kind": "progress", "done": "x"}),
        409,
        "closed",
    )
    refused(track_id, lambda: sup.post(f"/tracks/{track_id}/urge"), 409, "closed")


def test_report_out_of_order_and_awaiting_review(track_id, clerk, clock):
    clerk.post(f"/tracks/{track_id}/sign")
    refused(
        track_id,
        lambda: clerk.multipart(f"/tracks/{track_id}/reports", {"kind": "feedback", "done": "x"}),
        409,
        "out_of_order",
    )
    to_requested_from_signed = ("deploy", "feedback", "result")
    for kind in to_requested_from_signed:
        clerk.multipart(f"/tracks/{track_id}/reports", {"kind": kind, "done": "x"})
    refused(
        track_id,
        lambda: clerk.multipart(f"/tracks/{track_id}/reports", {"kind": "progress", "done": "x"}),
        409,
        "awaiting_review",
    )


def test_report_missing_text(track_id, clerk):
    clerk.post(f"/tracks/{track_id}/sign")
    body = refused(
        track_id,
        lambda: clerk.multipart(f"/tracks/{track_id}/reports", {"kind": "deploy", "done": "   "}),
        422,
        "required",
    )
    assert body["detail"] == {"field": "工作开展情况"}


def test_report_bad_kind_is_a_validation_error(track_id, clerk):
    clerk.post(f"/tracks/{track_id}/sign")
    refused(
        track_id,
        lambda: clerk.multipart(f"/tracks/{track_id}/reports", {"kind": "summary", "done": "x"}),
        422,
        "validation_error",
    )


def test_bad_attachment_rolls_back_the_report(track_id, clerk):
    clerk.post(f"/tracks/{track_id}/sign")
    refused(
        track_id,
        lambda: clerk.multipart(
            f"/tracks/{track_id}/reports",
            {
                "kind": "deploy",
                "done": "x",
                "files": [SimpleUploadedFile("a.exe", b"MZ\x90\x00" + b"\x00" * 64)],
            },
        ),
        422,
        "file_type",
    )
    assert not Report.objects.exists() and not Attachment.objects.exists()


def test_extension_to_a_past_date(track_id, clerk, clock):
    clock("2021-10-08 09:00")
    refused(
        track_id,
        lambda: clerk.post(f"/tracks/{track_id}/extensions", {"reason": "x", "proposed_due": "2021-10-01"}),
        422,
        "date_not_later",
    )


def test_extension_granted_to_a_past_date(track_id, sup, clerk, clock):
    clock("2021-10-08 09:00")
    ext_id = clerk.post(
        f"/tracks/{track_id}/extensions", {"reason": "x", "proposed_due": "2021-10-20"}
    ).json()["extension"]["id"]
    refused(
        track_id,
        lambda: sup.post(f"/extensions/{ext_id}/decide", {"decision": "grant", "due": "2021-10-08"}),
        422,
        "date_in_past",
    )


def test_extension_after_due(track_id, clerk, clock):
    clock("2021-10-09 09:00")
    refused(
        track_id,
        lambda: clerk.post(f"/tracks/{track_id}/extensions", {"reason": "x", "proposed_due": "2021-10-20"}),
        409,
        "already_overdue",
    )


def test_extension_decided_twice(track_id, sup, clerk, clock):
    clock("2021-10-08 09:00")
    ext_id = clerk.post(
        f"/tracks/{track_id}/extensions", {"reason": "x", "proposed_due": "2021-10-20"}
    ).json()["extension"]["id"]
    sup.post(f"/extensions/{ext_id}/decide", {"decision": "refuse"})
    refused(
        track_id,
        lambda: sup.post(f"/extensions/{ext_id}/decide", {"decision": "grant"}),
        409,
        "already_decided",
    )


def test_extension_decided_by_the_handler(track_id, clerk, head, clock):
    clock("2021-10-08 09:00")
    ext_id = clerk.post(
        f"/tracks/{track_id}/extensions", {"reason": "x", "proposed_due": "2021-10-20"}
    ).json()["extension"]["id"]
    refused(
        track_id, lambda: head.post(f"/extensions/{ext_id}/decide", {"decision": "grant"}), 403, "forbidden"
    )


def test_unknown_extension(track_id, sup):
    refused(track_id, lambda: sup.post("/extensions/999999/decide", {"decision": "grant"}), 404, "not_found")


def test_close_when_not_requested_and_bad_rating(track_id, sup):
    refused(track_id, lambda: sup.post(f"/tracks/{track_id}/close", {"rating": "good"}), 409, "not_requested")
    refused(
        track_id, lambda: sup.post(f"/tracks/{track_id}/close", {"rating": "great"}), 422, "validation_error"
    )
    refused(track_id, lambda: sup.post(f"/tracks/{track_id}/return", {"reason": "x"}), 409, "not_requested")


def test_return_needs_a_reason(track_id, sup, clerk, clock):
    to_requested(clerk, track_id, clock)
    refused(track_id, lambda: sup.post(f"/tracks/{track_id}/return", {"reason": " "}), 422, "required")
    refused(
        track_id,
        lambda: sup.post(f"/tracks/{track_id}/return", {"reason": "x", "working_days": 99}),
        422,
        "bad_days",
    )


def test_handler_cannot_urge_itself(track_id, head):
    refused(track_id, lambda: head.post(f"/tracks/{track_id}/urge"), 403, "forbidden")


def test_route_refusals(track_id, clerk, head, sibling_clerk):
    refused(
        track_id,
        lambda: clerk.post(f"/tracks/{track_id}/route", {"assignee": "county_clerk"}),
        403,
        "forbidden",
    )
    refused(
        track_id,
        lambda: head.post(f"/tracks/{track_id}/route", {"assignee": "sibling_clerk"}),
        422,
        "bad_assignee",
    )
    refused(
        track_id, lambda: head.post(f"/tracks/{track_id}/route", {"assignee": "nobody"}), 422, "bad_assignee"
    )


def test_pass_down_refusals(track_id, head):
    refused(
        track_id,
        lambda: head.post(f"/tracks/{track_id}/pass-down", {"units": ["140105001"]}),
        409,
        "bad_state",
    )
    head.post(f"/tracks/{track_id}/sign")
    refused(
        track_id, lambda: head.post(f"/tracks/{track_id}/pass-down", {"units": ["140106"]}), 422, "bad_unit"
    )
    body = refused(
        track_id,
        lambda: head.post(f"/tracks/{track_id}/pass-down", {"units": ["999999"]}),
        422,
        "unknown_unit",
    )
    assert body["detail"]["codes"] == ["999999"]


def test_register_refusals(track_id, sup, clerk):
    refused(track_id, lambda: clerk.post("/items", {"not_classified": True, "title": "x"}), 403, "forbidden")
    refused(track_id, lambda: sup.post("/items", {"not_classified": True, "title": "  "}), 422, "required")
    refused(
        track_id,
        lambda: sup.post("/items", {"not_classified": True, "title": "x", "category": "urgent"}),
        422,
        "validation_error",
    )
    refused(
        track_id,
        lambda: sup.post("/items", {"not_classified": True, "title": "x", "lead": ["nope"]}),
        422,
        "unknown_unit",
    )
    refused(
        track_id,
        lambda: sup.post("/items", {"not_classified": True, "title": "x", "coop": ["140106"]}),
        422,
        "lead_required",
    )
    refused(
        track_id,
        lambda: sup.post("/items", {"not_classified": True, "title": "x", "lead": ["140000"]}),
        422,
        "bad_unit",
    )
    refused(
        track_id,
        lambda: sup.post("/items", {"not_classified": True, "title": "x", "category": "continuous"}),
        422,
        "final_due_required",
    )
    assert Item.objects.count() == 1


def test_assign_refusals(assigned_item, track_id, sup, clerk):
    pk = assigned_item.pk
    refused(track_id, lambda: clerk.post(f"/items/{pk}/assign", {"lead": ["140106"]}), 403, "forbidden")
    refused(track_id, lambda: sup.post(f"/items/{pk}/assign", {"lead": ["140105"]}), 409, "already_assigned")
    refused(track_id, lambda: sup.post(f"/items/{pk}/assign", {"lead": []}), 422, "lead_required")
    refused(track_id, lambda: sup.post(f"/items/{pk}/assign", {}), 422, "validation_error")


def test_instruction_refusals(assigned_item, track_id, sup, prov_leader):
    refused(
        track_id, lambda: sup.post(f"/items/{assigned_item.pk}/instructions", {"text": "x"}), 403, "forbidden"
    )
    leader = ApiClient(prov_leader)
    refused(
        track_id,
        lambda: leader.post(f"/items/{assigned_item.pk}/instructions", {"text": ""}),
        422,
        "required",
    )


def test_malformed_requests(track_id, clerk):
    refused(
        track_id,
        lambda: clerk.client.post(
            f"/api/v1/tracks/{track_id}/sign", data="{", content_type="application/json"
        ),
        400,
        "bad_request",
    )
    refused(
        track_id,
        lambda: clerk.post(f"/tracks/{track_id}/sign", {"expected_version": "two"}),
        422,
        "validation_error",
    )
    error(clerk.get("/tracks/abc"), 422, "validation_error")
    error(clerk.get("/items", light="purple"), 422, "validation_error")
    error(clerk.get("/items", due_from="yesterday"), 422, "validation_error")
    error(clerk.get("/items", unit="nope"), 422, "unknown_unit")
    error(clerk.get("/items", limit=0), 422, "bad_limit")
    error(clerk.get("/items", offset=-1), 422, "bad_offset")
    error(clerk.get("/queue/everything"), 404, "not_found")
    error(clerk.get("/items/999999"), 404, "not_found")
    error(clerk.get("/nowhere"), 404, "not_found")
