"""The password policy applies wherever a password is set — an admin's 重设密码, the new-user
form, one's own 修改密码 — and never at login: older passwords (the demo's) still log in."""

from __future__ import annotations

import pytest
from django.test import Client

from duban.core.errors import InvalidInput
from duban.journal.models import Event
from duban.orgs import services
from duban.orgs.models import PasswordHistory, User
from tests.accounts.conftest import logged_in, login
from tests.conftest import make_user, unit

GOOD = "Taiyuan-2021-pw"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Ab1-xyz", "密码至少 10 位"),  # short, though four classes
        ("Ab1-xyzuv", "密码至少 10 位"),  # nine
        ("abcdefghij12", "至少 3 类"),  # two classes
        ("ABCDEFGHIJ!!", "至少 3 类"),
        ("abcdefghij", "至少 3 类"),
        ("1234567890", "至少 3 类"),
        ("Xx-county_clerk-1", "不能包含用户名"),
        ("Xx-COUNTY_CLERK-1", "不能包含用户名"),  # ignoring case
        ("Xx-krelc_ytnuoc-1", "不能包含用户名"),  # reversed
        ("Aa1-" + "x" * 130, "不能超过 128 位"),
    ],
)
def test_each_rule_refuses_and_nothing_changes(county_clerk, admin_user, password, why):
    before = (User.objects.get(pk=county_clerk.pk).password, Event.objects.count())
    with pytest.raises(InvalidInput) as refused:
        services.set_password(actor=admin_user, user_id=county_clerk.pk, password=password)
    assert why in refused.value.message and refused.value.code == "weak_password"
    assert (User.objects.get(pk=county_clerk.pk).password, Event.objects.count()) == before


@pytest.mark.parametrize(
    "password", ["Abcdefghi1", "abcdefgh1!", "ABCDEFGH1!", "Abcdefghi!", "长城-Great-2021"]
)
def test_ten_characters_of_three_classes_are_enough(county_clerk, admin_user, password):
    services.set_password(actor=admin_user, user_id=county_clerk.pk, password=password)
    assert User.objects.get(pk=county_clerk.pk).check_password(password)


def test_short_usernames_are_not_searched_for(shanxi, admin_user):
    li = make_user("li", unit("140105"), "clerk")
    services.set_password(actor=admin_user, user_id=li.pk, password="Li-Ming-2021x")


def test_not_one_of_the_last_five(county_clerk, admin_user):
    passwords = [f"Xiaodian-{n}-pw" for n in range(1, 7)]
    for p in passwords[:5]:
        services.set_password(actor=admin_user, user_id=county_clerk.pk, password=p)
    assert PasswordHistory.objects.filter(user=county_clerk).count() == 5
    for p in passwords[:5]:  # the current one and the four before it
        with pytest.raises(InvalidInput, match="最近 5 次"):
            services.set_password(actor=admin_user, user_id=county_clerk.pk, password=p)
    services.set_password(actor=admin_user, user_id=county_clerk.pk, password=passwords[5])
    # The sixth pushed the first out of the history; the second is still in it.
    services.set_password(actor=admin_user, user_id=county_clerk.pk, password=passwords[0])
    with pytest.raises(InvalidInput, match="最近 5 次"):
        services.set_password(actor=admin_user, user_id=county_clerk.pk, password=passwords[2])
    assert PasswordHistory.objects.filter(user=county_clerk).count() == 5
    # Only hashes are kept.
    assert not PasswordHistory.objects.filter(password__in=passwords).exists()


def test_the_password_in_use_before_the_history_existed_counts(county_clerk, admin_user):
    PasswordHistory.objects.filter(user=county_clerk).delete()
    User.objects.filter(pk=county_clerk.pk).update(password=county_clerk.password)
    with pytest.raises(InvalidInput, match="最近 5 次"):
        # The fixture's password is weak anyway; a strong current one shows the history check.
        services.set_password(actor=admin_user, user_id=county_clerk.pk, password="pw-123456")
    services.set_password(actor=admin_user, user_id=county_clerk.pk, password=GOOD)
    PasswordHistory.objects.filter(user=county_clerk).delete()
    with pytest.raises(InvalidInput, match="最近 5 次"):
        services.set_password(actor=admin_user, user_id=county_clerk.pk, password=GOOD)


