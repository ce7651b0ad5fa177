"""Bearer tokens for scripts, sessions (with CSRF) for the browser, and the token command."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from duban.items.models import Track
from duban.orgs.models import ApiToken
from tests.api.conftest import ApiClient, error, snapshot


def test_token_authenticates_and_records_use_at_most_once_a_minute(county_clerk, clock):
    start = clock("2021-10-08 09:00:00")
    api = ApiClient(county_clerk)
    r = api.get("/me")
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "county_clerk" and body["auth"] == "token"
    assert body["unit"]["code"] == "140105" and body["role"] == "clerk" and body["can_register"] is False
    token = ApiToken.objects.get(user=county_clerk)
    assert token.last_used_at == start

    clock("2021-10-08 09:00:30")
    assert api.get("/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start  # within the minute: no write

    later = clock("2021-10-08 09:01:05")
    assert api.get("/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == later


def test_token_stored_only_as_sha256(county_clerk):
    api = ApiClient(county_clerk)
    token = ApiToken.objects.get(user=county_clerk)
    assert token.digest == hashlib.sha256(api.token.encode()).hexdigest()
    assert api.token not in {token.digest, token.name}


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-real-token", "Bearer ", "Basic Y291bnR5X2NsZXJrOnB3LTEyMzQ1Ng==", "Token abc"],
)
def test_wrong_or_malformed_credentials_are_401(county_clerk, header):
    ApiClient(county_clerk)  # a real token exists, but is not the one sent
    r = Client(headers={"authorization": header}).get("/api/v1/me")
    error(r, 401, "unauthenticated")


def test_no_credentials_is_401(shanxi):
    error(Client().get("/api/v1/items"), 401, "unauthenticated")
    error(Client().post("/api/v1/tracks/1/sign"), 401, "unauthenticated")


def test_wrong_token_is_401_even_with_a_session(county_clerk):
    c = Client(headers={"authorization": "Bearer wrong"})
    c.force_login(county_clerk)
    error(c.get("/api/v1/me"), 401, "unauthenticated")


def test_inactive_users_token_is_refused(county_clerk):
    api = ApiClient(county_clerk)
    county_clerk.is_active = False
    county_clerk.save()
    error(api.get("/me"), 401, "unauthenticated")


def test_session_auth_reads_without_csrf(county_clerk, assigned_item):
    c = Client(enforce_csrf_checks=True)
    c.force_login(county_clerk)
    r = c.get("/api/v1/me")
    assert r.status_code == 200 and r.json()["auth"] == "session"
    assert c.get(f"/api/v1/items/{assigned_item.pk}").status_code == 200


def test_session_post_requires_csrf(county_clerk, track_id):
    c = Client(enforce_csrf_checks=True)
    c.force_login(county_clerk)
    before = snapshot(track_id)
    r = c.post(f"/api/v1/tracks/{track_id}/sign", data="{}", content_type="application/json")
    error(r, 403, "csrf_failed")
    assert snapshot(track_id) == before

    secret = "a" * 32
    c.cookies["csrftoken"] = secret
    r = c.post(
        f"/api/v1/tracks/{track_id}/sign",
        data="{}",
        content_type="application/json",
        headers={"x-csrftoken": secret},
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "signed"


def test_anonymous_post_is_unauthenticated_not_csrf(track_id):
    r = Client(enforce_csrf_checks=True).post(
        f"/api/v1/tracks/{track_id}/sign", data="{}", content_type="application/json"
    )
    error(r, 401, "unauthenticated")


def test_token_posts_need_no_csrf(county_clerk, track_id):
    api = ApiClient(county_clerk, enforce_csrf_checks=True)
    r = api.post(f"/tracks/{track_id}/sign")
    assert r.status_code == 200 and r.json()["version"] == Track.objects.get(pk=track_id).version


def test_create_token_command_prints_a_working_token_once(county_clerk):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_token", "county_clerk", "--name", "夜间同步", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw and "\n" not in raw
    token = ApiToken.objects.get(user=county_clerk)
    assert token.name == "夜间同步" and token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in err.getvalue()
    r = Client(headers={"authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert r.status_code == 200 and r.json()["username"] == "county_clerk"


def test_create_token_through_the_duban_cli(county_clerk, capsys, monkeypatch):
    from django.db import connections

    from duban.cli import main

    # run_from_argv closes every connection when done, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    assert main(["create-token", "county_clerk"]) == 0
    raw = capsys.readouterr().out.strip()
    assert ApiToken.objects.get(user=county_clerk).digest == hashlib.sha256(raw.encode()).hexdigest()


def test_create_token_for_unknown_user_fails(shanxi):
    with pytest.raises(CommandError):
        call_command("create_token", "nobody", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_last_used_is_not_touched_by_a_refused_token(county_clerk, clock):
    clock("2021-10-08 09:00")
    ApiClient(county_clerk)
    Client(headers={"authorization": "Bearer nope"}).get("/api/v1/me")
    assert ApiToken.objects.get(user=county_clerk).last_used_at is None
