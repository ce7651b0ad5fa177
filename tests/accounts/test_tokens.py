"""API tokens: chosen expiry, last use at most once a minute, revocation by the owner or an
admin over the owner's unit; expired and revoked tokens are 401 with their own codes; 我的令牌
and 管理 → 令牌 list them; creation and revocation are journaled."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from duban.core.errors import Forbidden, InvalidInput, InvalidState, NotFound
from duban.journal.models import Event
from duban.orgs import services
from duban.orgs.models import ApiToken
from tests.conftest import make_user, unit


def bearer(raw: str) -> Client:
    return Client(headers={"authorization": f"Bearer {raw}"})


def me(raw: str):
    return bearer(raw).get("/api/v1/me")


def test_a_token_lasts_ninety_days_unless_told_otherwise(county_clerk, clock):
    start = clock("2021-10-08 09:00")
    token, raw = services.create_token(actor=county_clerk, user=county_clerk, name="同步")
    assert token.expires_at == start + dt.timedelta(days=90)
    clock(start + dt.timedelta(days=89, hours=23))
    assert me(raw).status_code == 200
    clock(start + dt.timedelta(days=90))
    r = me(raw)
    assert r.status_code == 401 and r.json()["code"] == "token_expired" and "已过期" in r.json()["message"]

    short, raw7 = services.create_token(actor=county_clerk, user=county_clerk, name="短期", days=7)
    assert short.expires_at == start + dt.timedelta(days=97)


@pytest.mark.parametrize("days", [0, -1, 367, "abc", "1.5"])
def test_expiry_is_bounded(county_clerk, days):
    with pytest.raises(InvalidInput) as refused:
        services.create_token(actor=county_clerk, user=county_clerk, days=days)
    assert refused.value.code == "bad_days"
    assert not ApiToken.objects.exists() and not Event.objects.filter(action="token.create").exists()


def test_revoked_token_is_401_with_its_own_code(county_clerk, clock):
    clock("2021-10-08 09:00")
    token, raw = services.create_token(actor=county_clerk, user=county_clerk)
    assert me(raw).status_code == 200
    services.revoke_token(actor=county_clerk, token_id=token.pk)
    r = me(raw)
    assert r.status_code == 401 and r.json()["code"] == "token_revoked" and "已被吊销" in r.json()["message"]
    # A revoked token stays revoked once expired too: revocation was someone's decision.
    clock("2022-10-08 09:00")
    assert me(raw).json()["code"] == "token_revoked"
    with pytest.raises(InvalidState):
        services.revoke_token(actor=county_clerk, token_id=token.pk)


def test_last_use_is_written_at_most_once_a_minute(county_clerk, clock):
    start = clock("2021-10-08 09:00")
    token, raw = services.create_token(actor=county_clerk, user=county_clerk)
    me(raw)
    clock("2021-10-08 09:00:50")
    me(raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    later = clock("2021-10-08 09:01:10")
    me(raw)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_creation_and_revocation_are_journaled(county_clerk, admin_user, clock):
    clock("2021-10-08 09:00")
    token, raw = services.create_token(actor=county_clerk, user=county_clerk, name="夜间同步", days=30)
    e = Event.objects.get(action="token.create")
    assert e.actor_id == county_clerk.pk and e.object_id == token.pk
    assert e.new["user"] == "county_clerk" and e.new["days"] == 30 and raw not in str(e.new)
    services.revoke_token(actor=admin_user, token_id=token.pk)
    e = Event.objects.get(action="token.revoke")
    assert e.actor_id == admin_user.pk and e.object_id == token.pk
    token.refresh_from_db()
    assert token.revoked_by == admin_user


def test_who_may_create_and_revoke(county_clerk, sibling_clerk, admin_user, clock):
    clock("2021-10-08 09:00")
    # Nobody mints a token for someone else on the pages, not even their admin.
    with pytest.raises(Forbidden):
        services.create_token(actor=admin_user, user=county_clerk)
    token, raw = services.create_token(actor=county_clerk, user=county_clerk)
    with pytest.raises(NotFound):
        services.revoke_token(actor=sibling_clerk, token_id=token.pk)
    city_admin = make_user("ty_admin", unit("140100"), "admin")
    province_clerk = make_user("prov_clerk", unit("140000"), "clerk")
    theirs, _ = services.create_token(actor=province_clerk, user=province_clerk)
    with pytest.raises(NotFound):  # outside the Taiyuan admin's subtree
        services.revoke_token(actor=city_admin, token_id=theirs.pk)
    services.revoke_token(actor=city_admin, token_id=token.pk)  # Xiaodian is under Taiyuan
    assert not ApiToken.objects.get(pk=theirs.pk).revoked_at


def test_my_tokens_page_shows_a_new_token_once(county_clerk, clock):
    clock("2021-10-08 09:00")
    c = Client()
    c.force_login(county_clerk)
    page = c.get("/account/tokens/")
    assert page.status_code == 200 and "还没有令牌" in page.content.decode()
    assert 'href="/account/tokens/"' in c.get("/items/").content.decode()  # in the header

    r = c.post("/account/tokens/", {"action": "create", "name": "夜间同步", "days": "30"})
    assert r.status_code == 201
    html = r.content.decode()
    raw = re.search(r'<code id="token-value">([^<]+)</code>', html).group(1)
    assert raw.startswith("dbn_") and "2021-11-07 09:00" in html
    assert me(raw).status_code == 200
    again = c.get("/account/tokens/").content.decode()
    assert raw not in again and "夜间同步" in again and "有效" in again

    r = c.post("/account/tokens/", {"action": "create", "name": "x", "days": "400"})
    assert r.status_code == 422 and "有效期须在 1 至 366 天之间" in r.content.decode()

    token = ApiToken.objects.get(user=county_clerk)
    r = c.post("/account/tokens/", {"action": "revoke", "token": token.pk})
    assert r.status_code == 302
    page = c.get("/account/tokens/").content.decode()
    assert "已吊销" in page and "吊销</button>" not in page
    assert me(raw).json()["code"] == "token_revoked"


def test_my_tokens_lists_only_mine_and_refuses_to_revoke_others(county_clerk, sibling_clerk, clock):
    clock("2021-10-08 09:00")
    mine, _ = services.create_token(actor=county_clerk, user=county_clerk, name="我的脚本")
    theirs, raw = services.create_token(actor=sibling_clerk, user=sibling_clerk, name="别人的脚本")
    c = Client()
    c.force_login(county_clerk)
    page = c.get("/account/tokens/").content.decode()
    assert "我的脚本" in page and "别人的脚本" not in page
    r = c.post("/account/tokens/", {"action": "revoke", "token": theirs.pk})
    assert r.status_code == 422 and "令牌不存在或无权管理" in r.content.decode()
    assert me(raw).status_code == 200


def test_admins_see_and_revoke_their_subtrees_tokens(county_clerk, admin_user, clock):
    clock("2021-10-08 09:00")
    city_admin = make_user("ty_admin", unit("140100"), "admin")
    province_clerk = make_user("prov_clerk", unit("140000"), "clerk")
    xd, raw = services.create_token(actor=county_clerk, user=county_clerk, name="小店同步")
    services.create_token(actor=province_clerk, user=province_clerk, name="省级同步")
    c = Client()
    c.force_login(city_admin)
    page = c.get("/manage/tokens/").content.decode()
    assert "小店同步" in page and "省级同步" not in page
    assert 'href="/manage/tokens/"' in c.get("/manage/users/").content.decode()  # the 令牌 tab
    r = c.post("/manage/tokens/", {"token": xd.pk})
    assert r.status_code == 302
    assert "已吊销 county_clerk 的令牌“小店同步”" in c.get(r.url).content.decode()
    assert me(raw).json()["code"] == "token_revoked"
    page = c.get("/manage/tokens/?state=active").content.decode()
    assert "小店同步" not in page

    c.force_login(admin_user)
    page = c.get("/manage/tokens/?q=同步").content.decode()
    assert "小店同步" in page and "省级同步" in page


def test_only_admins_have_the_token_list(county_clerk, prov_sup):
    for person in (county_clerk, prov_sup):
        c = Client()
        c.force_login(person)
        assert c.get("/manage/tokens/").status_code == 404
        assert c.post("/manage/tokens/", {"token": 1}).status_code == 404
        assert 'href="/manage/tokens/"' not in c.get("/items/").content.decode()


def test_create_token_command_takes_days(county_clerk, clock):
    start = clock("2021-10-08 09:00")
    out, err = io.StringIO(), io.StringIO()
    call_command("create_token", "county_clerk", "--days", "7", stdout=out, stderr=err)
    token = ApiToken.objects.get(user=county_clerk)
    assert token.expires_at == start + dt.timedelta(days=7) and "2021-10-15 09:00 到期" in err.getvalue()
    with pytest.raises(CommandError, match="1 至 366"):
        call_command(
            "create_token", "county_clerk", "--days", "0", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert ApiToken.objects.count() == 1
