import datetime as dt

from duban.targets import selectors, services
from tests.conftest import unit


def test_file_and_read(fiveg, gxt_clerk, prov_sup, clock):
    assert fiveg.kind == "cumulative"
    clock("2026-04-08 10:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3750)
    s = selectors.status_of(fiveg)
    assert s.klass == "on_track"
    assert s.reading.expected == 3750
    shares = services.allocate(
        actor=prov_sup,
        target_id=fiveg.pk,
        shares=[{"unit": "140100", "value": 9000}, {"unit": unit("140200"), "value": 6000}],
    )
    assert len(shares) == 2
    s = selectors.statuses(selectors.target_list(prov_sup).rows and [fiveg], dt.date(2026, 4, 8))[0]
    assert s.children == 2