def test_new_user_form_and_reset_form_apply_the_policy(admin_user):
    c = Client()
    c.force_login(admin_user)
    r = c.post(
        "/manage/users/",
        {
            "username": "xd_new",
            "display_name": "新人",
            "unit": "140105",
            "role": "clerk",
            "password": "abc12345",
        },
    )
    assert r.status_code == 422 and "密码至少 10 位" in r.content.decode()
    assert not User.objects.filter(username="xd_new").exists()
    r = c.post(
        "/manage/users/",
        {"username": "xd_new", "display_name": "新人", "unit": "140105", "role": "clerk", "password": GOOD},
    )
    assert r.status_code == 302
    person = User.objects.get(username="xd_new")
    r = c.post(f"/manage/users/{person.pk}/", {"action": "password", "password": "xd_new-Pass-1"})
    assert r.status_code == 422 and "不能包含用户名" in r.content.decode()
    r = c.post(f"/manage/users/{person.pk}/", {"action": "password", "password": GOOD})
    assert r.status_code == 422 and "最近 5 次" in r.content.decode()
    page = c.get(f"/manage/users/{person.pk}/").content.decode()
    assert "至少 10 位" in page and "不能与最近 5 次的密码相同" in page


def test_a_weak_password_set_before_the_policy_still_logs_in(shanxi, clock):
    clock("2021-10-08 09:00")
    make_user("ty_clerk", unit("140100"), "clerk", password="duban2021")  # the demo's password
    assert logged_in(login("ty_clerk", "duban2021")[1])


# --- 修改密码 -----------------------------------------------------------------------------


def test_everyone_changes_their_own_password(county_clerk, clock):
    clock("2021-10-08 09:00")
    c, r = login("county_clerk", "pw-123456")
    page = c.get("/account/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    assert 'href="/account/password/"' in c.get("/items/").content.decode()  # in the header

    r = c.post("/account/password/", {"old_password": "nope", "password": GOOD, "password2": GOOD})
    assert r.status_code == 422 and "原密码不正确" in r.content.decode()
    r = c.post("/account/password/", {"old_password": "pw-123456", "password": GOOD, "password2": GOOD + "x"})
    assert r.status_code == 422 and "两次输入的新密码不一致" in r.content.decode()
    r = c.post(
        "/account/password/", {"old_password": "pw-123456", "password": "short1A", "password2": "short1A"}
    )
    assert r.status_code == 422 and "密码至少 10 位" in r.content.decode()
    assert User.objects.get(pk=county_clerk.pk).check_password("pw-123456")
    assert not Event.objects.filter(action="user.password").exists()

    other, _ = login("county_clerk", "pw-123456", address="10.3.3.3")  # a second browser
    r = c.post("/account/password/", {"old_password": "pw-123456", "password": GOOD, "password2": GOOD})
    assert r.status_code == 302
    assert c.get("/items/").status_code == 200  # this login goes on
    assert other.get("/items/").status_code == 302  # the other one ends with the old password
    e = Event.objects.get(action="user.password")
    assert e.actor_id == county_clerk.pk and e.new == {"username": "county_clerk", "self": True}
    assert GOOD not in str(e.new)
    assert logged_in(login("county_clerk", GOOD)[1])
    assert not logged_in(login("county_clerk", "pw-123456")[1])


def test_anonymous_cannot_change_a_password(shanxi):
    r = Client().post("/account/password/", {"old_password": "x", "password": GOOD, "password2": GOOD})
    assert r.status_code == 302 and r.url.startswith("/login/")


def test_the_admin_sites_password_form_leads_to_the_journaled_page(admin_user):
    c = Client()
    c.force_login(admin_user)
    r = c.post(
        "/admin/password_change/", {"old_password": "pw-123456", "new_password1": GOOD, "new_password2": GOOD}
    )
    assert r.status_code == 302 and r.url == "/account/password/"
    assert User.objects.get(pk=admin_user.pk).check_password("pw-123456")
