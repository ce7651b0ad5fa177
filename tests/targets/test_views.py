"""The 指标 screens: the list with its class counts, the target page, its forms and chart.json.

Story: the province's 5G target (15,000 座, 省工信厅 leads). On 2026-04-08 January and February
are overdue (未报送); 工信厅's clerk files March's 3,750 through the page and the target is 达进度.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duban.targets import rules, selectors, services
from duban.targets.models import Figure, Target

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client_for(client, user):
    client.force_login(user)
    return client


def detail(t):
    return reverse("targets:detail", args=[t.pk])


def test_nav_link_and_list_counts(client, fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3750)
    c = client_for(client, prov_sup)
    html = c.get(reverse("targets:list")).content.decode()
    assert 'href="/targets/"' in html  # the 指标 nav link
    assert "5G基站" in html and "15000座" in html
    assert 'data-klass="on_track"' in html and "达进度" in html
    # The count of 达进度 is a link that filters the list.
    assert 'href="?klass=on_track" class="klass-link active' not in html
    assert (
        'data-klass="on_track"><span class="dot klass-on_track"></span>达进度<span class="count">1</span>'
        in html
    )
    filtered = c.get(reverse("targets:list"), {"klass": "behind"}).content.decode()
    assert "5G基站" not in filtered
    assert "没有符合条件的指标" in filtered
    assert "5G基站" in c.get(reverse("targets:list"), {"klass": "on_track"}).content.decode()


def test_list_filters_are_bounded(client, fiveg, prov_sup, clock):
    clock("2026-04-08 10:00")
    c = client_for(client, prov_sup)
    for params in (
        {"year": "99999999999999999999"},
        {"unit": "x" * 5000},
        {"q": "5G" * 1000},
        {"klass": "nonsense", "kind": "nope", "page": "9" * 30},
        {"section": "一" * 500, "top": "1"},
    ):
        assert c.get(reverse("targets:list"), params).status_code == 200
    html = c.get(reverse("targets:list"), {"year": "2026", "unit": "140000", "top": "1", "q": "5G"}).content
    assert "5G基站" in html.decode()
    assert "5G基站" not in c.get(reverse("targets:list"), {"year": "2025"}).content.decode()


def test_clerk_files_through_the_page_and_the_class_changes(client, fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    assert selectors.status_of(fiveg).klass == "missing"  # January and February are overdue
    c = client_for(client, gxt_clerk)
    page = c.get(detail(fiveg)).content.decode()
    assert 'id="file-form"' in page and "未报送" in page
    resp = c.post(
        reverse("targets:file", args=[fiveg.pk]),
        {
            "period_end": "2026-03-31",
            "value": "3750",
            "note": "一季度累计",
            "confidence": "likely",
            "files": [SimpleUploadedFile("验收单.pdf", PDF, content_type="application/pdf")],
        },
    )
    assert resp.status_code == 302 and resp["Location"].startswith(detail(fiveg))
    fig = Figure.objects.get(target=fiveg)
    assert fig.value == 3750 and fig.evidence.count() == 1
    page = c.get(detail(fiveg)).content.decode()
    assert "已报送" in page
    assert 'id="target-klass">达进度' in page
    assert "基本能完成" in page  # the unit's judgement, beside the class
    assert "验收单.pdf" in page and reverse("web:attachment", args=[fig.evidence.get().pk]) in page
    # The supervisor's list shows the new class.
    client.force_login(prov_sup)
    assert 'data-klass="on_track"' in client.get(reverse("targets:list")).content.decode()


def test_a_correction_shows_the_previous_value(client, fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3000)
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3750)
    html = client_for(client, prov_sup).get(detail(fiveg)).content.decode()
    assert "更正" in html and "（原 3000）" in html
    assert "2026-04-08 10:00" in html  # filed at, Asia/Shanghai


def test_refused_actions_change_nothing_and_say_why(client, fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    c = client_for(client, prov_sup)
    resp = c.post(
        reverse("targets:file", args=[fiveg.pk]), {"period_end": "2026-03-31", "value": "1"}, follow=True
    )
    assert "只有责任单位的承办人或第一责任人可以报送指标数据" in resp.content.decode()
    assert not Figure.objects.exists()

    c = client_for(client, gxt_clerk)
    resp = c.post(
        reverse("targets:stats", args=[fiveg.pk]), {"period_end": "2026-03-31", "value": "1"}, follow=True
    )
    assert "只有交办单位或上级的督查员可以录入统计数" in resp.content.decode()
    resp = c.post(
        reverse("targets:file", args=[fiveg.pk]), {"period_end": "2026-06-30", "value": "1"}, follow=True
    )
    assert "该报送期尚未开始，不能报送" in resp.content.decode()
    resp = c.post(
        reverse("targets:file", args=[fiveg.pk]), {"period_end": "2026-03-31", "value": "很多"}, follow=True
    )
    assert "完成值须为数字" in resp.content.decode()
    resp = c.post(
        reverse("targets:edit", args=[fiveg.pk]),
        {"expected_version": "1", "kind": "cumulative", "value": "1", "tolerance": "5", "due_day": "10"},
        follow=True,
    )
    assert "只有下达该指标的单位可以修改指标" in resp.content.decode()
    resp = c.post(reverse("targets:allocate", args=[fiveg.pk]), {"unit": ["140100"], "value": ["15000"]})
    assert resp.status_code == 422
    assert "只有下达单位的督查员或责任单位负责人可以分解指标" in resp.content.decode()
    assert not Figure.objects.exists()
    fiveg.refresh_from_db()
    assert fiveg.value == 15000 and fiveg.version == 1 and not fiveg.children.exists()


@pytest.mark.parametrize("who", ["county_clerk", "datong_sup", "city_sup", "sibling_clerk"])
def test_outsiders_get_404(client, fiveg, request, who):
    user = request.getfixturevalue(who)
    c = client_for(client, user)
    for name in ("detail", "chart"):
        assert c.get(reverse(f"targets:{name}", args=[fiveg.pk])).status_code == 404
    for name in ("file", "stats", "edit", "allocate"):
        assert c.post(reverse(f"targets:{name}", args=[fiveg.pk]), {"value": "1"}).status_code == 404
    assert "5G基站" not in c.get(reverse("targets:list")).content.decode()
    assert c.get(reverse("targets:detail", args=[10**12])).status_code == 404


FORMS = {"file": "file-form", "file_stats": "stats-form", "edit": "edit-form", "allocate": "allocate-form"}


@pytest.mark.parametrize("who", ["gxt_clerk", "gxt_head", "dept_clerk", "prov_sup", "prov_leader"])
def test_forms_follow_target_actions(client, fiveg, clock, request, who):
    clock("2026-04-08 10:00")
    user = request.getfixturevalue(who)
    t = Target.objects.select_related("item", "track", "unit", "parent").get(pk=fiveg.pk)
    actions = rules.target_actions(user, t)
    html = client_for(client, user).get(detail(t)).content.decode()
    for action, form_id in FORMS.items():
        assert (f'id="{form_id}"' in html) == actions[action].allowed, (who, action)
    if who == "prov_sup":
        assert actions["edit"].allowed and actions["allocate"].allowed and not actions["file"].allowed
    if who == "gxt_clerk":
        assert actions["file"].allowed and not actions["edit"].allowed


def test_chart_json(client, fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-02-28", value=2000)
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3750)
    c = client_for(client, prov_sup)
    data = c.get(reverse("targets:chart", args=[fiveg.pk])).json()
    assert data["periods"][0] == "2026-01-31" and data["periods"][-1] == "2026-12-31"
    assert data["expected"][2] == 3750 and data["expected"][11] == 15000
    assert data["actual"][:4] == [None, 2000, 3750, None]
    assert data["target"] == 15000
    reading = selectors.status_of(fiveg).reading
    assert data["forecast"] == {"period": "2026-12-31", "value": reading.forecast}
    assert data["children"] == []
    # The page carries the same numbers for its charts and its table.
    html = c.get(detail(fiveg)).content.decode()
    embedded = html.split('<script id="chart-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded) == data


def test_allocation_short_asks_to_confirm(client, fiveg, prov_sup, clock):
    clock("2026-04-08 10:00")
    c = client_for(client, prov_sup)
    page = c.get(detail(fiveg)).content.decode()
    assert 'value="140100"' in page  # one row per city
    assert 'name="accept_shortfall"' not in page
    shares = {"unit": ["140100", "140200", ""], "value": ["9000", "5000", ""]}
    resp = c.post(reverse("targets:allocate", args=[fiveg.pk]), shares)
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "分解合计 14000座，比总目标少 1000座" in html
    assert 'name="accept_shortfall"' in html
    assert 'value="5000"' in html  # what was typed is kept
    assert not fiveg.children.exists()
    resp = c.post(reverse("targets:allocate", args=[fiveg.pk]), shares | {"accept_shortfall": "1"})
    assert resp.status_code == 302
    assert sorted(fiveg.children.values_list("unit__code", "value")) == [("140100", 9000), ("140200", 5000)]
    html = c.get(detail(fiveg)).content.decode()
    assert 'id="shares-chart"' in html and "太原市" in html
    data = c.get(reverse("targets:chart", args=[fiveg.pk])).json()
    assert [ch["unit"] for ch in data["children"]] == ["太原市", "大同市"]
    kids = selectors.children_statuses(prov_sup, fiveg)
    assert [ch["klass"] for ch in data["children"]] == [k.klass.value for k in kids]
    assert data["children"][0]["completion"] is None  # nothing filed yet


def test_edit_terms(client, fiveg, prov_sup, clock):
    clock("2026-04-08 10:00")
    c = client_for(client, prov_sup)
    form = {
        "expected_version": "1",
        "kind": "cumulative",
        "comparator": "=",
        "value": "16000",
        "value_max": "",
        "baseline": "",
        "period": "quarterly",
        "due_day": "15",
        "tolerance": "1",
        "profile": "5,10,20,30,40,50,60,70,80,90,95,100",
        "higher_is_better": "1",
    }
    resp = c.post(reverse("targets:edit", args=[fiveg.pk]), form, follow=True)
    assert "指标已修改" in resp.content.decode()
    fiveg.refresh_from_db()
    assert (fiveg.value, fiveg.period, fiveg.due_day, fiveg.tolerance) == (16000, "quarterly", 15, 0.01)
    assert fiveg.profile[0] == 0.05 and fiveg.profile[-1] == 1
    # The same form again, loaded before that change: refused, nothing changes.
    resp = c.post(reverse("targets:edit", args=[fiveg.pk]), form | {"value": "17000"}, follow=True)
    assert "该指标已被他人更新，请刷新页面后重试" in resp.content.decode()
    fiveg.refresh_from_db()
    assert fiveg.value == 16000


def test_new_target_by_hand(client, fiveg, prov_sup, gxt_clerk, clock):
    clock("2026-04-08 10:00")
    url = reverse("targets:new", args=[fiveg.item_id])
    c = client_for(client, gxt_clerk)
    assert 'id="new-target"' not in c.get(url).content.decode()
    c.post(url, {"indicator": "千兆用户", "value": "100"})
    assert not Target.objects.filter(indicator="千兆用户").exists()
    c = client_for(client, prov_sup)
    assert 'id="new-target"' in c.get(url).content.decode()
    resp = c.post(url, {"indicator": "", "value": "100"})
    assert resp.status_code == 422 and "请填写指标名称" in resp.content.decode()
    resp = c.post(url, {"indicator": "千兆宽带用户", "value": "120", "unit_label": "万户", "due_day": "10"})
    t = Target.objects.get(indicator="千兆宽带用户")
    assert resp.status_code == 302 and resp["Location"] == detail(t)
    assert t.plan_year == 2026 and t.unit.short_name == "省工信厅"


def test_new_on_an_unseen_item_is_404(client, fiveg, datong_sup):
    assert client_for(client, datong_sup).get(reverse("targets:new", args=[fiveg.item_id])).status_code == 404


def test_excel_endpoints(client, fiveg, gxt_clerk, prov_sup, clock):
    xlsx = pytest.importorskip("duban.targets.xlsx")
    clock("2026-04-08 10:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3750)
    c = client_for(client, prov_sup)
    for name, params in (("export", {"period": "2026-03-31"}), ("allocation_export", {})):
        resp = c.get(reverse(f"targets:{name}"), params)
        assert resp.status_code == 200 and resp.content[:2] == b"PK"
    c = client_for(client, gxt_clerk)
    resp = c.get(reverse("targets:template"), {"period": "2026-03-31", "source": "unit"})
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    assert c.get(reverse("targets:import")).status_code == 200
    resp = c.post(reverse("targets:import"), {"source": "unit"})
    assert resp.status_code == 422 and "请选择要导入的 Excel 文件" in resp.content.decode()
    resp = c.post(
        reverse("targets:import"),
        {"source": "unit", "file": SimpleUploadedFile("a.xlsx", b"not a workbook")},
    )
    assert resp.status_code == 422
    assert hasattr(xlsx, "import_figures")


def _filled(template: bytes, value) -> SimpleUploadedFile:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(template))
    ws = wb.active
    col = [c.value for c in ws[2]].index("本期完成值") + 1
    ws.cell(row=3, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("填报.xlsx", buf.getvalue())


def test_import_round_trip_and_bad_rows(client, fiveg, gxt_clerk, clock):
    pytest.importorskip("duban.targets.xlsx")
    clock("2026-04-08 10:00")
    c = client_for(client, gxt_clerk)
    template = c.get(reverse("targets:template"), {"period": "2026-03-31", "source": "unit"}).content
    resp = c.post(reverse("targets:import"), {"source": "unit", "file": _filled(template, "很多")})
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "第3行有误，未导入任何数据" in html
    assert "<td>3</td>" in html  # the bad row, listed with its reason
    assert not Figure.objects.exists()
    resp = c.post(reverse("targets:import"), {"source": "unit", "file": _filled(template, 3750)})
    assert resp.status_code == 200
    assert "新报送 1 条" in resp.content.decode()
    assert Figure.objects.get(target=fiveg).value == 3750


def test_stats_figure_and_mismatch_marker(client, fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=3750)
    c = client_for(client, prov_sup)
    resp = c.post(
        reverse("targets:stats", args=[fiveg.pk]),
        {"period_end": "2026-03-31", "value": "3000", "note": "省统计局"},
        follow=True,
    )
    html = resp.content.decode()
    assert "统计数已录入" in html and "数据不一致" in html and "统计数" in html
    assert Figure.objects.get(target=fiveg, source="stats").value == 3000
    assert c.get(reverse("targets:chart", args=[fiveg.pk])).json()["actual"][2] == 3000  # stats win
    assert "数据不一致" in c.get(reverse("targets:list")).content.decode()
