"""Two people of the lead unit filing the same period's first figure at the same moment: both
filings land, as versions 1 and 2 (the second a correction), and the journal stays whole."""

from __future__ import annotations

import pytest

from duban.journal.models import Event
from duban.journal.services import verify
from duban.targets import services
from duban.targets.models import Figure
from tests.concurrency.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_first_filings_at_once(fiveg, gxt_clerk, gxt_head, clock):
    clock("2026-04-08 09:00")
    for n, period in enumerate(["2026-01-31", "2026-02-28", "2026-03-31"]):
        outcomes = race(
            lambda p=period, n=n: services.file_figure(
                actor=gxt_clerk, target_id=fiveg.pk, period_end=p, value=1000 + n
            ),
            lambda p=period, n=n: services.file_figure(
                actor=gxt_head, target_id=fiveg.pk, period_end=p, value=2000 + n
            ),
        )
        assert all(isinstance(o, Figure) for o in outcomes), outcomes
        rows = Figure.objects.filter(target=fiveg, period_end=period).order_by("version")
        assert [f.version for f in rows] == [1, 2]
        assert sorted(
            Event.objects.filter(object_type="figure", new__period=period).values_list("action", flat=True)
        ) == [
            "figure.correct",
            "figure.file",
        ]
    assert verify().ok
