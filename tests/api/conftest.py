"""API clients for the shared personas: each persona gets a bearer token of its own."""

from __future__ import annotations

import json

import pytest
from django.test import Client


class ApiClient:
    """A thin wrapper: JSON in, the raw response out (tests check status and body)."""

    def __init__(self, user=None, token: str | None = None, **client_kwargs):
        from duban.api.auth import issue_token

        if user is not None and token is None:
            _, token = issue_token(actor=None, user=user, name="tests")
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
