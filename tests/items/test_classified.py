"""The 涉密 guard: classification markings are refused at item entry, progress reports and report
import; a registration needs the registrar's confirmation; both are in the journal row."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from duban.core.classified import find_marking
from duban.core.errors import InvalidInput
from duban.items import services
from duban.items.models import Item, Report
from duban.journal.models import Event

WORDS = ["绝密", "机密", "秘密", "内部"]


# --- The rule (pure) ------------------------------------------------------------------------

MARKED = [
    ("秘密★一年\n关于推进老旧小区改造的通知", "秘密★一年"),
    ("机  密★1年\n关于……", "机  密★1年"),  # typeset with spaces
    ("绝密★启用前", "绝密★启用前"),
    ("内部★\n情况通报", "内部★"),
    ("密级：机密\n正文", "密级：机密"),
    ("【内部资料】关于加强管理的报告", "【内部资料】"),
    ("内部资料\n2021年工作要点", "内部资料"),
    ("内部资料，注意保存\n标题", "内部资料，注意保存"),
    ("（机密）\n会议纪要", "（机密）"),
    ("机密 关于某事项的通知", "机密"),
    ("抄送各市。正文提到一份机密*10年的文件", "机密*10年"),
    ("标题\n\n秘密级\n正文", "秘密级"),
]

ORDINARY = [
    # The words as words: in sentences of real reports, never a marking.
    "加强商业秘密保护，完善知识产权制度。",
    "教育引导干部保守国家机密，严守政治纪律。",
    "健全内部控制制度，强化内部审计监督。",
    "内部审计发现的问题已全部整改。",
    "关于加强内部资料管理的通知",
    "提升数据机密性、完整性保护水平。",
    "**秘密**",  # Markdown emphasis, not a star marking
    "秘密地进行",
]


@pytest.mark.parametrize(("text", "marking"), MARKED)
def test_markings_are_found_and_named(text, marking):
    assert find_marking(text, WORDS) == marking


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_do_not_trip(text):
    assert find_marking(text, WORDS) is None


def test_head_markings_only_at_the_head():
    body = "\n".join(f"第{i}段，推进各项工作。" for i in range(10))
    assert find_marking("内部资料\n" + body, WORDS) == "内部资料"
    # The same line deep inside a report is a heading about the matter, not a marking.
    assert find_marking(body + "\n内部资料\n" + body, WORDS) is None


def test_words_are_configurable():
    assert find_marking("工作秘密★\n正文", ["工作秘密"]) == "工作秘密★"
    assert find_marking("秘密★一年", ["机密"]) is None
    assert find_marking("秘密★一年", []) is None


def test_real_reports_do_not_trip(seed_text):
    assert find_marking(seed_text, WORDS) is None


@pytest.fixture
def seed_text():
    from tests.workplan.conftest import _seed_path

    return _seed_path().read_text(encoding="utf-8")


# --- Services ---------------------------------------------------------------------------------


def test_register_refuses_a_marked_item_and_writes_nothing(prov_sup):
    events = Event.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.register_item(
            actor=prov_sup, title="关于某项目的请示", body="秘密★一年\n具体内容", not_classified=True
        )
    assert exc.value.code == "classified" and exc.value.details["field"] == "body"
    assert "“秘密★一年”" in exc.value.message and "涉密事项不得录入本系统" in exc.value.message
    assert Item.objects.count() == 0 and Event.objects.count() == events


def test_register_refuses_without_confirmation(prov_sup):
    with pytest.raises(InvalidInput) as exc:
        services.register_item(actor=prov_sup, title="推进老旧小区改造", not_classified=False)
    assert exc.value.code == "not_confirmed" and "不涉及国家秘密" in exc.value.message
    assert Item.objects.count() == 0


def test_register_journals_the_check_and_the_confirmation(prov_sup):
    item = services.register_item(
        actor=prov_sup, title="加强商业秘密保护", body="保守国家机密，健全内部控制。", not_classified=True
    )
    event = Event.objects.get(item=item, action="item.register")
    assert event.payload["secrecy"] == {
        "checked": ["title", "body"],
        "markings": WORDS,
        "found": None,
        "not_classified": True,
    }


def test_markings_come_from_settings(prov_sup, settings):
    settings.DUBAN_CLASSIFIED_MARKINGS = ["工作秘密"]
    with pytest.raises(InvalidInput) as exc:
        services.register_item(actor=prov_sup, title="工作秘密★ 某事项", not_classified=True)
    assert exc.value.code == "classified" and "工作秘密★" in exc.value.message
    # 秘密★ is no longer on the list.
    assert services.register_item(actor=prov_sup, title="秘密★", not_classified=True).pk


def test_report_with_a_marking_is_refused(assigned_item, county_clerk, clock):
    track = assigned_item.tracks.get()
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    events = Event.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.file_report(
            actor=county_clerk, track_id=track.pk, kind="deploy", done="已部署", problems="密级：秘密 见附件"
        )
    assert exc.value.code == "classified" and exc.value.details["field"] == "problems"
    assert "存在问题含有密级标志“密级：秘密”" in exc.value.message
    assert Report.objects.count() == 0 and Event.objects.count() == events

    report = services.file_report(
        actor=county_clerk, track_id=track.pk, kind="deploy", done="召开会议部署，强调保守国家机密"
    )
    event = Event.objects.get(action="report.deploy", object_id=report.pk)
    assert event.payload["secrecy"]["checked"] == ["done", "next_steps", "problems", "support_needed"]
    assert event.payload["secrecy"]["found"] is None


# --- The new-item form ------------------------------------------------------------------------


def _web(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_form_has_the_required_confirmation(prov_sup):
    html = _web(prov_sup).get("/items/new/").content.decode()
    assert 'name="not_classified"' in html and "本事项不涉及国家秘密" in html
    box = html[html.index('name="not_classified"') - 80 : html.index('name="not_classified"') + 80]
    assert "required" in box


def test_form_without_the_box_is_refused(prov_sup, clock):
    clock("2021-03-10 09:00")
    resp = _web(prov_sup).post("/items/new/", {"title": "推进老旧小区改造", "lead": ["140105"]})
    assert resp.status_code == 422 and "请确认本事项不涉及国家秘密" in resp.content.decode()
    assert Item.objects.count() == 0


def test_form_with_a_marking_is_refused_and_keeps_input(prov_sup, clock):
    clock("2021-03-10 09:00")
    resp = _web(prov_sup).post(
        "/items/new/",
        {
            "title": "推进老旧小区改造",
            "body": "内部资料\n改造方案",
            "lead": ["140105"],
            "not_classified": "1",
        },
    )
    html = resp.content.decode()
    assert resp.status_code == 422 and "内容含有密级标志“内部资料”" in html
    assert 'value="推进老旧小区改造"' in html and Item.objects.count() == 0


def test_form_confirmed_registers_and_journals(prov_sup, clock):
    clock("2021-03-10 09:00")
    resp = _web(prov_sup).post(
        "/items/new/", {"title": "推进老旧小区改造", "lead": ["140105"], "not_classified": "1"}
    )
    item = Item.objects.get()
    assert resp.status_code == 302
    assert Event.objects.get(item=item, action="item.register").payload["secrecy"]["not_classified"] is True


# --- The API ----------------------------------------------------------------------------------


def _api(user):
    from duban.api.auth import issue_token

    _, token = issue_token(actor=None, user=user, name="tests")
    client = Client(headers={"authorization": f"Bearer {token}"})

    def post(path, body):
        return client.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")

    return post


def test_api_requires_not_classified(prov_sup, clock):
    clock("2021-03-10 09:00")
    post = _api(prov_sup)
    assert post("/items", {"title": "推进老旧小区改造"}).status_code == 422
    # A string is not a boolean here: the registrar's confirmation is explicit.
    assert post("/items", {"title": "推进老旧小区改造", "not_classified": "yes"}).status_code == 422
    r = post("/items", {"title": "推进老旧小区改造", "not_classified": False})
    assert r.status_code == 422 and r.json()["code"] == "not_confirmed"
    assert Item.objects.count() == 0
    r = post("/items", {"title": "推进老旧小区改造", "not_classified": True, "lead": ["140105"]})
    assert r.status_code == 201, r.content
    event = Event.objects.get(item_id=r.json()["id"], action="item.register")
    assert event.payload["secrecy"]["not_classified"] is True


def test_api_refuses_a_marking_with_code_classified(prov_sup, clock):
    clock("2021-03-10 09:00")
    r = _api(prov_sup)("/items", {"title": "机密★ 关于X的报告", "not_classified": True})
    assert r.status_code == 422 and r.json()["code"] == "classified"
    assert "机密★" in r.json()["message"] and Item.objects.count() == 0


def test_api_report_with_a_marking_is_refused(assigned_item, county_clerk, clock):
    track = assigned_item.tracks.get()
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    from duban.api.auth import issue_token

    _, token = issue_token(actor=None, user=county_clerk, name="tests")
    client = Client(headers={"authorization": f"Bearer {token}"})
    r = client.post(f"/api/v1/tracks/{track.pk}/reports", {"kind": "deploy", "done": "绝密★启用前 材料"})
    assert r.status_code == 422 and r.json()["code"] == "classified"
    assert Report.objects.count() == 0


pytestmark = pytest.mark.django_db


def test_report_form_with_a_marking_is_refused(assigned_item, county_clerk, clock):
    track = assigned_item.tracks.get()
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    track.refresh_from_db()
    resp = _web(county_clerk).post(
        f"/tracks/{track.pk}/report/",
        {"expected_version": track.version, "kind": "deploy", "done": "秘密★六个月\n部署情况"},
    )
    html = resp.content.decode()
    assert resp.status_code == 422 and "工作开展情况含有密级标志“秘密★六个月”" in html
    assert Report.objects.count() == 0
