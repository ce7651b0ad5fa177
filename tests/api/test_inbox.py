"""The inbox over the API: a script or a mobile client reads, counts and marks messages."""

import pytest

from duban.items import services

from .conftest import error

pytestmark = pytest.mark.django_db


def test_inbox_list_count_read(api_as, county_head, assigned_item, prov_sup, county_clerk):
    services.urge(actor=prov_sup, track_id=assigned_item.tracks.get().pk, message="请加快")
    clerk = api_as(county_clerk)
    assert clerk.get("/inbox/unread").json() == {"unread": 2}
    page = clerk.get("/inbox", limit=1).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    row = page["items"][0]
    assert row["kind"] == "urged" and row["kind_label"] == "催办" and row["item_id"] == assigned_item.pk
    assert "请加快" in row["body"] and row["read_at"] is None
    read = clerk.post(f"/inbox/{row['id']}/read").json()
    assert read["read_at"] is not None
    assert clerk.get("/inbox", unread=True).json()["total"] == 1
    assert clerk.post("/inbox/read-all").json() == {"unread": 0}
    # Someone else's message is not found, and stays unread.
    head_row = api_as(county_head).get("/inbox").json()["items"][0]
    error(clerk.post(f"/inbox/{head_row['id']}/read"), 404, "not_found")
    assert api_as(county_head).get("/inbox/unread").json() == {"unread": 2}
