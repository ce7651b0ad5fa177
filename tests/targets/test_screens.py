"""Targets on the existing screens: the 待报送指标 tab of 我的待办, the item page's 量化指标 block,
figures filed with a 进度报告, and the kind and period of a draft plan's targets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from duban.items.models import Report
from duban.journal.models import Event
from duban.targets import services
from duban.targets.models import Figure, Target

SEED = Path(__file__).resolve().parents[2] / "duban" / "data" / "shanxi_2021_government_work_report.txt"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def in_progress(target, clerk, clock):
    """Sign, deploy and feed back on the target's track, so a 进度报告 may be filed."""
    from duban.items import services as items

    clock("2026-01-06 09:00")
    track = target.track
    items.sign(actor=clerk, track_id=track.pk)
    items.file_report(actor=clerk, track_id=track.pk, kind="deploy", done="已召开专题会部署")
    items.file_report(actor=clerk, track_id=track.pk, kind="feedback", done="已制定方案")
    track.refresh_from_db()
    return track


# ---------------------------------------------------------------------------------------------
# 我的待办 → 待报送指标


def test_queue_tab_lists_due_figures_until_filed(fiveg, gxt_clerk, prov_sup, clock):
    clock("2026-04-08 10:00")
    c = login(gxt_clerk)
    page = c.get("/?kind=figures")
    tabs = {t["kind"]: t["count"] for t in page.context["tabs"]}
    # January and February are overdue, March is due on the 10th; the track tabs are unchanged.
    assert tabs["figures"] == 3 and tabs["to_sign"] == 1
    assert page.context["kind"] == "figures"
    html = page.content.decode()
    assert "待报送指标" in html and "5G基站" in html and "再新建5G基站1.5万座" in html
    assert "2026年1月" in html and "2026年3月" in html and "2026-04-10" in html
    assert html.count("已逾期</span>") == 2  # January's and February's due dates are past
    assert f'href="/targets/{fiveg.pk}/"' in html
    # The tab is the clerk's: the supervisor who issued it files nothing.
    assert "figures" not in {t["kind"] for t in login(prov_sup).get("/?kind=").context["tabs"]}
    for end, value in (("2026-01-31", 1250), ("2026-02-28", 2600)):
        services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end=end, value=value)
    assert {t["kind"]: t["count"] for t in c.get("/").context["tabs"]}["figures"] == 1
    services.file_figure(actor=gxt_clerk, target_id=fiveg.pk, period_end="2026-03-31", value=4000)
    page = c.get("/?kind=figures")
    assert "figures" not in {t["kind"] for t in page.context["tabs"]}
    assert page.context["kind"] == "to_sign" and "待报送指标" not in page.content.decode()


# ---------------------------------------------------------------------------------------------
# The item page


def test_item_page_shows_targets_block(fiveg, prov_sup, gxt_clerk, sibling_clerk, clock):
    clock("2026-03-05 09:00")
    services.file_figure(
        actor=gxt_clerk,
        target_id=fiveg.pk,
        period_end="2026-02-28",
        value=2000,
        confidence="at_risk",
        confidence_reason="选址审批慢",
    )
    url = f"/items/{fiveg.item_id}/"
    page = login(prov_sup).get(url)
    html = page.content.decode()
    assert "量化指标" in html and f'href="/targets/{fiveg.pk}/"' in html
    row = page.context["targets"][0]
    assert (row["klass"], row["actual"], row["expected"]) == ("behind", 2000, 2500)
    assert "欠进度" in html and "2000 / 15000座" in html and "截至2026年2月" in html and "2500座" in html
    assert "有风险" in html and "选址审批慢" in html
    # The issuing supervisor may add targets; the unit that files them may not.
    assert page.context["can_add_target"] and f'href="/targets/new/{fiveg.item_id}/"' in html
    clerk = login(gxt_clerk).get(url)
    assert not clerk.context["can_add_target"] and "添加指标" not in clerk.content.decode()
    assert "5G基站" in clerk.content.decode()
    assert login(sibling_clerk).get(url).status_code == 404
    # March's figure is past due: 未报送, the actual still February's, 序时进度 March's.
    clock("2026-04-11 09:00")
    page = login(prov_sup).get(url)
    html = page.content.decode()
    assert page.context["targets"][0]["klass"] == "missing" and "未报送" in html
    assert (
        "2000 / 15000座" in html
        and "截至2026年2月" in html
        and '3750座 <span class="muted">（2026年3月）' in html
    )


# ---------------------------------------------------------------------------------------------
# Figures filed with a 进度报告


