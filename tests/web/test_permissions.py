"""Personas try items that are not theirs: 404 for what they cannot see, a refusal for what they
may see but not do — and in both cases nothing changes (tracks, nodes, records, journal)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.items import services
from duban.items.models import Attachment, Extension
from tests.web.conftest import PNG, advance, messages_of, snapshot

ACTIONS = {
    "sign": {},
    "report": {"kind": "deploy", "done": "冒名报送"},
    "extend": {"proposed_due": "2021-10-30", "reason": "冒名申请"},
    "urge": {"message": "冒名催办"},
    "route": {"assignee": "1"},
    "pass_down": {"units": ["140105001"]},
    "return": {"reason": "冒名退回"},
    "close": {"rating": "excellent"},
}


@pytest.fixture
def requested(assigned_item, county_clerk, clock):
    """Xiaodian has asked to close, and has a pending extension request on another item's track."""
    clock("2021-10-08 09:00")
    track = assigned_item.tracks.get()
    advance(track, county_clerk, to="requested")
    return track


@pytest.mark.parametrize("persona", ["sibling_clerk", "town_clerk", "dept_clerk"])
def test_outsiders_get_404_for_everything(request, as_user, assigned_item, requested, persona):
    c = as_user(request.getfixturevalue(persona))
    before = snapshot(assigned_item.pk)
    assert c.get(f"/items/{assigned_item.pk}/").status_code == 404
    for action, data in ACTIONS.items():
        resp = c.post(f"/tracks/{requested.pk}/{action}/", {"expected_version": requested.version, **data})
        assert resp.status_code == 404, action
    assert c.post(f"/items/{assigned_item.pk}/instruct/", {"text": "冒名批示"}).status_code == 404
    assert snapshot(assigned_item.pk) == before
    assert "推进老旧小区改造" not in c.get("/items/").content.decode()
    assert "推进老旧小区改造" not in c.get("/").content.decode()


@pytest.mark.parametrize("persona", ["city_sup", "prov_leader"])
def test_overseers_see_but_cannot_act_for_others(request, as_user, assigned_item, requested, persona):
    """The city supervisor and the provincial leader see the item; neither may sign, report or
    review it (the review belongs to the provincial supervisors)."""
    c = as_user(request.getfixturevalue(persona))
    page = c.get(f"/items/{assigned_item.pk}/").content.decode()
    assert "推进老旧小区改造" in page
    for form in (
        "sign-form",
        "report-form",
        "close-form",
        "return-form",
        "extend-form",
        "route-form",
        "pass-down-form",
    ):
        assert form not in page, (persona, form)
    assert "urge-form" in page  # both may urge a unit below them
    for action in ("sign", "report", "extend", "route", "pass_down", "return", "close"):
        before = snapshot(assigned_item.pk)
        resp = c.post(
            f"/tracks/{requested.pk}/{action}/", {"expected_version": requested.version, **ACTIONS[action]}
        )
        assert resp.status_code in (403, 409, 422), (persona, action, resp.status_code)
        assert messages_of(resp), (persona, action)
        assert snapshot(assigned_item.pk) == before, (persona, action)


def test_supervisor_cannot_instruct_and_clerk_cannot_decide(
    as_user, assigned_item, prov_sup, county_clerk, clock
):
    clock("2021-10-08 09:00")
    track = assigned_item.tracks.get()
    advance(track, county_clerk, to="signed")
    ext = services.request_extension(
        actor=county_clerk,
        track_id=track.pk,
        reason="需要时间",
        proposed_due=__import__("datetime").date(2021, 10, 20),
    )
    before = snapshot(assigned_item.pk)
    resp = as_user(prov_sup).post(f"/items/{assigned_item.pk}/instruct/", {"text": "督查员不能批示"})
    assert resp.status_code == 403 and "只有领导可以批示" in messages_of(resp)
    track.refresh_from_db()
    resp = as_user(county_clerk).post(
        f"/extensions/{ext.pk}/decide/", {"decision": "grant", "expected_version": track.version}
    )
    assert resp.status_code == 403 and any("审批延期" in m for m in messages_of(resp))
    assert snapshot(assigned_item.pk) == before
    assert Extension.objects.get().state == "pending"


def test_attachment_download_follows_item_visibility(
    as_user, assigned_item, county_clerk, sibling_clerk, prov_sup, clock
):
    clock("2021-10-08 09:00")
    track = assigned_item.tracks.get()
    advance(track, county_clerk, to="signed")
    services.file_report(
        actor=county_clerk,
        track_id=track.pk,
        kind="deploy",
        done="部署",
        files=[SimpleUploadedFile("会议纪要（第1期）.png", PNG)],
    )
    att = Attachment.objects.get()
    for user in (county_clerk, prov_sup):
        resp = as_user(user).get(f"/attachments/{att.pk}/")
        assert resp.status_code == 200
        assert b"".join(resp.streaming_content) == PNG
        disp = resp["Content-Disposition"]
        assert disp.startswith("attachment;") and "filename*=utf-8''" in disp
        assert "%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81" in disp  # 会议纪要, RFC 5987-encoded
        assert resp["Content-Type"] == "image/png"
    assert as_user(sibling_clerk).get(f"/attachments/{att.pk}/").status_code == 404
    assert as_user(sibling_clerk).get(f"/attachments/{att.pk + 999}/").status_code == 404
