"""Figures chased like deadlines: two days before a period's figure is due the lead unit hears
of it; once its due day has passed unfiled, the unit and the issuing office's supervisors do —
each once, from the first sweep after 08:30, whoever else sweeps that day."""

from __future__ import annotations

import datetime as dt

from duban.core.clock import SHANGHAI
from duban.targets import services
from tests.notify.conftest import sweep, told
from tests.targets.conftest import fiveg, gxt_clerk, gxt_head  # noqa: F401


def figures() -> list[tuple[str, str]]:
    return [x for x in told() if x[0].startswith("figure.")]  # the track's own clock speaks too


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_figure_due_then_missing(fiveg, gxt_clerk, gxt_head, prov_sup, clock):  # noqa: F811
    # January's figure is due on 10 February.
    sweep(at("2026-02-08 08:00"))
    assert figures() == []  # before the working day starts
    sweep(at("2026-02-08 08:31"))
    assert figures() == [("figure.due", "gxt_clerk"), ("figure.due", "gxt_head")]
    sweep(at("2026-02-08 15:00"))
    sweep(at("2026-02-09 08:31"))
    assert len(told("figure.due")) == 2  # once per period, however often the sweep runs
    sweep(at("2026-02-11 08:31"))
    assert told("figure.missing") == [
        ("figure.missing", "gxt_clerk"),
        ("figure.missing", "gxt_head"),
        ("figure.missing", "prov_sup"),
    ]
    # Filed late: February's reminders come, January's are not repeated.
    clock("2026-02-12 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-01-31", value=1250)
    sweep(at("2026-03-08 08:31"))
    sweep(at("2026-03-11 08:31"))
    from duban.notify.models import Alert

    keys = sorted(Alert.objects.filter(kind__startswith="figure.").values_list("key", flat=True))
    assert keys == [
        f"figure.due:t{fiveg.pk}:2026-01-31",
        f"figure.due:t{fiveg.pk}:2026-02-28",
        f"figure.missing:t{fiveg.pk}:2026-01-31",
        f"figure.missing:t{fiveg.pk}:2026-02-28",
    ]
    alert = Alert.objects.get(key=f"figure.missing:t{fiveg.pk}:2026-02-28")
    assert alert.url.endswith(f"/targets/{fiveg.pk}/") and "2026年2月" in alert.title


def test_a_reminder_no_longer_true_is_dropped(fiveg, gxt_clerk, settings, clock):  # noqa: F811
    from duban.notify.reminders import still_true

    sweep(at("2026-02-08 08:31"))
    from duban.notify.models import Alert

    alert = Alert.objects.get(kind="figure.due")
    assert still_true(alert.condition)
    clock("2026-02-09 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-01-31", value=1250)
    assert not still_true(alert.condition)


def test_one_sweeper_takes_the_days_run(db):
    from duban.notify.sweep import _claim_day

    day = dt.date(2026, 2, 8)
    assert _claim_day("figures", day) is True
    assert _claim_day("figures", day) is False  # a second sweeper the same day does nothing
    assert _claim_day("figures", day + dt.timedelta(days=1)) is True
