import datetime as dt

import pytest

from duban.core.clock import SHANGHAI
from duban.workcal import calendar
from duban.workcal.models import CalendarDay

D = dt.date.fromisoformat

# The issue's table: assigned → 1st, 3rd, 7th working day, one month.
TABLE = [
    ("2021-09-30", "2021-10-08", "2021-10-11", "2021-10-15", "2021-11-01"),
    ("2021-02-10", "2021-02-18", "2021-02-20", "2021-02-25", "2021-03-10"),
    ("2026-02-13", "2026-02-14", "2026-02-25", "2026-03-02", "2026-03-13"),
    ("2021-01-31", "2021-02-01", "2021-02-03", "2021-02-08", "2021-03-01"),
]


def due_day(node):
    local = node.due.astimezone(SHANGHAI)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)
    return local.date().isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize("assigned,first,third,seventh,month", TABLE)
@pytest.mark.parametrize("hour", [0, 9, 23])
def test_issue_table(assigned, first, third, seventh, month, hour):
    at = dt.datetime.fromisoformat(assigned).replace(hour=hour, minute=30, tzinfo=SHANGHAI)
    general = {n.node: due_day(n) for n in calendar.standard_nodes(at, "general")}
    assert general == {"sign": first, "deploy": first, "feedback": third, "result": seventh}
    major = {n.node: due_day(n) for n in calendar.standard_nodes(at, "major")}
    assert major == {"sign": first, "deploy": first, "feedback": third, "result": month}


@pytest.mark.django_db
def test_counting_uses_shanghai_date_not_utc():
    # 2021-09-30 23:30 in Shanghai is still 15:30 UTC on the 30th; 2021-10-01 00:30 Shanghai is
    # 16:30 UTC on 09-30 — the Shanghai date decides.
    at = dt.datetime(2021, 9, 30, 16, 30, tzinfo=dt.UTC)  # = 10-01 00:30 Shanghai
    nodes = {n.node: due_day(n) for n in calendar.standard_nodes(at, "general")}
    assert nodes["sign"] == "2021-10-08"  # 10-01..07 holiday, counting from 10-02


@pytest.mark.django_db
def test_month_clamps_then_moves_to_working_day():
    assert calendar.add_month(D("2021-01-31")) == D("2021-03-01")  # 02-28 is a Sunday
    assert calendar.add_month(D("2020-01-31")) == D("2020-03-02")  # leap year: 02-29 Sat → 03-02 Mon
    assert calendar.add_month(D("2021-12-15")) == D("2022-01-17")  # wraps the year; 01-15 is Saturday


@pytest.mark.django_db
def test_adjusted_weekend_is_a_working_day_and_holiday_is_not():
    assert calendar.is_working_day(D("2021-02-20"))  # Saturday, adjusted
    assert not calendar.is_working_day(D("2021-10-04"))  # National Day holiday, a Monday


@pytest.mark.django_db
def test_unknown_year_falls_back_to_weekdays_and_says_so():
    assert not calendar.schedule_known(2031)
    at = dt.datetime(2031, 3, 3, 10, tzinfo=SHANGHAI)  # Monday
    nodes = calendar.standard_nodes(at, "general")
    assert all(n.assumed_calendar for n in nodes)
    assert due_day(nodes[-1]) == "2031-03-12"  # 7 weekdays later


def test_admin_entered_schedule_for_a_new_year(admin_user):
    from duban.workcal import services
    from duban.workcal.notice import DayEntry

    assert not calendar.schedule_known(2031)
    services.set_days(
        actor=admin_user,
        entries=[
            DayEntry(D("2031-01-01"), False, "元旦"),
            DayEntry(D("2031-01-04"), True, "元旦调休"),  # a Saturday
        ],
    )
    assert not calendar.schedule_known(2031)  # two days entered are not the whole year
    services.set_year_complete(actor=admin_user, year=2031, complete=True)
    assert calendar.schedule_known(2031)
    assert not calendar.is_working_day(D("2031-01-01"))
    assert calendar.is_working_day(D("2031-01-04"))
    at = dt.datetime(2030, 12, 31, 10, tzinfo=SHANGHAI)
    nodes = {n.node: due_day(n) for n in calendar.standard_nodes(at, "general")}
    assert nodes["sign"] == "2031-01-02"
    assert all(n.assumed_calendar for n in calendar.standard_nodes(at, "general"))  # 2030 still unknown
    later = dt.datetime(2031, 1, 2, 10, tzinfo=SHANGHAI)
    assert not any(n.assumed_calendar for n in calendar.standard_nodes(later, "general"))


@pytest.mark.django_db
def test_table_overrides_shipped_data():
    assert calendar.is_working_day(D("2021-03-01"))
    CalendarDay.objects.create(date=D("2021-03-01"), is_working=False, name="test closure")
    assert not calendar.is_working_day(D("2021-03-01"))


@pytest.mark.django_db
def test_working_days_between():
    assert calendar.working_days_between(D("2021-09-30"), D("2021-10-08")) == 1
    assert calendar.working_days_between(D("2021-10-08"), D("2021-09-30")) == -1
