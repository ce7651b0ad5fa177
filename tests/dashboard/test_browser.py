"""In Chromium: the provincial leader opens the 驾驶舱, the charts are drawn with the page's data
(read from the ECharts instances, not from a screenshot), and clicking 大同市's red bar lands on
大同市's late items — as many as the bar said."""

from __future__ import annotations

import re

import pytest

from tests.plans.test_browser import log_in


@pytest.mark.browser
def test_leader_clicks_a_city_red_bar(live_server, browser, prov_leader, story, shots_dir):
    page = log_in(browser, live_server, prov_leader)
    page.get_by_role("link", name="驾驶舱").first.click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.wait_for_function("() => document.documentElement.dataset.chartsDrawn === '1'", timeout=10000)
    embedded = page.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent)")
    drawn = page.evaluate(
        "(() => { const o = window.dubanCharts.units.getOption();"
        " return {units: o.yAxis[0].data, series: o.series.map(s => ({name: s.name,"
        " data: s.data.map(d => d.value)}))}; })()"
    )
    # Sorted by red, then code: both cities have one red item; 太原市 (140100) first.
    assert drawn["units"] == ["太原市", "大同市"]
    by_name = {s["name"]: s["data"] for s in drawn["series"]}
    assert by_name == {"红灯": [1, 1], "黄灯": [1, 1], "绿灯": [1, 0]}
    assert {u["name"]: u["red"] for u in embedded["units"]} == {"太原市": 1, "大同市": 1}
    trend = page.evaluate("window.dubanCharts.trend.getOption().series[0].data")
    assert trend[-1] == 50 and len(trend) == 12
    ageing = page.evaluate("window.dubanCharts.ageing.getOption().series[0].data.map(d => d.value)")
    assert ageing == [1, 0, 1]
    # The headline numbers are on the page, with what they count.
    head = page.locator("section.headline[data-block=all]").inner_text()
    assert "在办事项" in head and "条承办记录" in head and "50.0%" in head
    assert "请抓紧推进" in page.locator("#instructions").inner_text()
    page.screenshot(path=str(shots_dir / "dashboard.png"), full_page=True)

    # Click 大同市's red bar: the middle of its red segment, where ECharts says it is.
    box = page.locator("#units-chart").bounding_box()
    x, y = page.evaluate("window.dubanCharts.units.convertToPixel({seriesIndex: 0}, [0.5, 1])")
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile(r".*/items/\?unit=140200&light=red$"))
    assert "共 1 项" in page.locator(".page-head").inner_text()
    rows = page.locator("table.items tbody tr")
    assert rows.count() == 1 and "5G基站建设" in rows.first.inner_text()
    page.screenshot(path=str(shots_dir / "dashboard-city-red.png"), full_page=True)

    # Back on the dashboard: 本月办结 opens the list of those 承办记录, as many as it said.
    page.go_back()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    link = page.locator("section.headline[data-block=all] a[data-count=tracks]").first
    shown = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r".*/dashboard/140000/list/\?what=tracks.*"))
    assert page.locator("#list-count").inner_text() == f"共 {shown} 条承办记录"
    assert page.locator("table.tracks tbody tr").count() == int(shown) == 2
    page.screenshot(path=str(shots_dir / "dashboard-list.png"), full_page=True)
