"""Changes to who sees what — units, people's roles and units, the vocabulary, loaders — go
through services with an acting user and a journal row; Django's admin site only looks."""

from __future__ import annotations

import pytest
from django.test import Client

from duban.core.errors import Forbidden, InvalidInput
from duban.items.models import Item, Track
from duban.journal.models import Event
from duban.journal.services import verify
from duban.orgs import services
from duban.orgs.models import OrgUnit, User
from duban.plans import services as plan_services
from duban.plans.models import UnitVocabulary
from tests.conftest import make_user, unit


def last_event(action: str) -> Event:
    return Event.objects.filter(action=action).order_by("-seq").first()


def test_the_admin_site_cannot_add_items_or_tracks(admin_user, assigned_item, prov_sup):
    c = Client()
    c.force_login(admin_user)
    items, tracks, events = Item.objects.count(), Track.objects.count(), Event.objects.count()
    for url, data in [
        (
            "/admin/items/item/add/",
            {"title": "后门事项", "issuer_unit": unit("140000").pk, "created_by": prov_sup.pk},
        ),
        (
            "/admin/items/track/add/",
            {
                "item": assigned_item.pk,
                "unit": unit("140106").pk,
                "state": "assigned",
                "assigned_by": prov_sup.pk,
            },
        ),
        ("/admin/orgs/orgunit/add/", {"code": "999999", "name": "后门单位", "kind": "city"}),
        (
            "/admin/orgs/user/add/",
            {"username": "backdoor", "password1": "x-Long-Pass-1", "password2": "x-Long-Pass-1"},
        ),
        ("/admin/workcal/calendarday/add/", {"date": "2021-11-05", "is_working": "on"}),
        ("/admin/plans/unitvocabulary/add/", {"unit": unit("140100").pk, "keywords": "后门"}),
    ]:
        assert c.post(url, data).status_code == 403, url
    track = assigned_item.tracks.get()
    assert c.post(f"/admin/items/track/{track.pk}/change/", {"unit": unit("140106").pk}).status_code == 403
    assert c.post(f"/admin/orgs/user/{prov_sup.pk}/change/", {"role": "admin"}).status_code == 403
    assert (Item.objects.count(), Track.objects.count(), Event.objects.count()) == (items, tracks, events)
    assert not OrgUnit.objects.filter(code="999999").exists()
    assert not User.objects.filter(username="backdoor").exists()
    # Looking is still allowed.
    assert c.get("/admin/items/track/").status_code == 200


def test_user_create_and_changes_are_journaled(admin_user):
    user = services.create_user(
        actor=admin_user, username="new_clerk", unit=unit("140105"), role="clerk", display_name="新同志"
    )
    e = last_event("user.create")
    assert e.actor_id == admin_user.pk and e.object_id == user.pk
    assert e.new == {
        "username": "new_clerk",
        "display_name": "新同志",
        "phone": "",
        "email": "",
        "unit": "140105",
        "role": "clerk",
        "is_active": True,
    }
    assert not user.has_usable_password()
    services.update_user(actor=admin_user, user_id=user.pk, role="head", unit=unit("140106"))
    e = last_event("user.update")
    assert e.old == {"role": "clerk", "unit": "140105"}
    assert e.new == {"role": "head", "unit": "140106", "username": "new_clerk"}
    services.set_password(actor=admin_user, user_id=user.pk, password="Taiyuan-2021-pw")
    e = last_event("user.password")
    assert "Taiyuan-2021-pw" not in str(e.new) and e.new == {"username": "new_clerk"}
    user.refresh_from_db()
    assert user.check_password("Taiyuan-2021-pw") and user.role == "head"
    before = Event.objects.count()
    services.update_user(actor=admin_user, user_id=user.pk, role="head")  # no change, no row
    assert Event.objects.count() == before
    assert verify().ok


def test_user_changes_are_refused_without_trace(admin_user, prov_sup, county_clerk):
    city_admin = make_user("city_admin", unit("140100"), "admin")
    before = Event.objects.count()
    with pytest.raises(Forbidden):
        services.update_user(actor=prov_sup, user_id=county_clerk.pk, role="supervisor")  # not an admin
    with pytest.raises(Forbidden):
        services.update_user(actor=city_admin, user_id=prov_sup.pk, role="clerk")  # above the admin
    with pytest.raises(Forbidden):
        services.update_user(actor=city_admin, user_id=county_clerk.pk, unit=unit("140200"))  # out of reach
    with pytest.raises(Forbidden):
        services.update_user(actor=admin_user, user_id=admin_user.pk, role="supervisor")  # self-promotion
    with pytest.raises(InvalidInput):
        services.update_user(actor=admin_user, user_id=county_clerk.pk, role="boss")
    with pytest.raises(InvalidInput):
        services.create_user(actor=admin_user, username="county_clerk", unit=unit("140105"), role="clerk")
    with pytest.raises(InvalidInput):
        services.set_password(actor=admin_user, user_id=county_clerk.pk, password="123")
    assert Event.objects.count() == before
    county_clerk.refresh_from_db()
    assert (county_clerk.role, county_clerk.unit.code) == ("clerk", "140105")
    # Within reach it works.
    services.update_user(actor=city_admin, user_id=county_clerk.pk, role="head")
    assert last_event("user.update").actor_id == city_admin.pk


def test_units_created_renamed_and_loaded_are_journaled(admin_user):
    dept = services.create_department(
        actor=admin_user, government=unit("140100"), name="太原市数据局", short_name="市数据局"
    )
    e = last_event("org.create_unit")
    assert (
        e.new["parent"] == "140100" and e.new["code"] == dept.code and dept.path.startswith("140000/140100/")
    )
    services.rename_unit(actor=admin_user, unit_id=dept.pk, name="太原市数据局（政务服务管理局）")
    e = last_event("org.rename_unit")
    assert e.old["name"] == "太原市数据局" and e.new["name"].endswith("管理局）")
    with pytest.raises(InvalidInput):
        services.create_department(
            actor=admin_user, government=unit("140100"), name="太原市数据局（政务服务管理局）"
        )
    # A loader run that changes something leaves one row; one that changes nothing leaves none.
    before = Event.objects.count()
    services.load_shanxi()
    assert Event.objects.count() == before
    text = "code,name,short_name,level,parent_code\n140100,太原市（新）,太原,city,140000\n"
    services.load_divisions(text)
    e = last_event("org.load_divisions")
    assert e.actor_id is None and e.new["changed"]["140100"]["new"] == "太原市（新）"


def test_vocabulary_changes_are_journaled(admin_user, prov_sup):
    gxt = OrgUnit.objects.get(short_name="省工信厅", parent__code="140000")
    plan_services.set_vocabulary(actor=admin_user, unit=gxt, keywords="5G基站|工业互联网")
    e = last_event("vocabulary.set")
    assert e.new == {"keywords": "5G基站\n工业互联网"} and e.actor_id == admin_user.pk
    assert UnitVocabulary.objects.get(unit=gxt).keyword_list() == ["5G基站", "工业互联网"]
    with pytest.raises(Forbidden):
        plan_services.set_vocabulary(actor=prov_sup, unit=gxt, keywords="后门")
    plan_services.load_vocabulary(rows=[("省工信厅", "5G基站、数字经济")], actor=admin_user)
    e = last_event("vocabulary.load")
    assert e.new["units"][gxt.code]["old"] == "5G基站\n工业互联网"
    plan_services.set_vocabulary(actor=admin_user, unit=gxt, keywords="")
    assert not UnitVocabulary.objects.filter(unit=gxt).exists()
    assert last_event("vocabulary.set").new == {"keywords": None}
