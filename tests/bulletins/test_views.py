"""The 通报 screens: the list, preview and publish, a bulletin's page and files, the points
rules page; who sees what (outsiders get 404) and refusals that change nothing."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document

from duban.bulletins import periods, render, services
from duban.bulletins.models import Bulletin, PointsRules
from duban.journal.models import Event
from tests.bulletins.conftest import PUBLISHED_AT
from tests.conftest import make_user, unit

pytestmark = pytest.mark.django_db

NOVEMBER = {"kind": "month", "year": "2026", "month": "11", "scope": "140000"}


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def published(story, prov_sup, clock):
    clock(PUBLISHED_AT)
    return services.publish(actor=prov_sup, period=periods.parse("month", year=2026, month=11))


def test_preview_then_publish(client, story, prov_sup, clock):
    clock(PUBLISHED_AT)
    c = login(client, prov_sup)
    html = c.get(reverse("bulletins:list")).content.decode()
    assert 'href="/bulletins/"' in html and "新建通报" in html and "积分规则" in html
    form = c.get(reverse("bulletins:new")).content.decode()
    assert 'name="kind"' in form and '<option value="11" selected>' in form  # last month by default
    page = c.get(reverse("bulletins:new"), {**NOVEMBER, "preview": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "关于2026年11月督办事项办理情况的通报" in html
    assert "本期共交办督办事项18项" in html and "按期办结率77.8%" in html
    assert "<td>大同市</td>" in html and "发布通报" in html
    assert not Bulletin.objects.exists()
    response = c.post(reverse("bulletins:publish"), NOVEMBER)
    b = Bulletin.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("bulletins:detail", args=[b.pk])
    html = c.get(response["Location"]).content.decode()
    assert "通报已发布" in html and "〔2026〕X号" in html and "<td>阳泉市</td>" in html
    docx = c.get(reverse("bulletins:docx", args=[b.pk]))
    assert docx["Content-Type"] == render.DOCX
    assert Document(io.BytesIO(docx.content)).tables[0].rows[0].cells[0].text == "排名"
    xlsx = c.get(reverse("bulletins:xlsx", args=[b.pk]))
    assert xlsx["Content-Type"] == render.XLSX
    clock("2026-12-09 10:00")  # another day: the same bytes
    assert c.get(reverse("bulletins:docx", args=[b.pk])).content == docx.content
    assert c.get(reverse("bulletins:xlsx", args=[b.pk])).content == xlsx.content


def test_bad_form_input_is_refused_and_bounded(client, story, prov_sup, clock):
    clock(PUBLISHED_AT)
    c = login(client, prov_sup)
    for params in (
        {"kind": "month", "year": "9" * 40, "month": "11"},
        {"kind": "dates", "start": "x" * 5000, "end": "2026-11-01"},
        {"kind": "quarter", "year": "2026", "quarter": "5"},
        {"kind": "year", "year": "2027"},
        {"kind": "month", "year": "2026", "month": "11", "scope": "140000" * 100},
        {"kind": "month", "year": "2026", "month": "11", "scope": "150000"},
    ):
        response = c.get(reverse("bulletins:new"), {**params, "preview": "1"})
        assert response.status_code == 422, params
    response = c.post(reverse("bulletins:publish"), {"kind": "month", "year": "2026", "month": "9"})
    assert response.status_code == 422 and "无需通报" in response.content.decode()
    assert not Bulletin.objects.exists()
    assert c.get(reverse("bulletins:list"), {"page": "9" * 50}).status_code == 200


def test_who_reads_a_bulletin(
    client, published, prov_leader, city_sup, clerks, county_clerk, town_clerk, clock
):
    clock("2026-12-02 10:00")
    urls = [reverse(n, args=[published.pk]) for n in ("bulletins:detail", "bulletins:docx", "bulletins:xlsx")]
    # The issuing unit's leader, a ranked city's supervisor and clerks of ranked units read it.
    for reader in (prov_leader, city_sup, clerks["D"], clerks["G"]):
        c = login(client, reader)
        assert [c.get(u).status_code for u in urls] == [200, 200, 200], reader
        assert f'data-bulletin="{published.pk}"' in c.get(reverse("bulletins:list")).content.decode()
    # Units it does not rank (a district, a township) do not learn it exists.
    for outsider in (county_clerk, town_clerk):
        c = login(client, outsider)
        assert [c.get(u).status_code for u in urls] == [404, 404, 404]
        assert f'data-bulletin="{published.pk}"' not in c.get(reverse("bulletins:list")).content.decode()
    assert (
        login(client, county_clerk).get(reverse("bulletins:detail", args=[published.pk + 99])).status_code
        == 404
    )


def test_clerks_cannot_publish_or_edit_rules(client, story, clerks, prov_leader, clock):
    clock(PUBLISHED_AT)
    # Signing in and out is journaled too; what must not appear is any other change.
    changes = Event.objects.exclude(action__in=("user.login", "user.logout", "user.login_failed"))
    before = changes.count()
    for user in (clerks["T"], prov_leader):
        c = login(client, user)
        html = c.get(reverse("bulletins:list")).content.decode()
        assert 'href="/bulletins/"' in html  # the nav link: every unit may read bulletins
        assert "新建通报" not in html and "积分规则" not in html
        assert c.get(reverse("bulletins:new"), {**NOVEMBER, "preview": "1"}).status_code == 404
        assert c.get(reverse("bulletins:points")).status_code == 404
        assert c.post(reverse("bulletins:points"), {"excellent": "9"}).status_code == 404
        response = c.post(reverse("bulletins:publish"), NOVEMBER, follow=True)
        assert "只有督查员可以发布通报" in response.content.decode()
    assert not Bulletin.objects.exists() and not PointsRules.objects.exists()
    assert changes.count() == before


def test_points_rules_page(client, prov_sup, admin_user, clock):
    clock("2026-12-01 09:00")
    c = login(client, prov_sup)
    html = c.get(reverse("bulletins:points")).content.decode()
    assert 'name="excellent" value="3"' in html and 'name="overdue_day" value="-0.5"' in html
    assert "每逾期1个工作日" in html
    values = {"excellent": "4", "good": "2", "pass": "1", "fail": "-3", "overdue_day": "-1", "return": "-1.5"}
    bad = c.post(reverse("bulletins:points"), {**values, "good": "很多"})
    assert bad.status_code == 422 and "“良好”须为数字" in bad.content.decode()
    assert not PointsRules.objects.exists()
    response = c.post(reverse("bulletins:points"), values, follow=True)
    assert "积分规则已保存" in response.content.decode()
    assert 'name="return" value="-1.5"' in response.content.decode()
    assert Event.objects.filter(action="bulletin.points_rules").count() == 1
    # The admin of the province edits the same rules.
    assert login(client, admin_user).get(reverse("bulletins:points")).status_code == 200


def test_published_bulletin_states_the_rules_it_used(client, story, prov_sup, clock):
    clock("2026-11-30 10:00")
    services.update_points_rules(
        actor=prov_sup,
        **{"excellent": "5", "good": "2", "pass": "1", "fail": "-3", "overdue_day": "0", "return": "-2"},
    )
    clock(PUBLISHED_AT)
    b = services.publish(actor=prov_sup, period=periods.parse("month", year=2026, month=11))
    assert (
        b.data["rules_text"] == "优秀+5分、良好+2分、合格+1分、不合格−3分；每逾期1个工作日0分；每退回1次−2分"
    )
    html = login(client, prov_sup).get(reverse("bulletins:detail", args=[b.pk])).content.decode()
    assert "优秀+5分" in html
    rows = {r["name"]: r["rank"] for r in b.data["rows"]}
    assert rows["山西省工业和信息化厅"] == 1 and rows["阳泉市"] == 4


def test_scope_of_a_lower_unit(client, story, prov_sup, clock):
    clock(PUBLISHED_AT)
    c = login(client, prov_sup)
    assert '<option value="140200">大同市</option>' in c.get(reverse("bulletins:new")).content.decode()
    c.post(reverse("bulletins:publish"), {**NOVEMBER, "scope": "140200"})
    b = Bulletin.objects.get()
    assert b.title == "关于2026年11月大同市督办事项办理情况的通报"
    assert [r["name"] for r in b.data["rows"]] == ["大同市"] and b.scope_unit == unit("140200")


def test_a_city_supervisor_bulletins_its_own_items(client, story, city_sup, clock):
    # Taiyuan issued one item in November (to 小店区): its bulletin ranks that district alone.
    clock(PUBLISHED_AT)
    make_user("xd_clerk", unit("140105"), "clerk")
    c = login(client, city_sup)
    c.post(reverse("bulletins:publish"), {"kind": "month", "year": "2026", "month": "11"})
    b = Bulletin.objects.get()
    assert b.data["office"] == "太原市人民政府督查室"
    assert [(r["name"], r["received"], r["overdue_now"]) for r in b.data["rows"]] == [("小店区", 1, 1)]
