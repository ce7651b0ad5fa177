"""Logging in through the real login form (not force_login), from a chosen address."""

from __future__ import annotations

import pytest
from django.test import Client


def login(username: str, password: str, *, address: str = "10.0.0.1") -> tuple[Client, object]:
    c = Client(REMOTE_ADDR=address)
    r = c.post("/login/", {"username": username, "password": password})
    return c, r


def logged_in(response) -> bool:
    return response.status_code == 302 and response.url == "/"


@pytest.fixture
def limits_on(settings):
    """The session limits as shipped (tests/conftest.py turns them off for everyone else)."""
    settings.DUBAN_SESSION_IDLE_MINUTES = 30
    settings.DUBAN_SESSION_HOURS = 12
    return settings
