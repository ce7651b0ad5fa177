"""The class table: each kind × situation at chosen dates, expected class and 序时进度 exact.

Pure: no database. The storage-level version with clock travel is test_classes.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from duban.targets.progress import (
    Kind,
    Klass,
    Period,
    Point,
    Spec,
    allocation_shortfall,
    due_date,
    effective,
    elapsed_share,
    expected,
    fileable_periods,
    forecast,
    guess_kind,
    period_ends,
    read,
    roll_up,
    summable,
)

D = dt.date
MAR, JUN, DEC = D(2026, 3, 31), D(2026, 6, 30), D(2026, 12, 31)
APR8 = D(2026, 4, 8)  # March's figure not yet due (due 10 April)
APR11 = D(2026, 4, 11)  # March's figure now due

CUM = Spec(kind=Kind.CUMULATIVE, value=12000, plan_year=2026)
LEVEL = Spec(kind=Kind.LEVEL, value=500, baseline=380, plan_year=2026)
GROWTH = Spec(kind=Kind.GROWTH, value=8, plan_year=2026)
CEIL = Spec(kind=Kind.CEILING, value=4.5, plan_year=2026, higher_is_better=False)
RANGE = Spec(kind=Kind.RANGE, value=60, value_max=70, plan_year=2026)


def pts(*pairs):
    return [Point(d, v) for d, v in pairs]


# kind, figures, today, class, expected (序时进度) at the period read
TABLE = [
    # cumulative 12,000 by months: March expects 3,000 (±5% → 2,850–3,150 on track)
    ("cum ahead", CUM, [(MAR, 3200)], APR11, Klass.AHEAD, 3000),
    ("cum on", CUM, [(MAR, 3000)], APR11, Klass.ON_TRACK, 3000),
    ("cum on, lower edge", CUM, [(MAR, 2850)], APR11, Klass.ON_TRACK, 3000),
    ("cum behind", CUM, [(MAR, 2849)], APR11, Klass.BEHIND, 3000),
    ("cum reached early", CUM, [(JUN, 12000)], D(2026, 7, 1), Klass.DONE_EARLY, 6000),
    ("cum reached at year end", CUM, [(DEC, 12500)], D(2027, 1, 11), Klass.DONE, 12000),
    ("cum short at year end", CUM, [(DEC, 11000)], D(2027, 1, 11), Klass.BEHIND, 12000),
    ("cum missing", CUM, [(D(2026, 2, 28), 2000)], APR11, Klass.MISSING, 3000),
    ("cum no data yet", CUM, [], D(2026, 2, 9), Klass.NO_DATA, None),
    ("cum last period read until due", CUM, [(D(2026, 2, 28), 2000)], APR8, Klass.ON_TRACK, 2000),
    # level 380 → 500: March expects 380 + 120 × 3/12 = 410
    ("level ahead", LEVEL, [(MAR, 440)], APR11, Klass.AHEAD, 410),
    ("level on", LEVEL, [(MAR, 410)], APR11, Klass.ON_TRACK, 410),
    ("level behind", LEVEL, [(MAR, 390)], APR11, Klass.BEHIND, 410),
    ("level reached early", LEVEL, [(MAR, 501)], APR11, Klass.DONE_EARLY, 410),
    ("level missing", LEVEL, [], APR11, Klass.MISSING, 410),
    # growth 8%: the cumulative rate against the rate, band ±0.4
    ("growth ahead", GROWTH, [(MAR, 8.5)], APR11, Klass.AHEAD, 8),
    ("growth on", GROWTH, [(MAR, 7.7)], APR11, Klass.ON_TRACK, 8),
    ("growth behind", GROWTH, [(MAR, 7.5)], APR11, Klass.BEHIND, 8),
    ("growth met at year end", GROWTH, [(DEC, 8.0)], D(2027, 1, 11), Klass.DONE, 8),
    ("growth missing", GROWTH, [], APR11, Klass.MISSING, 8),
    # ceiling 4.5%: on track at or under it, never "ahead"
    ("ceiling under", CEIL, [(MAR, 4.1)], APR11, Klass.ON_TRACK, 4.5),
    ("ceiling at", CEIL, [(MAR, 4.5)], APR11, Klass.ON_TRACK, 4.5),
    ("ceiling over", CEIL, [(MAR, 4.6)], APR11, Klass.BEHIND, 4.5),
    ("ceiling met at year end", CEIL, [(DEC, 4.4)], D(2027, 1, 11), Klass.DONE, 4.5),
    # range 60–70
    ("range inside", RANGE, [(MAR, 65)], APR11, Klass.ON_TRACK, 60),
    ("range below", RANGE, [(MAR, 55)], APR11, Klass.BEHIND, 60),
    ("range above", RANGE, [(MAR, 75)], APR11, Klass.BEHIND, 60),
]


@pytest.mark.parametrize(
    ("name", "spec", "figures", "today", "klass", "exp"), TABLE, ids=[r[0] for r in TABLE]
)
def test_class_table(name, spec, figures, today, klass, exp):
    r = read(spec, pts(*figures), today)
    assert r.klass == klass
    if exp is None:
        assert r.expected is None
    else:
        assert r.expected == pytest.approx(exp, abs=1e-9)


def test_missing_names_every_unreported_period():
    r = read(CUM, pts((D(2026, 1, 31), 900)), D(2026, 5, 20))
    assert r.klass == Klass.MISSING
    assert r.missing == [D(2026, 2, 28), MAR, D(2026, 4, 30)]
    assert r.actual == 900  # the last figure is still shown


def test_periods_due_before_the_target_was_set_are_not_demanded():
    late = Spec(kind=Kind.CUMULATIVE, value=12000, plan_year=2026, since=D(2026, 4, 8))
    assert read(late, [], D(2026, 4, 9)).klass == Klass.NO_DATA
    r = read(late, [], APR11)
    assert (r.klass, r.missing) == (Klass.MISSING, [MAR])


def test_upto_reads_a_past_period():
    figures = pts((MAR, 2000), (JUN, 7000))
    assert read(CUM, figures, D(2026, 7, 20)).klass == Klass.AHEAD
    assert read(CUM, figures, D(2026, 7, 20), upto=MAR).klass == Klass.BEHIND


def test_profile_moves_expected_progress():
    # Construction: little in winter, most in the middle of the year.
    profile = [0.02, 0.04, 0.08, 0.15, 0.25, 0.4, 0.55, 0.7, 0.82, 0.92, 0.97, 1.0]
    seasonal = Spec(kind=Kind.CUMULATIVE, value=10000, plan_year=2026, profile=profile)
    assert expected(seasonal, MAR) == pytest.approx(800)
    assert read(seasonal, pts((MAR, 800)), APR11).klass == Klass.ON_TRACK
    assert read(CUM, pts((MAR, 800 * 1.2)), APR11).klass == Klass.BEHIND


def test_quarterly_periods_and_due_dates():
    q = Spec(kind=Kind.CUMULATIVE, value=400, plan_year=2026, period=Period.QUARTERLY, due_day=15)
    assert period_ends(2026, Period.QUARTERLY) == [MAR, JUN, D(2026, 9, 30), DEC]
    assert due_date(q, DEC) == D(2027, 1, 15)
    assert due_date(Spec(kind=Kind.LEVEL, value=1, plan_year=2026, due_day=31), D(2026, 1, 31)) == D(
        2026, 2, 28
    )
    assert elapsed_share(q, JUN) == 0.5
    # Before April 15 the first quarter is not yet late; after it, it is.
    assert read(q, [], D(2026, 4, 14)).klass == Klass.NO_DATA
    assert read(q, [], D(2026, 4, 15)).klass == Klass.MISSING
    assert fileable_periods(q, D(2026, 4, 1)) == [MAR, JUN]


def test_forecast_straight_line_and_last_year_shape():
    assert forecast(CUM, pts((MAR, 3300))) == pytest.approx(13200)
    # Last year reached a fifth of its total by March: 3,300 points to 16,500.
    shaped = Spec(
        kind=Kind.CUMULATIVE, value=12000, plan_year=2026, last_year=[100, 150, 200] + [None] * 8 + [1000]
    )
    assert forecast(shaped, pts((MAR, 3300))) == pytest.approx(16500)
    # Level: a line through the baseline and the figures.
    assert forecast(LEVEL, pts((MAR, 410), (JUN, 440))) == pytest.approx(500, abs=1e-6)
    r = read(CUM, pts((MAR, 2700)), APR11)
    assert r.forecast == pytest.approx(10800)
    assert r.gap == pytest.approx(-1200)
    assert read(CEIL, pts((MAR, 4.0)), APR11).gap == pytest.approx(0.5)


def test_statistics_figure_wins_and_mismatch_is_flagged():
    unit = {MAR: 3000.0, JUN: 6000.0}
    stats = {MAR: 2800.0, JUN: 6050.0}
    merged, mismatched = effective(unit, stats, 0.02)
    assert merged == {MAR: 2800.0, JUN: 6050.0}
    assert mismatched == [MAR]  # 200 off 2,800 is more than 2%; 50 off 6,050 is not


def test_roll_up_sums_periods_every_share_reported():
    a = {MAR: 1000.0, JUN: 2000.0}
    b = {MAR: 500.0}
    assert roll_up([a, b]) == {MAR: 1500.0}
    assert roll_up([]) == {}


def test_summable_and_shortfall():
    assert summable(Kind.CUMULATIVE, "座")
    assert summable(Kind.LEVEL, "家")
    assert not summable(Kind.LEVEL, "%")
    assert not summable(Kind.GROWTH, "%")
    assert not summable(Kind.CEILING, "万吨")
    assert allocation_shortfall(15000, [9000, 5000]) == 1000
    assert allocation_shortfall(15000, [9000, 7000]) == 0


@pytest.mark.parametrize(
    ("text", "indicator", "unit", "comparator", "kind", "up"),
    [
        ("再新建5G基站1.5万座", "5G基站", "座", "=", Kind.CUMULATIVE, True),
        ("城镇新增就业45万人", "城镇新增就业", "人", "=", Kind.CUMULATIVE, True),
        ("今年全省地区生产总值增长8%", "地区生产总值增速", "%", "=", Kind.GROWTH, True),
        ("城镇登记失业率控制在4.5%以内", "城镇登记失业率", "%", "<=", Kind.CEILING, False),
        ("居民消费价格涨幅控制在3%左右", "居民消费价格涨幅", "%", "~", Kind.CEILING, False),
        ("力争省级龙头企业达到500家", "省级龙头企业", "家", "=", Kind.LEVEL, True),
        ("煤矿工作面减人60%-70%", "煤矿工作面减人", "%", "range", Kind.RANGE, True),
        ("PM2.5平均浓度降至35微克/立方米", "PM2.5平均浓度", "微克/立方米", "=", Kind.LEVEL, False),
    ],
)
def test_guess_kind(text, indicator, unit, comparator, kind, up):
    assert guess_kind(text, indicator, unit, comparator) == (kind, up)


def test_level_downwards_reads_progress_towards_lower():
    pm = Spec(kind=Kind.LEVEL, value=35, baseline=47, plan_year=2026, higher_is_better=False)
    assert expected(pm, JUN) == pytest.approx(41)
    assert read(pm, pts((JUN, 41)), D(2026, 7, 11)).klass == Klass.ON_TRACK
    assert read(pm, pts((JUN, 45)), D(2026, 7, 11)).klass == Klass.BEHIND
    assert read(pm, pts((JUN, 34)), D(2026, 7, 11)).klass == Klass.DONE_EARLY