def test_progress_report_files_figures_with_it(fiveg, gxt_clerk, prov_sup, clock):
    track = in_progress(fiveg, gxt_clerk, clock)
    clock("2026-04-08 10:00")
    c = login(gxt_clerk)
    html = c.get(f"/items/{fiveg.item_id}/").content.decode()
    assert f'name="figure_{fiveg.pk}_value"' in html
    assert '<option value="2026-03-31" selected>' in html  # the period due now
    assert '<option value="2026-04-30"' in html and '<option value="2026-05-31"' not in html
    # The issuer gets no figure fields (and no report form).
    assert (
        f'name="figure_{fiveg.pk}_value"'
        not in login(prov_sup).get(f"/items/{fiveg.item_id}/").content.decode()
    )
    resp = c.post(
        f"/tracks/{track.pk}/report/",
        {
            "expected_version": track.version,
            "kind": "progress",
            "done": "一季度新建基站4200座",
            "figure_target": [str(fiveg.pk)],
            f"figure_{fiveg.pk}_period": "2026-03-31",
            f"figure_{fiveg.pk}_value": "4200",
            f"figure_{fiveg.pk}_confidence": "sure",
            f"figure_{fiveg.pk}_reason": "",
        },
    )
    assert resp.status_code == 302
    report = Report.objects.get(track=track, kind="progress")
    fig = Figure.objects.get(target=fiveg)
    assert (fig.period_end, fig.value, fig.confidence, fig.report_id) == (
        dt.date(2026, 3, 31),
        4200,
        "sure",
        report.pk,
    )
    actions = set(Event.objects.filter(item_id=fiveg.item_id).values_list("action", flat=True))
    assert {"report.progress", "figure.file"} <= actions
    page = c.get(resp["Location"])
    assert "进度报告已报送，并报送 1 项指标数据" in page.content.decode()
    assert page.context["targets"][0]["klass"] == "ahead"


def test_progress_report_without_figures_is_a_plain_report(fiveg, gxt_clerk, clock):
    track = in_progress(fiveg, gxt_clerk, clock)
    clock("2026-04-08 10:00")
    resp = login(gxt_clerk).post(
        f"/tracks/{track.pk}/report/",
        {
            "kind": "progress",
            "done": "推进中",
            "figure_target": [str(fiveg.pk)],
            f"figure_{fiveg.pk}_value": "",
        },
    )
    assert resp.status_code == 302
    assert Report.objects.filter(track=track, kind="progress").count() == 1
    assert not Figure.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"value": "很多"}, "完成值"),
        ({"value": "4200", "period": "2026-06-30"}, "尚未开始"),
        ({"value": "4200", "confidence": "at_risk"}, "请说明理由"),
    ],
)
def test_bad_figure_refuses_the_whole_report(fiveg, gxt_clerk, clock, fields, message):
    track = in_progress(fiveg, gxt_clerk, clock)
    clock("2026-04-08 10:00")
    clerk = login(gxt_clerk)  # before counting: the login is journaled too
    before = (Report.objects.count(), Figure.objects.count(), Event.objects.count())
    key = f"figure_{fiveg.pk}_"
    resp = clerk.post(
        f"/tracks/{track.pk}/report/",
        {
            "expected_version": track.version,
            "kind": "progress",
            "done": "一季度进展顺利",
            "figure_target": [str(fiveg.pk)],
            key + "period": fields.get("period", "2026-03-31"),
            key + "value": fields["value"],
            key + "confidence": fields.get("confidence", ""),
        },
    )
    assert resp.status_code == 422
    assert (Report.objects.count(), Figure.objects.count(), Event.objects.count()) == before
    html = resp.content.decode()
    assert message in html
    # What the clerk typed is still in the form.
    assert "一季度进展顺利" in html and f'value="{fields["value"]}"' in html


# ---------------------------------------------------------------------------------------------
# The draft plan: kind and period of each task's targets


def test_plan_page_sets_kind_and_period_of_targets(prov_sup, clock):
    from duban.plans import services as plans
    from duban.plans.models import PlanTask

    clock("2021-03-10 09:00")
    plan = plans.import_report(actor=prov_sup, data=SEED.read_bytes(), name=SEED.name)[0]
    task = next(
        t for t in plan.tasks.order_by("position") if any(g.get("value") is not None for g in t.targets)
    )
    c = login(prov_sup)
    page = c.get(f"/plans/{plan.pk}/")
    assert "按月报送" in page.content.decode()  # the guessed terms shown beside each target
    html = c.get(f"/plans/{plan.pk}/?edit={task.pk}").content.decode()
    assert 'name="target_0_kind"' in html and 'name="target_0_period"' in html
    i = next(i for i, g in enumerate(task.targets) if g.get("value") is not None)
    data = {
        "text": task.text,
        "targets": "\n".join(g.get("text", "") for g in task.targets),
        "category": task.category,
        "due": "",
        "lead": ["140100"],
    }
    for j, g in enumerate(task.targets):
        data[f"target_{j}_kind"] = g.get("kind") or "cumulative"
        data[f"target_{j}_period"] = "monthly"
    data[f"target_{i}_kind"] = "level"
    data[f"target_{i}_period"] = "quarterly"
    resp = c.post(f"/plans/{plan.pk}/tasks/{task.pk}/edit/", data)
    assert resp.status_code == 302
    task = PlanTask.objects.get(pk=task.pk)
    assert (task.targets[i]["kind"], task.targets[i]["period"]) == ("level", "quarterly")
    html = c.get(f"/plans/{plan.pk}/?edit={task.pk}").content.decode()
    assert '<option value="level" selected>' in html.split(f'name="target_{i}_kind"')[1].split("</select>")[0]
    # A bad choice is refused by the form and changes nothing.
    bad = dict(data, **{f"target_{i}_kind": "nonsense"})
    assert c.post(f"/plans/{plan.pk}/tasks/{task.pk}/edit/", bad).status_code == 422
    assert PlanTask.objects.get(pk=task.pk).targets[i]["kind"] == "level"
    items = plans.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=[task.pk])
    created = Target.objects.get(item=items[0], source_text=task.targets[i]["text"][:300])
    assert (created.kind, created.period) == ("level", "quarterly")
