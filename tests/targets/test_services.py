"""Targets through their services, with clock travel: filing, corrections, statistics, the
class over a year, allocation and roll-up, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.core.errors import DubanError, Forbidden, InvalidInput, NotFound
from duban.journal.models import Event
from duban.targets import selectors, services
from duban.targets.models import Figure, Target
from tests.conftest import make_user, unit

D = dt.date


def klass(target, today=None):
    return selectors.status_of(Target.objects.get(pk=target.pk), today).klass.value


def unchanged(target):
    """Snapshot of everything a refused call must leave alone."""
    return (
        Figure.objects.filter(target__item=target.item).count(),
        Target.objects.filter(item=target.item).count(),
        Event.objects.count(),
    )


# ---------------------------------------------------------------------------------------------
# The class over a year, travelling the clock


def test_a_year_of_figures(fiveg, gxt_clerk, clock):
    """15,000 base stations, monthly, due the 10th: the class follows the figures and the clock."""
    clock("2026-02-09 09:00")
    assert klass(fiveg) == "no_data"  # January's figure is due tomorrow
    clock("2026-02-11 09:00")
    assert klass(fiveg) == "missing"
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-01-31", value=1250)
    assert klass(fiveg) == "on_track"  # 1,250 = 15,000 × 1/12
    clock("2026-03-05 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-02-28", value=2000)
    s = selectors.status_of(fiveg)
    assert (s.klass.value, s.reading.expected) == ("behind", 2500)
    clock("2026-04-08 09:00")
    services.file_figure(
        actor=gxt_clerk,
        target_id=fiveg.pk,
        period_end="2026-03-31",
        value=4200,
        confidence="sure",
    )
    s = selectors.status_of(fiveg)
    assert s.klass.value == "ahead"
    assert s.reading.forecast == pytest.approx(16800)
    assert s.confidence.confidence == "sure"
    clock("2026-09-08 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-08-31", value=15100)
    assert klass(fiveg) == "done_early"
    clock("2027-01-08 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-12-31", value=16000)
    assert klass(fiveg) == "done"


def test_correction_is_a_new_version_and_journaled(fiveg, gxt_clerk, clock):
    clock("2026-04-08 09:00")
    first = services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3000)
    again = services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3000)
    assert again is None  # the same figure twice is not a correction
    second = services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3300)
    assert (first.version, second.version) == (1, 2)
    assert selectors.status_of(fiveg).reading.actual == 3300
    actions = list(Event.objects.filter(object_type="figure").values_list("action", "old"))
    assert actions == [("figure.file", None), ("figure.correct", {"value": 3000.0, "version": 1})]
    history = selectors.figure_history(fiveg)
    assert [f.version for f in history] == [2, 1]


def test_statistics_figure_wins_and_disagreement_shows(fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3750)
    assert klass(fiveg) == "on_track"
    services.file_figure(
        actor=prov_sup, target_id=fiveg.pk, period_end="2026-03-31", value=3400, source="stats"
    )
    s = selectors.status_of(fiveg)
    assert (s.klass.value, s.reading.actual, s.source_of[D(2026, 3, 31)]) == ("behind", 3400, "stats")
    assert s.mismatched == [D(2026, 3, 31)]
    assert Event.objects.filter(action="figure.file", new__source="stats").count() == 1


def test_refusals_change_nothing(fiveg, gxt_clerk, county_clerk, prov_sup, clock):
    clock("2026-04-08 09:00")
    before = unchanged(fiveg)
    cases = [
        (county_clerk, dict(period_end="2026-03-31", value=1), NotFound),  # not theirs to see
        (prov_sup, dict(period_end="2026-03-31", value=1), Forbidden),  # the issuer does not report
        (gxt_clerk, dict(period_end="2026-03-31", value=1, source="stats"), Forbidden),  # nor judge itself
        (gxt_clerk, dict(period_end="2026-03-30", value=1), InvalidInput),  # not a month's end
        (gxt_clerk, dict(period_end="2026-05-31", value=1), InvalidInput),  # not begun
        (gxt_clerk, dict(period_end="2026-03-31", value="很多"), InvalidInput),
        (gxt_clerk, dict(period_end="2026-03-31", value="1e400"), InvalidInput),
        (gxt_clerk, dict(period_end="2026-03-31", value=1, confidence="at_risk"), InvalidInput),  # no reason
        (gxt_clerk, dict(period_end="2026-03-31", value=1, confidence="maybe"), InvalidInput),
    ]
    for actor, kwargs, error in cases:
        with pytest.raises(error):
            services.file_figure(actor=actor, target_id=fiveg.pk, **kwargs)
    assert unchanged(fiveg) == before


def test_edit_terms_journaled_and_checked(fiveg, prov_sup, gxt_clerk, clock):
    clock("2026-04-08 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3750)
    assert klass(fiveg) == "on_track"
    seasonal = [2, 4, 8, 15, 25, 40, 55, 70, 82, 92, 97, 100]
    services.update_target(
        actor=prov_sup, target_id=fiveg.pk, profile=",".join(map(str, seasonal)), tolerance=0.1
    )
    fiveg.refresh_from_db()
    assert fiveg.profile[2] == pytest.approx(0.08) and fiveg.tolerance == pytest.approx(0.1)
    assert klass(fiveg) == "ahead"  # a seasonal year expects only 1,200 by March
    event = Event.objects.filter(action="target.update").get()
    assert event.old == {"profile": None, "tolerance": 0.05}
    with pytest.raises(InvalidInput):
        services.update_target(actor=prov_sup, target_id=fiveg.pk, profile="1,2,3")
    with pytest.raises(Forbidden):
        services.update_target(actor=gxt_clerk, target_id=fiveg.pk, value=1)
    with pytest.raises(InvalidInput):
        services.update_target(actor=prov_sup, target_id=fiveg.pk, kind="range")  # a range needs its top
    fiveg.refresh_from_db()
    assert fiveg.kind == "cumulative" and fiveg.value == 15000


def test_create_target_by_hand_guesses_kind(fiveg, prov_sup, city_sup, clock):
    t = services.create_target(
        actor=prov_sup,
        item_id=fiveg.item_id,
        indicator="城镇登记失业率",
        value=4.5,
        unit_label="%",
        comparator="<=",
        source_text="城镇登记失业率控制在4.5%以内",
    )
    assert (t.kind, t.higher_is_better, t.plan_year, t.unit.short_name) == (
        "ceiling",
        False,
        2026,
        "省工信厅",
    )
    assert Event.objects.filter(action="target.create", object_id=t.pk).exists()
    with pytest.raises(DubanError):
        services.create_target(actor=city_sup, item_id=fiveg.item_id, indicator="x", value=1)


# ---------------------------------------------------------------------------------------------
# Allocation, roll-up and drill-down


CITIES = ["140100", "140200", "140300"]


@pytest.fixture
def split(fiveg, prov_sup, clock):
    """The province splits 15,000 among three cities; Taiyuan splits its 7,000 between two districts."""
    clock("2026-01-06 09:00")
    services.allocate(
        actor=prov_sup,
        target_id=fiveg.pk,
        shares=[
            {"unit": "140100", "value": 7000},
            {"unit": "140200", "value": 5000},
            {"unit": "140300", "value": 3000},
        ],
    )
    ty = Target.objects.get(parent=fiveg, unit__code="140100")
    ty_sup = make_user("ty_sup", unit("140100"), "supervisor")
    services.allocate(
        actor=ty_sup,
        target_id=ty.pk,
        shares=[{"unit": "140105", "value": 4000}, {"unit": "140106", "value": 3000}],
    )
    return fiveg


def test_allocation_must_cover_the_whole(fiveg, prov_sup, clock):
    clock("2026-01-06 09:00")
    before = unchanged(fiveg)
    with pytest.raises(InvalidInput) as refused:
        services.allocate(
            actor=prov_sup,
            target_id=fiveg.pk,
            shares=[{"unit": "140100", "value": 9000}, {"unit": "140200", "value": 5000}],
        )
    assert refused.value.code == "allocation_short" and refused.value.details["short"] == 1000
    assert unchanged(fiveg) == before
    shares = services.allocate(
        actor=prov_sup,
        target_id=fiveg.pk,
        shares=[{"unit": "140100", "value": 9000}, {"unit": "140200", "value": 5000}],
        accept_shortfall=True,
    )
    assert [s.value for s in shares] == [9000, 5000]
    # Each share is owned by a track passed down from the lead's track.
    assert all(s.track.parent_id == fiveg.track_id and s.track.unit_id == s.unit_id for s in shares)
    assert Event.objects.filter(action="target.allocate").count() == 2
    assert Event.objects.filter(action="track.pass_down").count() == 2


def test_allocation_refusals(fiveg, prov_sup, gxt_clerk, clock):
    clock("2026-01-06 09:00")
    with pytest.raises(Forbidden):  # a clerk of the lead unit does not split the province's target
        services.allocate(actor=gxt_clerk, target_id=fiveg.pk, shares=[{"unit": "140100", "value": 15000}])
    with pytest.raises(InvalidInput):  # not a lower unit
        services.allocate(actor=prov_sup, target_id=fiveg.pk, shares=[{"unit": "140000", "value": 15000}])
    with pytest.raises(InvalidInput):
        services.allocate(
            actor=prov_sup,
            target_id=fiveg.pk,
            shares=[{"unit": "140100", "value": 8000}, {"unit": "140100", "value": 8000}],
        )


def test_rates_are_not_summed(fiveg, prov_sup, clock):
    clock("2026-01-06 09:00")
    rate = services.create_target(
        actor=prov_sup,
        item_id=fiveg.item_id,
        indicator="规上工业增加值增速",
        value=6,
        unit_label="%",
        kind="growth",
    )
    shares = services.allocate(
        actor=prov_sup,
        target_id=rate.pk,
        shares=[{"unit": "140100", "value": 6.5}, {"unit": "140200", "value": 5}],
    )
    assert [s.value for s in shares] == [6.5, 5]  # no shortfall check: each city its own rate


def test_roll_up_and_statistics_winning(split, prov_sup, clock):
    fiveg = split
    clock("2026-04-08 09:00")
    clerks = {c: make_user(f"c{c}", unit(c), "clerk") for c in ("140105", "140106", "140200", "140300")}
    ty = Target.objects.get(parent=fiveg, unit__code="140100")
    for code, value in [("140105", 1000), ("140106", 750), ("140200", 1250), ("140300", 750)]:
        t = Target.objects.get(unit__code=code, item=fiveg.item)
        services.file_figure(actor=clerks[code], target_id=t.pk, period_end="2026-03-31", value=value)
    ty_status = selectors.status_of(ty)
    assert ty_status.reading.actual == 1750 and ty_status.source_of[D(2026, 3, 31)] == "rollup"
    s = selectors.status_of(fiveg)
    assert s.reading.actual == 3750 and s.klass.value == "on_track" and s.children == 3
    # The statistics bureau's figure for the province wins over the sum of the cities.
    services.file_figure(
        actor=prov_sup, target_id=fiveg.pk, period_end="2026-03-31", value=3000, source="stats"
    )
    s = selectors.status_of(fiveg)
    assert (s.reading.actual, s.klass.value, s.rolled[D(2026, 3, 31)]) == (3000, "behind", 3750)


def test_drill_down_visibility(
    split, prov_sup, city_sup, county_clerk, sibling_clerk, datong_sup, gxt_clerk, clock
):
    fiveg = split
    clock("2026-04-08 09:00")

    def codes(user):
        return sorted(t.unit.code if t.parent_id else "top" for t in selectors.targets_visible_to(user))

    assert codes(prov_sup) == ["140100", "140105", "140106", "140200", "140300", "top"]
    assert codes(city_sup) == ["140100", "140105", "140106"]  # its share and its districts', not Datong's
    assert codes(datong_sup) == ["140200"]
    assert codes(county_clerk) == ["140105"]
    assert codes(sibling_clerk) == ["140106"]
    assert codes(gxt_clerk) == ["top"]
    outsider = make_user("outsider", unit("140400"), "clerk")
    assert codes(outsider) == []
    datong_share = Target.objects.get(unit__code="140200", item=fiveg.item)
    for who in (outsider, city_sup, county_clerk):
        with pytest.raises(NotFound):
            selectors.get_target(who, datong_share.pk)
    # The list's counts cover what the viewer sees.
    assert selectors.target_list(city_sup).total == 3


def test_figures_due_tab(fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-02-06 09:00")
    due = selectors.figures_due(gxt_clerk)
    assert [(t.pk, end) for t, end, _ in due] == [(fiveg.pk, D(2026, 1, 31))]
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-01-31", value=1000)
    assert selectors.figures_due(gxt_clerk) == []
    assert selectors.figures_due(prov_sup) == []


def test_last_year_shape_drives_the_forecast(fiveg, prov_sup, gxt_clerk, clock):
    clock("2026-04-08 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3000)
    assert selectors.status_of(fiveg).reading.forecast == pytest.approx(12000)  # a straight line
    services.update_target(actor=prov_sup, target_id=fiveg.pk, last_year="500,1000,2000,,,,,,,,,10000")
    fiveg.refresh_from_db()
    assert fiveg.last_year[2] == 2000 and fiveg.last_year[3] is None
    # Last year a fifth was built by March: 3,000 points to 15,000.
    assert selectors.status_of(fiveg).reading.forecast == pytest.approx(15000)
    with pytest.raises(InvalidInput):
        services.update_target(actor=prov_sup, target_id=fiveg.pk, last_year="1,2,3")


def test_stored_series_equals_the_figures_and_the_check_finds_a_difference(split, prov_sup, gxt_clerk, clock):
    from django.core.management import CommandError, call_command

    fiveg = split
    clock("2026-04-08 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-02-28", value=2000)
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3000)
    services.file_figure(
        actor=gxt_clerk,
        target_id=fiveg.pk,
        period_end="2026-03-31",
        value=3100,
        confidence="at_risk",
        confidence_reason="选址难",
    )
    services.file_figure(
        actor=prov_sup, target_id=fiveg.pk, period_end="2026-03-31", value=2900, source="stats"
    )
    fiveg.refresh_from_db()
    assert fiveg.series == {"u": {"2": [2000.0], "3": [3100.0, "at_risk", "选址难"]}, "s": {"3": 2900.0}}
    assert services.check_series() == []
    call_command("check_targets")
    # A copy that no longer matches the record is named, and --fix restores it.
    Target.objects.filter(pk=fiveg.pk).update(series={"u": {"3": [9999.0]}})
    assert services.check_series() == [fiveg.pk]
    with pytest.raises(CommandError, match=str(fiveg.pk)):
        call_command("check_targets")
    call_command("check_targets", "--fix")
    fiveg.refresh_from_db()
    assert fiveg.series["u"]["3"] == [3100.0, "at_risk", "选址难"] and services.check_series() == []
