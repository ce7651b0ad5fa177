"""Target events read as words on the item's timeline."""

from __future__ import annotations

from duban.items import selectors as item_selectors
from duban.targets import services
from duban.web.journal import describe


def test_target_events_on_the_item_timeline(fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 09:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3000)
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3300)
    services.update_target(actor=prov_sup, target_id=fiveg.pk, tolerance=0.1)
    item = item_selectors.item_detail(prov_sup, fiveg.item_id, journal=True)
    entries = [describe(e) for e in item.event_list if e.action.startswith(("target.", "figure."))]
    assert [(x.label, x.change, x.detail) for x in entries] == [
        ("设置量化指标", "", "5G基站 15000座"),
        ("报送指标数据", "", "2026-03-31 报送数 3000"),
        ("更正指标数据", "3000 → 3300", "2026-03-31 报送数 3300"),
        ("修改量化指标", "", "修改：进度容差"),
    ]
