"""The figures against the hand-computed story (tests/bulletins/conftest.py)."""

from __future__ import annotations

import pytest

from duban.bulletins import figures, periods
from duban.core.clock import travel_to
from tests.bulletins.conftest import EXPECTED, GXT, KEYS, PUBLISHED_AT, TOTALS, at

pytestmark = pytest.mark.django_db


def november():
    with travel_to(at(PUBLISHED_AT)):
        return periods.parse("month", year=2026, month=11)


def compute(prov_sup, scope=None, rules=None, when=PUBLISHED_AT):
    return figures.compute(
        issuer=prov_sup.unit, scope=scope or prov_sup.unit, period=november(), at=at(when), rules=rules
    )


def test_figures_match_the_hand_computed_story(story, prov_sup):
    data = compute(prov_sup)
    got = {r["name"]: tuple(r[k] for k in KEYS) for r in data["rows"]}
    assert got == EXPECTED
    assert {k: data["totals"][k] for k in TOTALS} == TOTALS
    # Ties share rank 1; the next is 3; display order within a tie follows the unit tree.
    assert [r["rank"] for r in data["rows"]] == [1, 1, 3, 4]
    assert data["named"]["bottom"] == ["大同市"]
    assert set(data["named"]["top"]) == {"太原市", GXT}
    assert data["named"]["overdue"] == [{"name": "大同市", "overdue_now": 2, "overdue_days": 36}]
    assert (
        data["rules_text"] == "优秀+3分、良好+2分、合格+1分、不合格−3分；每逾期1个工作日−0.5分；每退回1次−1分"
    )
    assert data["as_of_label"] == "2026年12月1日"
    assert data["office"] == "山西省人民政府督查室"


def test_scope_narrows_to_a_lower_unit(story, prov_sup):
    from tests.conftest import unit

    data = compute(prov_sup, scope=unit("140200"))
    assert [r["name"] for r in data["rows"]] == ["大同市"]
    assert data["totals"]["received"] == 5


def test_points_rules_change_points_and_ranks(story, prov_sup):
    rules = {"excellent": 5, "good": 2, "pass": 1, "fail": -3, "overdue_day": 0, "return": -2}
    rows = {r["name"]: r for r in compute(prov_sup, rules=rules)["rows"]}
    # 太原 2×5+2×2+1−2 = 13; 工信厅 3×5+1 = 16; 阳泉 2+1−3−4 = −4; 大同 5+2+1 = 8.
    assert {n: (r["points"], r["rank"]) for n, r in rows.items()} == {
        GXT: (16.0, 1),
        "太原市": (13.0, 2),
        "大同市": (8.0, 3),
        "阳泉市": (-4.0, 4),
    }


def test_earlier_moment_sees_less(story, prov_sup):
    # On 11 Nov 23:00 nothing was closed yet and the results were not yet due.
    data = compute(prov_sup, when="2026-11-11 23:00")
    t = data["totals"]
    assert t["closed"] == 0 and t["due"] == 0 and t["rate"] is None
    # D4 (never signed) is the one overdue: since 4 Nov, 6 working days to 11 Nov.
    assert t["overdue_now"] == 1
    rows = {r["name"]: r for r in data["rows"]}
    assert rows["大同市"]["overdue_days"] == 6 + 0 and rows["大同市"]["overdue_now"] == 1


def test_working_days_table_and_union_agree_with_the_calendar():
    import datetime as dt

    from duban.workcal.calendar import working_days_between

    d = dt.date
    wd = figures.WorkingDays(d(2026, 9, 1))
    # Across the National Day holiday and its make-up working days.
    for a, b in [
        (d(2026, 9, 25), d(2026, 10, 12)),
        (d(2026, 10, 1), d(2026, 10, 8)),
        (d(2026, 9, 1), d(2026, 12, 31)),
    ]:
        assert wd.between(a, b) == working_days_between(a, b)
    assert wd.between(d(2026, 8, 20), d(2026, 9, 3)) == working_days_between(d(2026, 8, 20), d(2026, 9, 3))
    # Sign and deploy late over the same days count once; a gap is not counted.
    spans = [
        (d(2026, 11, 3), d(2026, 11, 4)),
        (d(2026, 11, 3), d(2026, 11, 4)),
        (d(2026, 11, 11), d(2026, 11, 13)),
    ]
    assert figures._late_working_days(spans, wd) == 1 + 2
    assert (
        figures._late_working_days([(d(2026, 11, 3), d(2026, 11, 10)), (d(2026, 11, 5), d(2026, 11, 6))], wd)
        == 5
    )


def test_ranks_share_ties_and_who_is_named():
    def rows(*points):
        return [
            {"name": f"单位{i}", "path": f"1/{i:02d}/", "points": p, "overdue_now": 0, "overdue_days": 0}
            for i, p in enumerate(points)
        ]

    ranked = figures._ranked(rows(1.0, 5.0, 5.0, -2.0, 3.0, 3.0, 3.0, -2.0, 0.0, 7.0))
    assert [(r["name"], r["rank"]) for r in ranked] == [
        ("单位9", 1),
        ("单位1", 2),
        ("单位2", 2),
        ("单位4", 4),
        ("单位5", 4),
        ("单位6", 4),
        ("单位0", 7),
        ("单位8", 8),
        ("单位3", 9),
        ("单位7", 9),
    ]
    named = figures._named(ranked)
    # Ten units: the first two places are praised, the last two named (a tie at the cut-off
    # names both, however many).
    assert named["top"] == ["单位9", "单位1", "单位2"]
    assert named["bottom"] == ["单位3", "单位7"]
    # All tied: nobody is 靠后; fewer than three units: nobody is named either way.
    assert figures._named(figures._ranked(rows(2.0, 2.0, 2.0, 2.0)))["bottom"] == []
    assert figures._named(figures._ranked(rows(1.0, 2.0))) == {"top": [], "bottom": [], "overdue": []}
