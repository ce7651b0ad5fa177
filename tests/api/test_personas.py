"""People reading and acting on items that are not theirs get 404 — the API never hints that
an item exists. Leaders above see everything but cannot act on a unit's work."""

import datetime as dt

import pytest

from duban.items import services
from duban.items.models import Extension, Track
from tests.api.conftest import ApiClient, error, snapshot
from tests.conftest import dept, make_user, unit


def every_read(item_id, track_id):
    return [
        ("get", f"/items/{item_id}", None),
        ("get", f"/items/{item_id}/journal", None),
        ("get", f"/tracks/{track_id}", None),
    ]


def every_write(item_id, track_id, ext_id):
    return [
        ("post", f"/tracks/{track_id}/sign", {}),
        ("multipart", f"/tracks/{track_id}/reports", {"kind": "deploy", "done": "x"}),
        ("post", f"/tracks/{track_id}/return", {"reason": "x"}),
        ("post", f"/tracks/{track_id}/close", {"rating": "good"}),
        ("post", f"/tracks/{track_id}/extensions", {"reason": "x", "proposed_due": "2021-10-20"}),
        ("post", f"/extensions/{ext_id}/decide", {"decision": "grant"}),
        ("post", f"/tracks/{track_id}/urge", {}),
        ("post", f"/tracks/{track_id}/route", {"assignee": "county_clerk"}),
        ("post", f"/tracks/{track_id}/pass-down", {"units": ["140105001"]}),
        ("post", f"/items/{item_id}/assign", {"lead": ["140106"]}),
        ("post", f"/items/{item_id}/instructions", {"text": "x"}),
    ]


def call(api, method, path, body):
    if method == "get":
        return api.get(path)
    return getattr(api, method)(path, body)


@pytest.fixture
def pending_extension(assigned_item, county_clerk, clock):
    clock("2021-10-08 09:00")
    track = Track.objects.get(item=assigned_item)
    return services.request_extension(
        actor=county_clerk, track_id=track.pk, reason="国庆假期", proposed_due=dt.date(2021, 10, 20)
    )


@pytest.mark.parametrize("persona", ["sibling_clerk", "town_clerk", "dept_clerk"])
def test_outsiders_get_404_for_every_read_and_action(request, persona, assigned_item, pending_extension):
    user = request.getfixturevalue(persona)
    api = ApiClient(user)
    track_id = pending_extension.track_id
    before = snapshot(track_id)
    for method, path, body in every_read(assigned_item.pk, track_id) + every_write(
        assigned_item.pk, track_id, pending_extension.pk
    ):
        error(call(api, method, path, body), 404, "not_found")
    assert snapshot(track_id) == before
    assert api.get("/items").json() == {"total": 0, "capped": False, "limit": 50, "offset": 0, "items": []}
    assert api.get("/queue").json()["counts"] == dict.fromkeys(api.get("/queue").json()["counts"], 0)


def test_city_supervisor_cannot_see_a_provincial_department_item(prov_sup, city_sup, clock):
    clock("2021-03-01 10:00")
    item = services.register_and_assign(actor=prov_sup, title="新建5G基站1.5万座", lead=[dept("省工信厅")])
    track = Track.objects.get(item=item)
    api = ApiClient(city_sup)
    before = snapshot(track.pk)
    for method, path, body in every_read(item.pk, track.pk) + every_write(item.pk, track.pk, 0):
        error(call(api, method, path, body), 404, "not_found")
    assert snapshot(track.pk) == before
    assert api.get("/items").json()["total"] == 0


def test_city_supervisor_sees_its_counties_items_and_may_urge_but_not_review(assigned_item, city_sup):
    api = ApiClient(city_sup)
    track = Track.objects.get(item=assigned_item)
    assert api.get(f"/items/{assigned_item.pk}").status_code == 200
    assert [row["id"] for row in api.get("/items").json()["items"]] == [assigned_item.pk]
    before = snapshot(track.pk)
    error(api.post(f"/tracks/{track.pk}/close", {"rating": "good"}), 403, "forbidden")
    error(api.post(f"/tracks/{track.pk}/sign"), 403, "forbidden")
    assert snapshot(track.pk) == before
    assert api.post(f"/tracks/{track.pk}/urge", {"message": "市里督促"}).status_code == 201


def test_other_city_leader_and_township_supervisor_get_404(assigned_item, shanxi):
    track = Track.objects.get(item=assigned_item)
    for user in (
        make_user("dt_leader", unit("140200"), "leader"),
        make_user("town_sup", unit("140105001"), "supervisor"),
    ):
        api = ApiClient(user)
        error(api.get(f"/items/{assigned_item.pk}"), 404, "not_found")
        error(api.post(f"/tracks/{track.pk}/urge"), 404, "not_found")
        error(api.post(f"/items/{assigned_item.pk}/instructions", {"text": "x"}), 404, "not_found")


def test_provincial_leader_sees_but_cannot_act(prov_leader, assigned_item, pending_extension):
    api = ApiClient(prov_leader)
    track_id = pending_extension.track_id
    for method, path, body in every_read(assigned_item.pk, track_id):
        assert call(api, method, path, body).status_code == 200, path
    assert api.get("/items").json()["total"] == 1
    before = snapshot(track_id)
    for method, path, body in every_write(assigned_item.pk, track_id, pending_extension.pk):
        if path.endswith(("/urge", "/instructions")):
            continue  # a leader may chase and instruct; see below
        error(call(api, method, path, body), 403, "forbidden")
    assert snapshot(track_id) == before
    assert Extension.objects.get(pk=pending_extension.pk).state == "pending"
    assert api.post(f"/items/{assigned_item.pk}/instructions", {"text": "务必按期完成"}).status_code == 201


def test_register_as_leader_is_forbidden(prov_leader):
    error(ApiClient(prov_leader).post("/items", {"not_classified": True, "title": "x"}), 403, "forbidden")
