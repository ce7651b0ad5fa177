"""API clients for the shared personas: each persona gets a bearer token of its own."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client


class ApiClient:
    """A thin wrapper: JSON in, the raw response out (tests check status and body)."""

    def __init__(self, user=None, token: str | None = None, **client_kwargs):
        from duban.api.auth import issue_token

        if user is not None and token is None:
            row, token = issue_token(actor=None, user=user, name="tests")
            # Tests travel the clock across years with one token; expiry has tests of its own
            # (tests/accounts/test_tokens.py).
            type(row).objects.filter(pk=row.pk).update(expires_at=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
        self.token = token
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers, **client_kwargs)

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json"
        )

    def multipart(self, path: str, data: dict):
        return self.client.post(f"/api/v1{path}", data=data)


@pytest.fixture
def api_as():
    return ApiClient


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "detail"}
    assert body["message"]
    return body


def snapshot(track_id: int) -> tuple:
    """What a refused action must leave exactly as it was."""
    from duban.items.models import Extension, Instruction, Item, Node, Report, Review, Track, Urge
    from duban.journal.models import Event

    t = Track.objects.get(pk=track_id)
    return (
        t.state,
        t.version,
        t.next_due_at,
        t.assignee_id,
        t.rating,
        Track.objects.count(),
        Item.objects.count(),
        list(Node.objects.filter(track=t).values_list("due_at", "done_at")),
        Event.objects.count(),
        Report.objects.count(),
        Review.objects.count(),
        list(Extension.objects.values_list("state", flat=True)),
        Urge.objects.count(),
        Instruction.objects.count(),
    )


@pytest.fixture
def track_id(assigned_item):
    from duban.items.models import Track

    return Track.objects.get(item=assigned_item, parent__isnull=True).pk


def to_requested(api, track_id: int, clock) -> None:
    """Sign, deploy, feedback and ask to close, through the API."""
    clock("2021-10-08 09:00")
    assert api.post(f"/tracks/{track_id}/sign").status_code == 200
    for kind in ("deploy", "feedback", "result"):
        r = api.multipart(f"/tracks/{track_id}/reports", {"kind": kind, "done": f"{kind} 已完成"})
        assert r.status_code == 201, r.content
