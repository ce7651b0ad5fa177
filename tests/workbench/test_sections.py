"""Each section's rows and counts through the story's days; filters; outsiders see nothing."""

from __future__ import annotations

import pytest

from duban.workbench.selectors import SECTIONS, Filters, Workbench, working_days_ago
from tests.conftest import unit


def ids(wb, section):
    return {t.pk for t in wb.rows(section, 0, 100)}


def check_counts_match_rows(wb):
    counts = wb.counts()
    for s in SECTIONS:
        rows = wb.rows(s, 0, 1000)
        assert counts[s]["tracks"] == len(rows), s
        assert counts[s]["items"] == len({t.item_id for t in rows}), s
    return counts


def test_sections_through_the_story(story, prov_sup, clock):
    s = story
    clock("2021-10-08 09:00")  # back from the holiday: signing is due tonight
    wb = Workbench(prov_sup)
    check_counts_match_rows(wb)
    assert ids(wb, "to_review") == {s.requested.pk}
    assert ids(wb, "extensions") == {s.extending.pk}
    assert ids(wb, "overdue") == set()
    assert ids(wb, "due_soon") == {s.late_a.pk, s.late_b.pk, s.late_c.pk, s.city.pk}
    assert ids(wb, "returned") == {s.returned.pk}
    assert ids(wb, "stale") == set()

    clock("2021-10-11 09:00")  # Saturday 10-09 was a working day (调休): two working days late
    wb = Workbench(prov_sup)
    counts = check_counts_match_rows(wb)
    assert ids(wb, "overdue") == {s.late_a.pk, s.late_b.pk, s.late_c.pk, s.city.pk}
    assert counts["overdue"] == {"tracks": 4, "items": 4}
    rows = {t.pk: t for t in wb.rows("overdue", 0, 50)}
    assert rows[s.late_a.pk].late_days == 2 and rows[s.late_a.pk].urge_count == 2
    assert rows[s.late_c.pk].urge_count == 1 and rows[s.late_b.pk].urge_count == 0
    # Grouped by handling unit: Xiaodian three (two of the province's, Taiyuan's one), Yingze one.
    groups = {g["unit"].code: (g["tracks"], g["items"], g["late_days"]) for g in wb.overdue_by_unit()}
    assert groups == {"140105": (3, 3, 2), "140106": (1, 1, 2)}
    # Ordered by unit, so the page draws one block per unit.
    order = [t.unit.code for t in wb.rows("overdue", 0, 50)]
    assert order == sorted(order)
    # The returned track's new result node (3 working days after the return) lights yellow today.
    assert ids(wb, "due_soon") == {s.returned.pk}
    assert ids(wb, "returned") == {s.returned.pk}

    clock("2021-10-26 09:00")
    wb = Workbench(prov_sup)
    check_counts_match_rows(wb)
    # No report for 10 working days: everything open and not awaiting review.
    assert ids(wb, "stale") == {
        s.late_a.pk,
        s.late_b.pk,
        s.late_c.pk,
        s.city.pk,
        s.extending.pk,
        s.returned.pk,
    }
    assert ids(Workbench(prov_sup, Filters(stale_days=30)), "stale") == set()


def test_a_new_report_ends_long_silence_and_a_new_result_ends_returned(story, prov_sup, county_clerk, clock):
    from duban.items import services

    s = story
    clock("2021-10-26 09:00")
    services.file_report(actor=county_clerk, track_id=s.returned.pk, kind="result", done="已补齐材料")
    services.file_report(actor=county_clerk, track_id=s.extending.pk, kind="progress", done="资金已到位")
    wb = Workbench(prov_sup)
    check_counts_match_rows(wb)
    assert s.returned.pk not in ids(wb, "stale") and s.extending.pk not in ids(wb, "stale")
    assert ids(wb, "returned") == set()
    assert ids(wb, "to_review") == {s.requested.pk, s.returned.pk}


def test_filters(story, prov_sup, clock):
    s = story
    clock("2021-10-11 09:00")
    by_unit = Workbench(prov_sup, Filters(unit=unit("140106")))
    assert ids(by_unit, "overdue") == {s.late_c.pk}
    assert ids(by_unit, "to_review") == set()
    city_tree = Workbench(prov_sup, Filters(unit=unit("140100")))  # Taiyuan's subtree
    assert ids(city_tree, "overdue") == {s.late_a.pk, s.late_b.pk, s.late_c.pk, s.city.pk}
    assert ids(Workbench(prov_sup, Filters(source="work_report")), "overdue") == {s.late_b.pk}
    assert ids(Workbench(prov_sup, Filters(category="major")), "overdue") == {s.late_c.pk}
    for wb in (by_unit, city_tree):
        check_counts_match_rows(wb)


