"""In Chromium: the province splits its 5G target to 太原市, 太原市 splits its share to 小店区;
小店区's clerk files March's figure with an evidence file on the target page; the provincial
supervisor then sees the share's class change on the 指标 list, and the share's chart has the new
point — read from the page's data and the ECharts instance, not from a screenshot."""

import pytest

from duban.targets import services
from duban.targets.models import Figure, Target
from tests.conftest import make_user, unit
from tests.plans.test_browser import log_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def chart_of(page):
    page.wait_for_function("() => document.documentElement.dataset.chartsDrawn === '1'", timeout=10000)
    embedded = page.evaluate("JSON.parse(document.getElementById('chart-data').textContent)")
    drawn = page.evaluate(
        "(() => { const o = window.dubanCharts.trajectory.getOption();"
        " return {x: o.xAxis[0].data, series: o.series.map(s => ({name: s.name, data: s.data}))}; })()"
    )
    return embedded, drawn


@pytest.mark.browser
def test_county_files_and_province_sees_it(live_server, browser, fiveg, prov_sup, clock, tmp_path, shots_dir):
    city_sup = make_user("city_sup_b", unit("140100"), "supervisor")
    clerk = make_user("county_clerk_b", unit("140105"), "clerk")
    clock("2026-01-06 10:00")
    services.allocate(
        actor=prov_sup,
        target_id=fiveg.pk,
        shares=[{"unit": "140100", "value": 9000}, {"unit": "140200", "value": 6000}],
    )
    taiyuan = Target.objects.get(parent=fiveg, unit__code="140100")
    services.allocate(
        actor=city_sup,
        target_id=taiyuan.pk,
        shares=[{"unit": "140105", "value": 2000}],
        accept_shortfall=True,
    )
    share = Target.objects.get(parent=taiyuan, unit__code="140105")
    clock("2026-04-08 10:00")

    sup = log_in(browser, live_server, prov_sup)
    sup.goto(f"{live_server.url}/targets/")
    row = sup.locator(f"tr[data-target='{share.pk}']")
    before = row.get_attribute("data-klass")
    assert "小店区" in row.inner_text()

    page = log_in(browser, live_server, clerk, width=390, height=844)  # a phone
    page.get_by_role("link", name="指标").first.click()
    page.locator(f"tr[data-target='{share.pk}'] a").first.click()
    page.wait_for_url(f"{live_server.url}/targets/{share.pk}/")
    embedded, _drawn = chart_of(page)
    assert embedded["actual"][2] is None
    evidence = tmp_path / "三月基站验收.pdf"
    evidence.write_bytes(PDF)
    page.select_option("#file-period", "2026-03-31")
    page.fill("#file-value", "600")
    page.select_option("#file-confidence", "sure")
    page.set_input_files("#file-files", str(evidence))
    page.get_by_role("button", name="报送", exact=True).click()
    page.wait_for_url(f"{live_server.url}/targets/{share.pk}/#figures")
    assert "已报送" in page.locator(".messages").inner_text()
    assert page.locator("#figures a.evidence", has_text="三月基站验收.pdf").count() == 1
    page.screenshot(path=str(shots_dir / "target-filed-phone.png"), full_page=True)
    fig = Figure.objects.get(target=share)
    assert fig.value == 600 and fig.evidence.count() == 1

    # The province's list: the share's class has changed, with the unit's confidence beside it.
    sup.goto(f"{live_server.url}/targets/")
    row = sup.locator(f"tr[data-target='{share.pk}']")
    after = row.get_attribute("data-klass")
    assert after != before and after in ("ahead", "on_track")
    assert "有把握完成" in row.inner_text()
    # The share's chart has the new point, and the drawn series is what the page carries.
    row.locator("a").first.click()
    sup.wait_for_url(f"{live_server.url}/targets/{share.pk}/")
    embedded, drawn = chart_of(sup)
    assert embedded["actual"][2] == 600
    assert embedded["expected"][2] == 500
    actual = next(s for s in drawn["series"] if s["name"] == "实际完成")
    assert actual["data"][2] == 600 and drawn["x"][2] == "2026-03"
    assert sup.locator("#trajectory-chart svg").count() == 1
    sup.set_viewport_size({"width": 1280, "height": 900})
    sup.screenshot(path=str(shots_dir / "target-chart.png"), full_page=True)
    page.context.close()
    sup.context.close()
