"""Every action form posts for the persona allowed to use it; refusals say why and change nothing."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from duban.items import services
from duban.items.models import Attachment, Extension, Instruction, Item, Node, Report, Track, Urge
from duban.journal.models import Event
from tests.web.conftest import PNG, advance, messages_of, snapshot


def post(client, track, action, data=None, **kw):
    track.refresh_from_db()
    body = {"expected_version": track.version, **(data or {})}
    return client.post(f"/tracks/{track.pk}/{action}/", body, **kw)


def test_whole_lifecycle_through_the_forms(as_user, assigned_item, track, prov_sup, county_clerk, clock):
    clerk, sup = as_user(county_clerk), as_user(prov_sup)
    clock("2021-10-08 09:00")
    resp = post(clerk, track, "sign")
    assert resp.status_code == 302 and resp["Location"] == f"/items/{assigned_item.pk}/#track-{track.pk}"
    track.refresh_from_db()
    assert track.state == "signed"
    page = clerk.get(resp["Location"])
    assert "已签收" in messages_of(page)[0]

    photo = SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")
    resp = post(
        clerk,
        track,
        "report",
        {"kind": "deploy", "done": "召开专题会议部署", "next_steps": "制定方案", "files": [photo]},
    )
    assert resp.status_code == 302
    report = Report.objects.get(track=track)
    assert report.kind == "deploy" and report.next_steps == "制定方案"
    assert list(report.attachments.values_list("name", flat=True)) == ["现场照片.png"]
    post(clerk, track, "report", {"kind": "feedback", "done": "方案已印发", "problems": "资金缺口"})
    post(clerk, track, "report", {"kind": "result", "done": "改造完成"})
    track.refresh_from_db()
    assert track.state == "requested"

    # The supervisor sees the review forms; the clerk does not.
    assert "close-form" in sup.get(f"/items/{assigned_item.pk}/").content.decode()
    assert "close-form" not in clerk.get(f"/items/{assigned_item.pk}/").content.decode()
    resp = post(sup, track, "return", {"reason": "佐证材料不全", "working_days": "3"})
    assert resp.status_code == 302
    track.refresh_from_db()
    assert track.state == "returned"
    post(clerk, track, "report", {"kind": "result", "done": "补充了验收材料"})
    resp = post(sup, track, "close", {"rating": "good", "comment": "按期完成"})
    assert resp.status_code == 302
    track.refresh_from_db()
    assert track.state == "closed" and track.rating == "good"
    html = sup.get(f"/items/{assigned_item.pk}/").content.decode()
    assert "已办结·良好" in html
    for label in ["立项", "交办", "签收", "报送部署报告", "报送反馈报告", "申请办结", "退回", "办结"]:
        assert f'<b class="ev-label">{label}</b>' in html
    assert (
        "佐证材料不全" in html
        and "评价：良好" in html
        and "申请办结 → 被退回".replace("申请办结", "申请办结") in html
    )


def test_extension_request_and_grant(as_user, assigned_item, track, prov_sup, county_clerk, clock):
    clock("2021-10-08 09:00")
    advance(track, county_clerk, to="signed")
    resp = post(
        as_user(county_clerk), track, "extend", {"proposed_due": "2021-10-20", "reason": "需协调市级部门"}
    )
    assert resp.status_code == 302
    ext = Extension.objects.get(track=track)
    sup = as_user(prov_sup)
    html = sup.get(f"/items/{assigned_item.pk}/").content.decode()
    assert "decide-form" in html and "需协调市级部门" in html
    track.refresh_from_db()
    resp = sup.post(
        f"/extensions/{ext.pk}/decide/",
        {"decision": "grant", "due": "2021-10-20", "note": "同意", "expected_version": track.version},
    )
    assert resp.status_code == 302
    ext.refresh_from_db()
    assert ext.state == "granted"
    node = Node.objects.get(pk=ext.node_id)
    assert node.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2021, 10, 20)
    html = sup.get(f"/items/{assigned_item.pk}/").content.decode()
    assert "同意延期" in html and "（原 2021-10-08 23:59）" in html


def test_urge_route_pass_down_and_instruction(
    as_user, assigned_item, track, prov_sup, prov_leader, county_clerk, county_head, town_clerk, clock
):
    clock("2021-10-08 09:00")
    resp = post(as_user(prov_sup), track, "urge", {"message": "请抓紧签收"})
    assert resp.status_code == 302 and Urge.objects.get(track=track).message == "请抓紧签收"
    assert "催办于 2021-10-08 09:00" in as_user(county_clerk).get("/?kind=urged").content.decode()

    resp = post(as_user(county_head), track, "route", {"assignee": county_clerk.pk})
    assert resp.status_code == 302
    track.refresh_from_db()
    assert track.assignee_id == county_clerk.pk

    advance(track, county_clerk, to="signed")
    assert as_user(town_clerk).get(f"/items/{assigned_item.pk}/").status_code == 404
    # The pass-down picker (its units read with the item's reads) offers what the service takes.
    from duban.web import units as unit_choices

    clerk_page = as_user(county_clerk).get(f"/items/{assigned_item.pk}/").content.decode()
    offered = [code for _label, opts in unit_choices.pass_down_groups(track.unit) for code, _name in opts]
    assert "140105001" in offered
    for code in offered:
        assert f'<option value="{code}">' in clerk_page
    resp = post(as_user(county_clerk), track, "pass_down", {"units": ["140105001"]})
    assert resp.status_code == 302
    child = Track.objects.get(parent=track)
    assert child.unit.code == "140105001"
    town = as_user(town_clerk)
    html = town.get(f"/items/{assigned_item.pk}/").content.decode()
    assert f'id="track-{child.pk}"' in html and "下派" in html
    assert "sign-form" in html  # the township can sign its own track

    leader = as_user(prov_leader)
    resp = leader.post(f"/items/{assigned_item.pk}/instruct/", {"text": "要加快进度，确保年底前完成"})
    assert resp.status_code == 302 and Instruction.objects.get(item=assigned_item).by == prov_leader
    assert "要加快进度" in leader.get(f"/items/{assigned_item.pk}/").content.decode()


def test_new_item_form_registers_and_assigns(as_user, prov_sup, clock):
    clock("2021-03-10 09:00")
    c = as_user(prov_sup)
    form = c.get("/items/new/").content.decode()
    assert 'value="140105"' in form and "本级部门" in form and 'value="140000"' not in form
    doc = SimpleUploadedFile(
        "通知.pdf",
        b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        content_type="application/pdf",
    )
    resp = c.post(
        "/items/new/",
        {
            "title": "推进5G基站建设",
            "body": "新建5G基站1.5万座",
            "source": "work_report",
            "category": "continuous",
            "lead": ["140105"],
            "coop": ["140106"],
            "final_due": "2021-12-31",
            "monthly": "1",
            "files": [doc],
            "not_classified": "1",
        },
    )
    item = Item.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/items/{item.pk}/"
    assert item.category == "continuous" and item.final_due == dt.date(2021, 12, 31)
    assert (
        item.progress_days[0] == "2021-03-25"
        and item.progress_days[-1] == "2021-12-25"
        and len(item.progress_days) == 10
    )
    assert sorted(item.tracks.values_list("unit__code", "role")) == [("140105", "lead"), ("140106", "coop")]
    assert Attachment.objects.get(item=item).name == "通知.pdf"


def test_new_item_refusal_keeps_input(as_user, prov_sup, clock):
    clock("2021-03-10 09:00")
    resp = as_user(prov_sup).post(
        "/items/new/",
        {"title": "没有牵头单位的事项", "body": "正文保留", "category": "general", "not_classified": "1"},
    )
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "请至少选择一个牵头单位" in html
    assert 'value="没有牵头单位的事项"' in html and "正文保留" in html
    assert Item.objects.count() == 0
    resp = as_user(prov_sup).post(
        "/items/new/", {"title": "越权交办", "lead": ["140000"], "not_classified": "1"}
    )
    assert "不能交办给" in resp.content.decode() and Item.objects.count() == 0


def test_refusals_show_the_message_and_change_nothing(
    as_user, assigned_item, track, prov_sup, county_clerk, county_head, clock
):
    clock("2021-10-08 09:00")
    clerk = as_user(county_clerk)
    post(clerk, track, "sign")
    # Signing twice (with the current version): refused, nothing changes.
    before = snapshot(assigned_item.pk)
    resp = post(clerk, track, "sign")
    assert resp.status_code == 409 and "该事项已签收，不能重复签收" in messages_of(resp)
    assert snapshot(assigned_item.pk) == before

    # A stale expected_version: the form was loaded before someone else acted.
    track.refresh_from_db()
    stale = track.version
    services.file_report(actor=county_head, track_id=track.pk, kind="deploy", done="部署")
    before = snapshot(assigned_item.pk)
    resp = clerk.post(
        f"/tracks/{track.pk}/report/", {"expected_version": stale, "kind": "feedback", "done": "我写的反馈"}
    )
    assert resp.status_code == 409 and any("请刷新" in m for m in messages_of(resp))
    assert "我写的反馈" in resp.content.decode()  # what the clerk typed is kept
    assert snapshot(assigned_item.pk) == before

    # Closing one's own unit's request: the review forms are not shown, and a forged POST is refused.
    advance(track, county_clerk, to="requested")
    assert "close-form" not in as_user(county_head).get(f"/items/{assigned_item.pk}/").content.decode()
    before = snapshot(assigned_item.pk)
    resp = post(as_user(county_head), track, "close", {"rating": "excellent"})
    assert resp.status_code == 403 and any("不能审核本单位" in m for m in messages_of(resp))
    assert snapshot(assigned_item.pk) == before

    # Reporting on a closed track.
    services.close_track(actor=prov_sup, track_id=track.pk, rating="pass")
    before = snapshot(assigned_item.pk)
    resp = post(clerk, track, "report", {"kind": "progress", "done": "还想再报"})
    assert resp.status_code in (403, 409)
    assert snapshot(assigned_item.pk) == before
    assert Event.objects.filter(item=assigned_item, action="report.progress").count() == 0


def test_bad_input_is_refused_without_change(as_user, assigned_item, track, prov_sup, county_clerk, clock):
    clock("2021-10-08 09:00")
    advance(track, county_clerk, to="signed")
    before = snapshot(assigned_item.pk)
    clerk = as_user(county_clerk)
    resp = post(clerk, track, "extend", {"proposed_due": "不是日期", "reason": "理由"})
    assert resp.status_code == 422 and any("日期" in m for m in messages_of(resp))
    resp = post(clerk, track, "report", {"kind": "deploy", "done": ""})
    assert resp.status_code == 422 and "请填写工作开展情况" in messages_of(resp)
    bad = SimpleUploadedFile("病毒.exe", b"MZ\x90\x00" + b"\x00" * 100)
    resp = post(clerk, track, "report", {"kind": "deploy", "done": "部署", "files": [bad]})
    assert resp.status_code == 422 and any("类型不支持" in m for m in messages_of(resp))
    resp = post(as_user(prov_sup), track, "close", {"rating": "excellent"})
    assert resp.status_code == 409
    assert snapshot(assigned_item.pk) == before
    assert clerk.post(f"/tracks/{track.pk}/explode/", {}).status_code == 404
    assert clerk.get(f"/tracks/{track.pk}/sign/").status_code == 405