def test_plan_filter(story, prov_sup, clock):
    from duban.items.models import Item

    s = story
    Item.objects.filter(pk=s.late_a.item_id).update(source_ref={"plan": 7, "task": "T1"})
    clock("2021-10-11 09:00")
    assert ids(Workbench(prov_sup, Filters(plan=7)), "overdue") == {s.late_a.pk}
    assert ids(Workbench(prov_sup, Filters(plan=8)), "overdue") == set()


def test_scope_city_supervisor_and_outsiders(story, city_sup, other_sup, clock):
    s = story
    clock("2021-10-11 09:00")
    city = Workbench(city_sup)
    # Taiyuan sees what Taiyuan issued; the province's items are not its to chase or review.
    assert ids(city, "overdue") == {s.city.pk}
    assert ids(city, "to_review") == set() and ids(city, "extensions") == set()
    check_counts_match_rows(city)
    outsider = Workbench(other_sup)
    assert all(c == {"tracks": 0, "items": 0} for c in outsider.counts().values())


@pytest.mark.parametrize("persona", ["county_clerk", "county_head", "prov_leader", "admin_user"])
def test_only_supervisors_have_a_workbench(request, persona, story, clock):
    from django.test import Client

    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionError):
        Workbench(user)
    c = Client()
    c.force_login(user)
    assert c.get("/workbench/").status_code == 404
    assert c.post("/workbench/urge/", {"track": [story.late_a.pk]}).status_code == 404


def test_working_days_ago_counts_the_official_calendar(db):
    import datetime as dt

    from duban.core.clock import SHANGHAI

    at = dt.datetime(2021, 10, 11, 9, 0, tzinfo=SHANGHAI)
    # 10-09 (a Saturday made a working day), 10-08, then over the holiday to 09-30.
    assert working_days_ago(at, 3) == dt.datetime(2021, 9, 30, 9, 0, tzinfo=SHANGHAI)


def test_working_days_late_agrees_with_the_calendar(db):
    import datetime as dt

    from duban.core.clock import SHANGHAI
    from duban.workbench.selectors import working_days_late
    from duban.workcal.calendar import working_days_between

    at = dt.datetime(2021, 10, 11, 9, 0, tzinfo=SHANGHAI)
    dues = [dt.datetime(2021, 9, 1, 23, 59, tzinfo=SHANGHAI) + dt.timedelta(days=n) for n in range(0, 50, 3)]
    late = working_days_late(dues, at)
    for d in dues:
        assert late[d.date()] == working_days_between(d.date(), at.date()), d


def test_a_city_chases_what_it_passed_down_not_what_it_was_given(prov_sup, city_sup, clock):
    from duban.items import services
    from tests.conftest import make_user

    clock("2021-09-30 10:00")
    ty_clerk = make_user("ty_clerk", unit("140100"), "clerk")
    item = services.register_and_assign(actor=prov_sup, title="省交太原再下派", lead=[unit("140100")])
    own = item.tracks.get()
    services.sign(actor=ty_clerk, track_id=own.pk)
    (down,) = services.pass_down(actor=ty_clerk, track_id=own.pk, units=[unit("140105")])
    clock("2021-10-11 09:00")
    city = Workbench(city_sup)
    # Taiyuan's own deploy report is late too, but that is the province's to chase.
    assert ids(city, "overdue") == {down.pk}
    assert ids(Workbench(prov_sup), "overdue") == {own.pk, down.pk}
    check_counts_match_rows(city)


def test_a_department_supervisor_sees_what_it_issued(shanxi, clock):
    from duban.items import services
    from tests.conftest import dept, make_user

    clock("2021-09-30 10:00")
    gxt_sup = make_user("gxt_sup", dept("省工信厅"), "supervisor")
    # A provincial department issues within the province's subtree, outside its own.
    item = services.register_and_assign(actor=gxt_sup, title="工信厅交办事项", lead=[unit("140100")])
    clock("2021-10-11 09:00")
    assert ids(Workbench(gxt_sup), "overdue") == {item.tracks.get().pk}
