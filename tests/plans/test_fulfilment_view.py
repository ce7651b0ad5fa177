"""上年目标完成情况: the State Council's 2022 plan on file, its 2023 report imported — the page
lists the 2022 targets with the CLI's verdicts, and the year-end figures units filed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from duban.orgs.models import OrgUnit
from duban.plans import services
from duban.plans.fulfilment import VERDICTS, plan_fulfilment
from duban.plans.models import Plan
from duban.targets import services as targets
from duban.targets.models import Target
from duban.workplan.fulfilment_cli import main as cli
from tests.conftest import make_user

HERE = Path(__file__).resolve().parents[1] / "workplan" / "fixtures" / "fulfilment"
R2022, R2023 = HERE / "guowuyuan_2022.txt", HERE / "guowuyuan_2023.txt"
JOBS = "城镇新增就业1100万人以上"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def last_year(prov_sup, clock):
    clock("2022-03-10 09:00")
    return services.import_report(actor=prov_sup, data=R2022.read_bytes(), name=R2022.name, year=2022)[0]


def upload_2023(c: Client):
    return c.post("/plans/", {"report": SimpleUploadedFile(R2023.name, R2023.read_bytes()), "year": "2023"})


def cli_verdicts(tmp_path) -> list[dict]:
    out = tmp_path / "f.json"
    assert cli([str(R2022), str(R2023), "--year", "2022", "-o", str(out)]) == 0
    return json.loads(out.read_text("utf-8"))["targets"]


def test_importing_this_years_report_shows_last_years_targets_with_the_clis_verdicts(
    last_year, prov_sup, clock, tmp_path
):
    clock("2023-03-06 09:00")
    c = login(prov_sup)
    resp = upload_2023(c)
    assert resp.status_code == 302
    plan = Plan.objects.get(plan_year=2023)
    messages = [str(m) for m in resp.wsgi_request._messages]
    assert any("2022 年的报告分解" in m and "上年目标完成情况" in m for m in messages)
    assert f'href="/plans/{plan.pk}/fulfilment/"' in c.get(f"/plans/{plan.pk}/").content.decode()

    page = c.get(f"/plans/{plan.pk}/fulfilment/")
    assert page.status_code == 200
    f = page.context["f"]
    expected = cli_verdicts(tmp_path)
    assert f.previous.pk == last_year.pk
    assert [(r.text, r.verdict, r.why) for r in f.rows] == [
        (t["text"], t["verdict"], t["why"]) for t in expected
    ]
    counts = {k: sum(t["verdict"] == k for t in expected) for k in VERDICTS}
    assert f.counts == counts and counts["met"] >= 5 and counts["not_met"] >= 1 and counts["no_result"] >= 1
    html = page.content.decode()
    head = html.split('id="ff-counts"')[1].split("</div>")[0]
    for k, label in VERDICTS.items():
        assert f"{label} <b>{counts[k]}</b>" in head
    assert html.count('<tr id="ff-') == len(expected)
    # Evidence: the target marked in last year's sentence, the result in this year's review.
    gdp = next(r for r in f.rows if r.text == "国内生产总值增长5.5%左右")
    assert gdp.label == "未完成" and gdp.result_evidence.span == "全年国内生产总值增长3%"
    assert "<mark>国内生产总值增长5.5%左右</mark>" in html and "<mark>全年国内生产总值增长3%</mark>" in html
    assert gdp.target_evidence.before.endswith("今年发展主要预期目标是：")
    # Nothing was tracked last year, so no figures column.
    assert not f.tracked and "年终报送数" not in html


def test_a_tracked_target_shows_the_year_end_figures_against_the_review(last_year, prov_sup, clock):
    rst = OrgUnit.objects.get(name="山西省人力资源和社会保障厅")
    task = next(t for t in last_year.tasks.order_by("position") if any(g["text"] == JOBS for g in t.targets))
    services.edit_task(actor=prov_sup, task_id=task.pk, lead=[rst.code])
    services.assign_batch(actor=prov_sup, plan_id=last_year.pk, task_ids=[task.pk])
    jobs = Target.objects.get(source_text=JOBS, source_ref__plan=last_year.pk)
    other = Target.objects.filter(source_ref__plan=last_year.pk).exclude(pk=jobs.pk).first()
    clerk = make_user("rst_clerk", rst, "clerk")
    clock("2023-01-06 09:00")
    # The unit files the figure the review later states (1206万); later the statistics side a
    # lower one.
    targets.file_figure(actor=clerk, target_id=jobs.pk, period_end="2022-12-31", value=12_060_000)
    clock("2023-03-06 09:00")
    plan = services.import_report(actor=prov_sup, data=R2023.read_bytes(), name=R2023.name, year=2023)[0]
    first = next(r for r in plan_fulfilment(prov_sup, plan.pk).rows if r.text == JOBS)
    assert [c.source for c in first.filed] == ["unit"]
    # A figure filed after the page was first read shows at once (only the matching is cached).
    targets.file_figure(
        actor=prov_sup, target_id=jobs.pk, period_end="2022-12-31", value=11_500_000, source="stats"
    )

    f = plan_fulfilment(prov_sup, plan.pk)
    assert f.tracked
    row = next(r for r in f.rows if r.text == JOBS)
    assert row.target.pk == jobs.pk and row.label == "已完成" and row.goal == "1100万人以上"
    filed = {c.source: c for c in row.filed}
    assert filed["unit"].value == 12_060_000 and not filed["unit"].differs
    assert filed["stats"].differs and "不一致" in filed["stats"].note  # 1150万 vs 1206万: 4.6% apart
    assert f.differing == 1
    if other is not None:  # the task's other targets: tracked, nothing filed yet
        assert next(r for r in f.rows if r.target and r.target.pk == other.pk).filed == []
    html = login(prov_sup).get(f"/plans/{plan.pk}/fulfilment/").content.decode()
    assert "年终报送数 / 统计数" in html and "报送数 1206万人" in html and "统计数 1150万人" in html
    assert "与报告所述1206万人不一致" in html and f'href="/targets/{jobs.pk}/"' in html
    assert html.count("未跟踪") >= 1  # the targets of tasks nobody assigned
    # A clerk of the unit sees neither plan, so neither the table nor its figures.
    assert login(clerk).get(f"/plans/{plan.pk}/fulfilment/").status_code == 404


def test_viewers_without_access_get_404(last_year, prov_sup, county_clerk, city_sup, clock):
    clock("2023-03-06 09:00")
    plan = services.import_report(actor=prov_sup, data=R2023.read_bytes(), name=R2023.name, year=2023)[0]
    for user in (county_clerk, city_sup):
        assert login(user).get(f"/plans/{plan.pk}/fulfilment/").status_code == 404
    anon = Client().get(f"/plans/{plan.pk}/fulfilment/")
    assert anon.status_code == 302 and "/login" in anon["Location"]
    assert login(prov_sup).get("/plans/999999/fulfilment/").status_code == 404


def test_without_last_years_plan_the_page_says_so(prov_sup, prov_leader, clock):
    clock("2023-03-06 09:00")
    plan = services.import_report(actor=prov_sup, data=R2023.read_bytes(), name=R2023.name, year=2023)[0]
    page = login(prov_leader).get(f"/plans/{plan.pk}/fulfilment/")
    assert page.status_code == 200 and page.context["f"].previous is None
    assert 'id="no-previous"' in page.content.decode() and "2022 年" in page.content.decode()


def test_another_issuers_plan_of_last_year_is_not_used(prov_sup, city_sup, clock):
    clock("2022-03-10 09:00")
    services.import_report(actor=city_sup, data=R2022.read_bytes(), name=R2022.name, year=2022)
    clock("2023-03-06 09:00")
    plan = services.import_report(actor=prov_sup, data=R2023.read_bytes(), name=R2023.name, year=2023)[0]
    assert plan_fulfilment(prov_sup, plan.pk).previous is None
