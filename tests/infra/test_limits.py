"""Bounds that hold before any view runs: the request size, the password hash, the session."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import make_user


@pytest.mark.parametrize(
    ("path", "json"),
    [("/login/", False), ("/api/v1/items", True)],
)
def test_a_body_over_the_cap_is_refused_unread(db, settings, path, json):
    settings.DUBAN_MAX_REQUEST_BYTES = 1000
    c = Client()
    # The declared length decides: the body is never read (here it is not even sent).
    response = c.post(path, data="x", content_type="text/plain", CONTENT_LENGTH=str(1 << 30))
    assert response.status_code == 413
    assert response["Connection"] == "close"
    if json:
        assert response.json()["code"] == "too_large"
    else:
        assert "请求过大" in response.content.decode()


def test_a_body_under_the_cap_goes_through(db, settings):
    settings.DUBAN_MAX_REQUEST_BYTES = 10_000
    response = Client().post("/login/", {"username": "nobody", "password": "x"})
    assert response.status_code == 200  # the login form again, with its error


def test_passwords_are_argon2_and_old_hashes_upgrade_at_login(shanxi, settings):
    from django.conf import settings as live
    from django.contrib.auth import authenticate
    from django.contrib.auth.hashers import make_password

    from duban import settings as project

    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS
    assert live.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = make_user("old_hash", shanxi, "clerk")
    user.password = make_password("pw-123456", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    from django.test import RequestFactory

    # Login throttling (axes) judges every attempt by its request, so authenticate needs one.
    request = RequestFactory().post("/login/")
    assert authenticate(request, username="old_hash", password="pw-123456") is not None
    user.refresh_from_db()
    assert user.password.startswith("argon2")


def test_sessions_last_a_working_day():
    from duban import settings as project

    assert project.SESSION_COOKIE_AGE == 12 * 3600
