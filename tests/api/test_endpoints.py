"""Every endpoint's happy path, acting through bearer tokens as the shared personas."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.items import services
from duban.items.models import Attachment, Instruction, Item, Track, Urge
from tests.api.conftest import ApiClient, to_requested
from tests.conftest import unit

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def sup(prov_sup):
    return ApiClient(prov_sup)


@pytest.fixture
def clerk(county_clerk):
    return ApiClient(county_clerk)


@pytest.fixture
def head(county_head):
    return ApiClient(county_head)


def test_register_only(sup, clock):
    clock("2021-09-30 10:00")
    r = sup.post(
        "/items",
        {"not_classified": True, "title": "  推进老旧小区改造 ", "body": "年内开工", "source": "work_report"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["title"] == "推进老旧小区改造" and body["source"] == "work_report"
    assert body["tracks"] == [] and body["light"] == "draft" and body["assigned_at"] is None
    assert body["created_at"] == "2021-09-30T10:00:00+08:00"
    assert body["issuer"] == {"code": "140000", "name": "山西省"}


def test_register_and_assign_in_one_call(sup, clock):
    clock("2021-09-30 10:00")
    r = sup.post(
        "/items",
        {
            "not_classified": True,
            "title": "新建5G基站",
            "category": "major",
            "lead": ["140105"],
            "coop": ["140106"],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    tracks = {t["unit"]["code"]: t for t in body["tracks"]}
    assert {c: t["role"] for c, t in tracks.items()} == {"140105": "lead", "140106": "coop"}
    lead = tracks["140105"]
    assert [(n["kind"], n["due_at"]) for n in lead["nodes"]] == [
        ("sign", "2021-10-08T23:59:59+08:00"),
        ("deploy", "2021-10-08T23:59:59+08:00"),
        ("feedback", "2021-10-11T23:59:59+08:00"),
        ("result", "2021-11-01T23:59:59+08:00"),
    ]
    assert all(
        n["light"] == "green" and n["late_seconds"] == 0 and n["done_at"] is None for n in lead["nodes"]
    )
    assert lead["state"] == "assigned" and lead["version"] >= 1


def test_register_continuous_item(sup, clock):
    clock("2021-03-01 10:00")
    r = sup.post(
        "/items",
        {
            "not_classified": True,
            "title": "再新建5G基站1.5万座",
            "category": "continuous",
            "final_due": "2021-12-31",
            "progress_days": ["2021-06-25", "2021-09-25"],
            "lead": ["140105"],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["final_due"] == "2021-12-31" and body["progress_days"] == ["2021-06-25", "2021-09-25"]
    kinds = [n["kind"] for n in body["tracks"][0]["nodes"]]
    assert kinds == ["sign", "deploy", "feedback", "progress", "progress", "result"]


def test_assign_later(sup, clock):
    clock("2021-09-30 10:00")
    item_id = sup.post("/items", {"not_classified": True, "title": "专项整治"}).json()["id"]
    r = sup.post(f"/items/{item_id}/assign", {"lead": ["140105"], "coop": ["140106"]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["item_id"] == item_id and body["item_version"] == Item.objects.get(pk=item_id).version
    assert [t["unit"]["code"] for t in body["tracks"]] == ["140105", "140106"]
    assert Track.objects.filter(item_id=item_id).count() == 2


def test_item_detail_lists_everything(assigned_item, track_id, sup, clerk, prov_leader, clock):
    to_requested(clerk, track_id, clock)
    ApiClient(prov_leader).post(f"/items/{assigned_item.pk}/instructions", {"text": "抓紧推进"})
    r = clerk.get(f"/items/{assigned_item.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["instructions"][0]["text"] == "抓紧推进"
    [track] = body["tracks"]
    assert track["state"] == "requested" and track["light"] == "waiting"
    assert [rep["kind"] for rep in track["reports"]] == ["deploy", "feedback", "result"]
    assert track["nodes"][0]["done_at"] == "2021-10-08T09:00:00+08:00"
    assert {n["light"] for n in track["nodes"]} == {"done"}
    assert track["reviews"] == [] and track["extensions"] == [] and track["urges"] == []


def test_track_detail(track_id, clerk):
    r = clerk.get(f"/tracks/{track_id}")
    assert r.status_code == 200
    assert r.json()["id"] == track_id and len(r.json()["nodes"]) == 4


def test_journal_is_ordered(assigned_item, track_id, clerk, clock):
    clock("2021-10-08 09:00")
    clerk.post(f"/tracks/{track_id}/sign")
    r = clerk.get(f"/items/{assigned_item.pk}/journal")
    assert r.status_code == 200
    events = r.json()
    assert [e["action"] for e in events] == ["item.register", "track.assign", "track.sign"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert events[-1]["at"] == "2021-10-08T09:00:00+08:00"
    assert events[-1]["actor"]["username"] == "county_clerk"
    assert events[-1]["actor_unit"]["code"] == "140105"
    assert events[-1]["track_id"] == track_id


def test_full_lifecycle_with_return_and_close(assigned_item, track_id, sup, clerk, clock):
    to_requested(clerk, track_id, clock)
    clock("2021-10-09 10:00")
    version = clerk.get(f"/tracks/{track_id}").json()["version"]
    r = sup.post(f"/tracks/{track_id}/return", {"reason": "佐证材料不足", "expected_version": version})
    assert r.status_code == 200, r.content
    returned = r.json()
    assert returned["state"] == "returned" and returned["version"] == version + 1
    assert returned["nodes"][-1]["kind"] == "result" and returned["nodes"][-1]["done_at"] is None

    r = clerk.multipart(
        f"/tracks/{track_id}/reports",
        {"kind": "result", "done": "补充了照片", "expected_version": str(returned["version"])},
    )
    assert r.status_code == 201, r.content
    assert r.json()["track"]["state"] == "requested"

    r = sup.post(f"/tracks/{track_id}/close", {"rating": "excellent", "comment": "好"})
    assert r.status_code == 200, r.content
    closed = r.json()
    assert closed["state"] == "closed" and closed["rating"] == "excellent" and closed["light"] == "closed"
    assert closed["closed_at"] == "2021-10-09T10:00:00+08:00"
    detail = clerk.get(f"/items/{assigned_item.pk}").json()
    assert [rv["decision"] for rv in detail["tracks"][0]["reviews"]] == ["return", "close"]
    assert detail["light"] == "closed"


def test_sign_returns_new_version(track_id, clerk):
    before = Track.objects.get(pk=track_id).version
    r = clerk.post(f"/tracks/{track_id}/sign", {"expected_version": before})
    assert r.status_code == 200
    assert r.json()["version"] == before + 1 == Track.objects.get(pk=track_id).version
    assert r.json()["signed_at"] is not None


def test_report_with_files(track_id, clerk, clock):
    clock("2021-10-09 09:00")  # a day after sign and deploy fell due
    clerk.post(f"/tracks/{track_id}/sign")
    r = clerk.multipart(
        f"/tracks/{track_id}/reports",
        {
            "kind": "deploy",
            "done": "召开专题会议",
            "next_steps": "制定方案",
            "problems": "资金缺口",
            "support_needed": "请省财政支持",
            "files": [
                SimpleUploadedFile("现场.png", PNG, content_type="image/png"),
                SimpleUploadedFile("说明.txt", "会议纪要".encode(), content_type="text/plain"),
            ],
        },
    )
    assert r.status_code == 201, r.content
    report = r.json()["report"]
    assert report["kind"] == "deploy" and report["late"] is True
    assert (report["next_steps"], report["problems"], report["support_needed"]) == (
        "制定方案",
        "资金缺口",
        "请省财政支持",
    )
    assert sorted((a["name"], a["content_type"]) for a in report["attachments"]) == [
        ("现场.png", "image/png"),
        ("说明.txt", "text/plain"),
    ]
    assert Attachment.objects.count() == 2
    nodes = {n["kind"]: n for n in r.json()["track"]["nodes"]}
    assert nodes["deploy"]["late_seconds"] == 9 * 3600 + 1  # due 23:59:59 the day before
    assert nodes["sign"]["light"] == "done"


def test_attachment_download_follows_item_visibility(track_id, clerk, sup, sibling_clerk, clock):
    clock("2021-10-08 09:00")
    clerk.post(f"/tracks/{track_id}/sign")
    r = clerk.multipart(
        f"/tracks/{track_id}/reports",
        {
            "kind": "deploy",
            "done": "已部署",
            "files": [SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
        },
    )
    att = r.json()["report"]["attachments"][0]["id"]
    for who in (clerk, sup):  # the handling unit and the issuer
        got = who.get(f"/attachments/{att}")
        assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
        assert got["Content-Type"] == "image/png" and "filename*=utf-8''" in got["Content-Disposition"]
    outsider = ApiClient(sibling_clerk)
    assert outsider.get(f"/attachments/{att}").status_code == 404
    assert outsider.get("/attachments/999999").status_code == 404


def test_extension_granted(track_id, sup, clerk, clock):
    clock("2021-10-08 09:00")
    r = clerk.post(f"/tracks/{track_id}/extensions", {"reason": "国庆假期", "proposed_due": "2021-10-12"})
    assert r.status_code == 201, r.content
    ext = r.json()["extension"]
    assert ext["state"] == "pending" and ext["node_kind"] == "sign" and ext["proposed_due"] == "2021-10-12"
    version = r.json()["track"]["version"]

    r = sup.post(f"/extensions/{ext['id']}/decide", {"decision": "grant", "expected_version": version})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (
        body["extension"]["state"] == "granted" and body["extension"]["decided_by"]["username"] == "prov_sup"
    )
    sign = body["track"]["nodes"][0]
    assert sign["due_at"] == "2021-10-12T23:59:59+08:00"
    assert sign["original_due_at"] == "2021-10-08T23:59:59+08:00"
    assert body["track"]["version"] == version + 1


def test_extension_refused(track_id, sup, clerk, clock):
    clock("2021-10-08 09:00")
    ext_id = clerk.post(
        f"/tracks/{track_id}/extensions", {"reason": "人手不足", "proposed_due": "2021-10-12"}
    ).json()["extension"]["id"]
    r = sup.post(f"/extensions/{ext_id}/decide", {"decision": "refuse", "note": "请按期完成"})
    assert r.status_code == 200, r.content
    assert r.json()["extension"]["state"] == "refused"
    assert r.json()["extension"]["decision_note"] == "请按期完成"
    assert r.json()["track"]["nodes"][0]["due_at"] == "2021-10-08T23:59:59+08:00"


def test_urge_shows_in_queue(track_id, sup, clerk, clock):
    clock("2021-10-08 09:00")
    r = sup.post(f"/tracks/{track_id}/urge", {"message": "请今天内签收"})
    assert r.status_code == 201, r.content
    assert r.json()["urge"]["message"] == "请今天内签收"
    assert r.json()["track"]["last_urged_at"] == "2021-10-08T09:00:00+08:00"
    assert Urge.objects.count() == 1
    q = clerk.get("/queue").json()
    assert q["counts"]["urged"] == 1 and q["rows"]["urged"][0]["id"] == track_id
    assert clerk.get(f"/tracks/{track_id}").json()["urges"][0]["by"]["username"] == "prov_sup"


def test_urge_with_empty_body_uses_default_message(track_id, sup):
    r = sup.client.post(f"/api/v1/tracks/{track_id}/urge")
    assert r.status_code == 201, r.content
    assert r.json()["urge"]["message"] == "请抓紧办理"


def test_route_to_a_clerk(track_id, head, county_clerk):
    r = head.post(f"/tracks/{track_id}/route", {"assignee": "county_clerk"})
    assert r.status_code == 200, r.content
    assert r.json()["assignee"]["username"] == "county_clerk"
    assert Track.objects.get(pk=track_id).assignee_id == county_clerk.pk


def test_pass_down_to_a_township(track_id, head, town_clerk, clock):
    clock("2021-10-08 09:00")
    head.post(f"/tracks/{track_id}/sign")
    r = head.post(f"/tracks/{track_id}/pass-down", {"units": ["140105001"]})
    assert r.status_code == 201, r.content
    body = r.json()
    [child] = body["children"]
    assert child["parent_id"] == track_id and child["unit"]["code"] == "140105001"
    assert body["track"]["version"] == Track.objects.get(pk=track_id).version
    # The township now sees and can act on its own track.
    town = ApiClient(town_clerk)
    assert town.post(f"/tracks/{child['id']}/sign").status_code == 200


def test_instruction_by_leader(assigned_item, prov_leader):
    r = ApiClient(prov_leader).post(f"/items/{assigned_item.pk}/instructions", {"text": "要按期办结"})
    assert r.status_code == 201, r.content
    assert r.json()["by"]["username"] == "prov_leader" and r.json()["text"] == "要按期办结"
    assert Instruction.objects.filter(item=assigned_item).count() == 1


def test_queue_counts_and_rows(track_id, clerk, clock):
    clock("2021-10-08 10:00")
    r = clerk.get("/queue")
    assert r.status_code == 200
    body = r.json()
    assert set(body["counts"]) == set(body["rows"])
    assert body["counts"]["to_sign"] == 1 and body["counts"]["due_soon"] == 1
    assert body["rows"]["to_sign"][0]["id"] == track_id
    assert body["rows"]["to_sign"][0]["light"] == "yellow"
    assert body["rows"]["overdue"] == []
    r = clerk.get("/queue/to_sign", limit=5)
    assert r.status_code == 200 and [t["id"] for t in r.json()["items"]] == [track_id]
    assert r.json()["items"][0]["light"] == "yellow" and r.json()["items"][0]["item_title"]
    assert r.json()["total"] == 1 and r.json()["capped"] is False
    assert clerk.get("/queue/to_sign", limit=5, offset=1).json()["items"] == []
    assert clerk.get("/queue/to_sign", offset=2**63).json()["code"] == "bad_offset"


def test_queue_for_reviewer(track_id, sup, clerk, clock):
    to_requested(clerk, track_id, clock)
    body = sup.get("/queue").json()
    assert body["counts"]["to_review"] == 1 and body["rows"]["to_review"][0]["state"] == "requested"


def test_light_board(assigned_item, sup, clock):
    clock("2021-10-09 10:00")  # the sign node is overdue
    r = sup.get("/board")
    assert r.status_code == 200
    rows = {row["unit"]["code"]: row for row in r.json()}
    assert rows["140000"]["total"] == 0
    assert rows["140100"] == {
        "unit": {"code": "140100", "name": "太原市"},
        "red": 1,
        "yellow": 0,
        "green": 0,
        "closed": 0,
        "total": 1,
    }


def test_units_lookup(clerk):
    r = clerk.get("/units", q="小店")
    assert r.status_code == 200
    codes = [u["code"] for u in r.json()]
    assert "140105" in codes
    xiaodian = next(u for u in r.json() if u["code"] == "140105")
    assert xiaodian["parent_code"] == "140100" and xiaodian["kind"] == "county"
    by_code = clerk.get("/units", q="1401", limit=3).json()
    assert len(by_code) == 3 and by_code[0]["code"] == "140100"
    under = clerk.get("/units", under="140105", kind="township", limit=500).json()
    assert under and all(u["path"].startswith("140000/140100/140105/") for u in under)
    assert all(u["kind"] == "township" for u in under)


def test_me_for_supervisor(sup):
    body = sup.get("/me").json()
    assert body["role"] == "supervisor" and body["can_register"] is True
    assert body["unit"]["parent_code"] is None


# ---------------------------------------------------------------------------------------------
# The item list and its filters


@pytest.fixture
def two_items(assigned_item, prov_sup, clock):
    clock("2021-10-01 10:00")
    other = services.register_and_assign(
        actor=prov_sup,
        title="煤矿工作面减人",
        source="work_report",
        category="major",
        lead=[unit("140106")],
    )
    return assigned_item, other


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["items"]]


def test_list_filters(two_items, sup, clock):
    general, major = two_items
    assert ids(sup.get("/items")) == [major.pk, general.pk]  # newest first
    assert ids(sup.get("/items", category="major")) == [major.pk]
    assert ids(sup.get("/items", source="work_report")) == [major.pk]
    assert ids(sup.get("/items", q="老旧")) == [general.pk]
    assert ids(sup.get("/items", unit="140105")) == [general.pk]
    assert sorted(ids(sup.get("/items", unit="140100"))) == sorted([general.pk, major.pk])
    assert ids(sup.get("/items", order="title")) == sorted(
        [general.pk, major.pk], key=lambda pk: Item.objects.get(pk=pk).title
    )
    # Both sign nodes fall due 2021-10-08; the first unsigned node is the one filtered on.
    assert sorted(ids(sup.get("/items", due_from="2021-10-08", due_to="2021-10-08"))) == sorted(
        [general.pk, major.pk]
    )
    assert ids(sup.get("/items", due_to="2021-10-07")) == []
    clock("2021-10-09 10:00")
    assert sorted(ids(sup.get("/items", light="red"))) == sorted([general.pk, major.pk])
    assert ids(sup.get("/items", light="green")) == []


def test_list_rows_and_pagination(two_items, sup):
    general, major = two_items
    r = sup.get("/items", limit=1, offset=1)
    body = r.json()
    assert body["total"] == 2 and body["limit"] == 1 and body["offset"] == 1
    [row] = body["items"]
    assert row["id"] == general.pk and row["units"] == [{"code": "140105", "name": "小店区"}]
    # On the National Day holiday the next working day is 10-08, when signing falls due.
    assert row["light"] == "yellow" and row["created_at"] == "2021-09-30T10:00:00+08:00"
    assert sup.get("/items", limit=1, offset=5).json() == {
        "total": 2,
        "capped": False,
        "limit": 1,
        "offset": 5,
        "items": [],
    }


def test_list_sees_only_visible_items(two_items, clerk):
    general, _ = two_items
    assert ids(clerk.get("/items")) == [general.pk]
    assert clerk.get("/items").json()["total"] == 1
