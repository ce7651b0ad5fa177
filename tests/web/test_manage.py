"""管理 pages: admins change people, units, the vocabulary and the holiday calendar through
the journaled services; nobody else gets the pages; a refused form changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from duban.core.clock import SHANGHAI
from duban.items import services
from duban.items.models import Node
from duban.journal.models import Event
from duban.orgs.models import OrgUnit, User
from duban.plans.models import UnitVocabulary
from duban.workcal import calendar
from duban.workcal.models import CalendarDay, CalendarYear
from tests.conftest import make_user, unit
from tests.web.conftest import messages_of

NOTICE_2026 = (Path(__file__).parents[1] / "workcal" / "notice_2026.txt").read_text(encoding="utf-8")
PAGES = [
    "/manage/users/",
    "/manage/units/",
    "/manage/vocabulary/",
    "/manage/calendar/2027/",
]


@pytest.mark.parametrize("persona", ["prov_sup", "prov_leader", "county_clerk", "county_head"])
def test_only_admins_get_the_pages(request, as_user, persona):
    user = request.getfixturevalue(persona)
    c = as_user(user)
    for url in PAGES:
        assert c.get(url).status_code == 404, url
    # Supervisors and heads keep their own unit's reminder settings (the one 管理 page they get).
    home = c.get("/manage/")
    if user.role in ("supervisor", "head"):
        assert home.status_code == 302 and home["Location"] == "/manage/notify/"
    else:
        assert home.status_code == 404 and "/manage/" not in c.get("/").content.decode()
    assert c.post("/manage/users/", {"username": "x", "unit": "140105", "role": "admin"}).status_code == 404
    assert not User.objects.filter(username="x").exists()


def test_a_city_admin_gets_people_and_units_but_not_the_calendar(as_user, shanxi):
    c = as_user(make_user("city_admin", unit("140100"), "admin"))
    assert c.get("/manage/users/").status_code == 200
    assert c.get("/manage/calendar/2027/").status_code == 404
    # People of another city are out of reach.
    make_user("dt_clerk", unit("140200"), "clerk")
    assert "dt_clerk" not in c.get("/manage/users/").content.decode()
    other = User.objects.get(username="dt_clerk")
    assert c.get(f"/manage/users/{other.pk}/").status_code == 404


def test_admin_creates_and_edits_a_person(as_user, admin_user):
    c = as_user(admin_user)
    page = c.get("/")
    assert 'href="/manage/"' in page.content.decode()
    r = c.post(
        "/manage/users/",
        {"username": "xd_new", "display_name": "新人", "unit": "140105", "role": "clerk", "password": ""},
    )
    assert r.status_code == 302
    person = User.objects.get(username="xd_new")
    assert Event.objects.filter(action="user.create", object_id=person.pk).exists()
    r = c.post(
        f"/manage/users/{person.pk}/",
        {
            "action": "save",
            "display_name": "新人",
            "phone": "0351-1234567",
            "unit": "140105",
            "role": "head",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.role == "head" and person.phone == "0351-1234567"
    r = c.post(f"/manage/users/{person.pk}/", {"action": "password", "password": "Xiaodian-2021-pw"})
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Xiaodian-2021-pw")


def test_a_refused_form_says_why_and_keeps_what_was_typed(as_user, admin_user, county_clerk):
    c = as_user(admin_user)
    before = Event.objects.count()
    r = c.post(
        "/manage/users/",
        {"username": "county_clerk", "display_name": "重名", "unit": "140105", "role": "clerk"},
    )
    assert r.status_code == 422
    assert any("已被使用" in m for m in messages_of(r))
    assert 'value="重名"' in r.content.decode()
    r = c.post("/manage/users/", {"username": "far_away", "unit": "999999", "role": "clerk"})
    assert r.status_code == 422 and any("本级或下级" in m for m in messages_of(r))
    r = c.post(
        f"/manage/users/{admin_user.pk}/",
        {"action": "save", "unit": admin_user.unit.code, "role": "supervisor", "is_active": "on"},
    )
    assert r.status_code == 403 and any("本人" in m for m in messages_of(r))
    assert Event.objects.count() == before


def test_admin_adds_and_renames_a_department(as_user, admin_user):
    c = as_user(admin_user)
    r = c.post(
        "/manage/units/?under=140100", {"action": "create", "government": "140100", "name": "太原市数据局"}
    )
    assert r.status_code == 302
    dept = OrgUnit.objects.get(name="太原市数据局")
    assert dept.parent.code == "140100"
    page = c.get("/manage/units/?under=140100").content.decode()
    assert "太原市数据局" in page
    r = c.post(
        "/manage/units/",
        {"action": "rename", "code": dept.code, "name": "太原市行政审批服务管理局", "short_name": ""},
    )
    assert r.status_code == 302
    assert OrgUnit.objects.get(pk=dept.pk).name == "太原市行政审批服务管理局"
    assert (
        Event.objects.filter(action__in=["org.create_unit", "org.rename_unit"], object_id=dept.pk).count()
        == 2
    )


def test_admin_edits_the_vocabulary(as_user, admin_user):
    c = as_user(admin_user)
    gxt = OrgUnit.objects.get(short_name="省工信厅", parent__code="140000")
    assert gxt.name in c.get("/manage/vocabulary/").content.decode()
    r = c.post("/manage/vocabulary/", {"unit": gxt.code, "keywords": "5G基站\n工业互联网"})
    assert r.status_code == 302
    assert UnitVocabulary.objects.get(unit=gxt).keyword_list() == ["5G基站", "工业互联网"]


# ---------------------------------------------------------------------------------------------
# The year view


def test_the_year_view_is_prefilled_with_what_the_system_knows(as_user, admin_user):
    c = as_user(admin_user)
    page = c.get("/manage/calendar/2026/").content.decode()
    assert "已随系统发布" in page
    # 2026-02-15 (Spring Festival, a Sunday) rest, 2026-02-14 (a Saturday, worked) ticked.
    assert 'value="2026-02-14" checked' in page
    assert 'value="2026-02-15">' in page
    assert 'value="2026-02-16">' in page  # Monday of the holiday
    page = c.get("/manage/calendar/2031/").content.decode()
    assert "尚未完整录入" in page and 'value="2031-01-01" checked' in page  # weekday guess


def test_importing_the_notice_and_marking_the_year_complete(as_user, admin_user):
    c = as_user(admin_user)
    # The 2026 notice entered for 2031, as an admin would the day it is published.
    notice = NOTICE_2026.replace("2026", "2031")
    r = c.post(
        "/manage/calendar/2031/", {"action": "import", "notice": notice, "source": "国办发明电〔2030〕7号"}
    )
    assert r.status_code == 302, messages_of(r)
    assert CalendarDay.objects.filter(date__year=2031).count() == 39  # 33 rest days + 6 worked weekends
    assert not calendar.schedule_known(2031)
    r = c.post("/manage/calendar/2031/", {"action": "complete", "source": "国办发明电〔2030〕7号"})
    assert r.status_code == 302
    assert CalendarYear.objects.get(year=2031).complete
    assert calendar.schedule_known(2031)
    page = c.get("/manage/calendar/2031/").content.decode()
    assert "已完整录入" in page
    r = c.post("/manage/calendar/2031/", {"action": "import", "notice": "一、元旦：2月30日放假。"})
    assert r.status_code == 422 and any("不是有效日期" in m for m in messages_of(r))


def test_saving_the_grid_moves_open_deadlines(as_user, admin_user, prov_sup, clock):
    clock("2021-11-01 10:00")
    item = services.register_and_assign(actor=prov_sup, title="开放中的事项", lead=[unit("140105")])
    track = item.tracks.get()
    result = Node.objects.get(track=track, kind="result")
    assert result.due_at.astimezone(SHANGHAI).date() == dt.date(2021, 11, 10)
    c = as_user(admin_user)
    page = c.get("/manage/calendar/2021/").content.decode()
    ticked = [v for v in _ticked(page)]
    ticked.remove("2021-11-05")  # untick Friday the 5th
    r = c.post("/manage/calendar/2021/", {"action": "days", "working": ticked})
    assert r.status_code == 302
    assert CalendarDay.objects.get(date=dt.date(2021, 11, 5)).is_working is False
    assert CalendarDay.objects.count() == 1  # only the day that differed was entered
    result.refresh_from_db()
    assert result.due_at.astimezone(SHANGHAI).date() == dt.date(2021, 11, 11)
    msgs = messages_of(c.get("/manage/calendar/2021/"))
    assert any("1 天" in m for m in msgs)


def _ticked(page: str) -> list[str]:
    import re

    return re.findall(r'name="working" value="([0-9-]+)" checked', page)
