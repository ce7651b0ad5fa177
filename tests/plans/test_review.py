"""A review a clerk can finish: filters with counts, readable references, targets in Chinese,
the plan year stated on upload, and a batch whose dates have passed."""

import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from duban.core.errors import Forbidden, InvalidInput, InvalidState, NotFound
from duban.items.models import Item
from duban.journal.models import Event
from duban.journal.services import verify
from duban.plans import services
from duban.plans.display import reference, target_value
from duban.plans.models import Plan, PlanTask

SEED = Path(__file__).resolve().parents[2] / "duban" / "data" / "shanxi_2021_government_work_report.txt"


@pytest.fixture
def sup_client(client, prov_sup, clock):
    clock("2021-03-10 09:00")
    client.force_login(prov_sup)
    return client


@pytest.fixture
def plan(prov_sup, seed_bytes, clock):
    clock("2021-03-10 09:00")
    return services.import_report(actor=prov_sup, data=seed_bytes, name=SEED.name)[0]


def shown_tasks(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<article class="task card[^"]*" id="task-(\d+)"', html)}


def every_page(client, url: str, params: dict | None = None) -> set[int]:
    """The tasks shown over all pages of a (filtered) task list, following the 下一页 links."""
    from html import unescape

    html = client.get(url, params or {}).content.decode()
    seen = shown_tasks(html)
    for _ in range(50):
        m = re.search(r'<a href="([^"]*)" rel="next">', html)
        if m is None:
            return seen
        html = client.get(url + unescape(m.group(1))).content.decode()
        seen |= shown_tasks(html)
    raise AssertionError("too many pages")


def chip(html: str, name: str) -> tuple[str, int]:
    m = re.search(rf'<a class="chip flag-{name}[^"]*" href="([^"]*)">[^<]*<small>(\d+)</small>', html)
    assert m, name
    return m.group(1).replace("&amp;", "&"), int(m.group(2))


def test_filters_show_counts_over_the_plan_and_filter(sup_client, plan, prov_sup):
    tasks = list(plan.tasks.order_by("position"))
    dropped, edited = tasks[0], tasks[1]
    services.drop_task(actor=prov_sup, task_id=dropped.pk)
    services.edit_task(actor=prov_sup, task_id=edited.pk, text="改写后的任务", lead=[])
    tasks = list(plan.tasks.order_by("position"))
    url = f"/plans/{plan.pk}/"
    html = sup_client.get(url).content.decode()
    # Over 200 tasks: a page at a time (tests/plans/test_pagination.py).
    assert shown_tasks(html) == {t.pk for t in tasks[:200]}
    assert shown_tasks(sup_client.get(url, {"page": 2}).content.decode()) == {t.pk for t in tasks[200:]}
    expected = {
        "target": {t.pk for t in tasks if t.targets},
        "nolead": {t.pk for t in tasks if not t.dropped and not t.lead_codes},
        "dropped": {dropped.pk},
        "edited": {edited.pk},
    }
    for name, pks in expected.items():
        href, count = chip(html, name)
        assert count == len(pks) and href == f"?{name}=1"
        page = sup_client.get(url + href).content.decode()
        assert every_page(sup_client, url + href) == pks, name
        # The counts stay those of the whole plan while a filter is on.
        assert chip(page, name)[1] == len(pks) and chip(page, name)[0] == "?"
    assert edited.pk in expected["nolead"] and expected["target"]
    # Section and part, combined with a flag.
    section, part = tasks[-1].section, tasks[-1].section + tasks[-1].part
    in_section = {t.pk for t in tasks if t.section == section}
    assert f">{section} <small>{len(in_section)}</small>" in html
    assert every_page(sup_client, url, {"section": section}) == in_section
    in_part = {t.pk for t in tasks if t.part and t.section + t.part == part}
    assert every_page(sup_client, url, {"part": part}) == in_part
    in_section_page = sup_client.get(url, {"section": section}).content.decode()
    offered = set(re.findall(r'part=([^"&]+)', in_section_page))
    assert offered and all(unquote(p).startswith(section) for p in offered)
    both = {t.pk for t in tasks if t.section == section and t.targets}
    assert every_page(sup_client, url, {"section": section, "target": "1"}) == both


def test_filter_parameters_are_bounded_and_unknown_values_ignored(sup_client, plan):
    url = f"/plans/{plan.pk}/"
    everything = shown_tasks(sup_client.get(url).content.decode())
    for params in ({"section": "九十九"}, {"part": "x" * 5000}, {"target": "x" * 5000}, {"edited": "yes"}):
        resp = sup_client.get(url, params)
        assert resp.status_code == 200 and shown_tasks(resp.content.decode()) == everything


def test_ticks_hidden_by_a_filter_survive_saving(sup_client, plan):
    tasks = [t for t in plan.tasks.order_by("position") if t.lead_codes]
    hidden = next(t for t in tasks if not t.targets)
    visible = next(t for t in tasks if t.targets)
    PlanTask.objects.filter(pk=hidden.pk).update(selected=True)
    html = sup_client.get(f"/plans/{plan.pk}/", {"target": "1"}).content.decode()
    assert f'<input type="hidden" name="tasks" value="{hidden.pk}">' in html
    # The page posts the hidden tick along with the visible ones.
    sup_client.post(f"/plans/{plan.pk}/batch/", {"action": "select", "tasks": [hidden.pk, visible.pk]})
    assert set(plan.tasks.filter(selected=True).values_list("pk", flat=True)) == {hidden.pk, visible.pk}


# --- readable references ----------------------------------------------------------------------


def test_reference_reads_section_part_and_paragraph():
    class T:
        def __init__(self, task_id, section="", part=""):
            self.task_id, self.section, self.part = task_id, section, part

    assert reference(T("3.2.4.1", "三", "（二）")) == "三（二）第4段"
    assert reference(T("3.2.4.1-2", "三", "（二）")) == "三（二）第4段"  # a split half
    assert reference(T("2.0.1.1", "二")) == "二、第1段"
    assert reference(T("12.11.3.1")) == "十二（十一）第3段"  # labels from the id when not kept
    assert reference(T("2.1.0.1", "二", "（一）")) == "二（一）"  # the part's own heading paragraph
    assert reference(T("4.2.1.3", "四", "2.")) == "四（2）第1段"  # parts numbered 1. or (1)
    assert reference(T("4.2.1.3", "四", "(2)")) == "四（2）第1段"
    assert reference(T("17")) == "十七"
    assert reference(T("?")) == "?"


def test_page_and_item_body_use_references_and_keep_task_ids(plan, prov_sup, sup_client):
    tasks = plan.tasks.order_by("position")
    task = next(t for t in tasks if t.part and t.lead_codes and t.task_id.split(".")[2] != "0")
    stored = task.task_id
    ref = reference(task)
    assert re.fullmatch(r"[一二三四五六七八九十]+（[一二三四五六七八九十]+）第\d+段", ref)
    html = sup_client.get(f"/plans/{plan.pk}/").content.decode()
    assert f">{ref}</span>" in html
    assert f'<span class="tid">{stored}</span>' not in html
    [item] = services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=[task.pk])
    source_line = item.body.splitlines()[-1]
    assert source_line.startswith("出处：《") and ref in source_line and stored not in source_line
    task.refresh_from_db()
    assert task.task_id == stored and item.source_ref["task"] == stored


# --- targets in Chinese -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ({"value": 6, "unit": "%", "comparator": ">="}, "6%以上"),
        ({"value": 3, "unit": "%", "comparator": "<="}, "3%以内"),
        ({"value": 5.0, "unit": "%", "comparator": "~"}, "5%左右"),
        ({"value": 5, "value_max": 5.5, "unit": "%", "comparator": "range"}, "5%—5.5%"),
        ({"value": 1000, "unit": "家", "comparator": "="}, "1000家"),
        ({"value": 1.5, "value_max": 2, "unit": "万座", "comparator": "="}, "1.5万座—2万座"),
        ({"value": None, "comparator": ">="}, ""),
    ],
)
def test_target_value_in_chinese(target, shown):
    assert target_value(target) == shown


def test_plan_page_shows_no_comparator_symbols(sup_client, plan):
    html = sup_client.get(f"/plans/{plan.pk}/", {"target": "1"}).content.decode()
    shown = re.findall(r'<span class="muted tvalue">([^<]*)</span>', html)
    assert shown and not any(sym in s for s in shown for sym in (">=", "&gt;=", "<=", "&lt;=", "~", "range"))
    assert any(s.endswith("以上") for s in shown)
    assert any("—" in s for s in shown)  # 煤矿工作面减人60%—70%


# --- the plan year on upload -----------------------------------------------------------------


def upload(client, data, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/plans/", {"report": SimpleUploadedFile(SEED.name, data), **extra})


def test_this_years_report_opens_the_plan_directly(sup_client, seed_bytes):
    resp = upload(sup_client, seed_bytes)
    plan = Plan.objects.get()
    assert plan.plan_year == 2021 and resp["Location"] == f"/plans/{plan.pk}/"


@pytest.mark.parametrize(("today", "word"), [("2026-03-10 09:00", "往年"), ("2020-11-02 09:00", "未来")])
def test_other_years_report_is_stated_and_the_year_chosen(client, prov_sup, seed_bytes, clock, today, word):
    clock(today)
    current = int(today[:4])
    client.force_login(prov_sup)
    resp = upload(client, seed_bytes)
    plan = Plan.objects.get()
    assert resp["Location"] == f"/plans/?year_check={plan.pk}"
    html = client.get(resp["Location"]).content.decode()
    assert f"安排的是 2021 年的工作，不是今年（{current} 年）的" in html and word in html
    assert f"按 {current} 年度督办（重新分解）" in html
    assert f'href="/plans/{plan.pk}/"' in html  # keep 2021
    old_ids = set(plan.tasks.values_list("pk", flat=True))
    resp = client.post(f"/plans/{plan.pk}/year/", {"year": str(current)})
    assert resp["Location"] == f"/plans/{plan.pk}/"
    plan.refresh_from_db()
    assert plan.plan_year == current and plan.parsed["plan_year"] == current
    tasks = list(plan.tasks.all())
    assert tasks and not old_ids & {t.pk for t in tasks}
    # Tasks without a dated deadline are due at the end of the chosen year; 十四五 goals keep 2025.
    assert {t.due.year for t in tasks if not t.deadline_text} <= {current, 2025}
    assert sum(1 for t in tasks if t.due == dt.date(current, 12, 31)) > 200
    assert Event.objects.filter(action="plan.reparse", old__plan_year=2021).count() == 1
    assert verify().ok
    # A year given with the upload is the supervisor's choice: no question asked.
    Plan.objects.all().delete()
    resp = upload(client, seed_bytes, year=str(current))
    assert resp["Location"] == f"/plans/{Plan.objects.get().pk}/"


def test_choosing_the_year_is_refused_after_work_on_the_plan(prov_sup, seed_bytes, clock, prov_leader):
    clock("2026-03-10 09:00")
    plan = services.import_report(actor=prov_sup, data=seed_bytes, name=SEED.name)[0]
    with pytest.raises(Forbidden):
        services.reparse_plan(actor=prov_leader, plan_id=plan.pk, year=2026)
    for bad in ("", "abc", 1999, 2101):
        with pytest.raises(InvalidInput):
            services.reparse_plan(actor=prov_sup, plan_id=plan.pk, year=bad)
    task = plan.tasks.order_by("position").first()
    services.drop_task(actor=prov_sup, task_id=task.pk)
    events = Event.objects.count()
    with pytest.raises(InvalidState) as exc:
        services.reparse_plan(actor=prov_sup, plan_id=plan.pk, year=2026)
    assert exc.value.code == "plan_edited"
    plan.refresh_from_db()
    assert plan.plan_year == 2021 and PlanTask.objects.filter(pk=task.pk).exists()
    assert Event.objects.count() == events


# --- a batch whose dates have passed ----------------------------------------------------------


def led(plan, n):
    tasks = [t for t in plan.tasks.filter(dropped=False).order_by("position") if t.lead_codes]
    return tasks[:n]


def test_batch_with_passed_dates_lists_them_all_then_one_new_date_assigns(sup_client, plan, prov_sup):
    tasks = led(plan, 5)
    past = [tasks[1], tasks[3], tasks[4]]
    for t in past:
        services.edit_task(actor=prov_sup, task_id=t.pk, due=dt.date(2021, 3, 1))
    url = f"/plans/{plan.pk}/"
    resp = sup_client.post(
        url + "batch/",
        {"action": "assign", "not_classified": "1", "tasks": [t.pk for t in tasks]},
        follow=True,
    )
    html = resp.content.decode()
    assert Item.objects.count() == 0
    assert "3 项任务的完成时限已过" in html
    panel = html[html.index('id="past-due"') : html.index("</form>", html.index('id="past-due"'))]
    for t in past:
        t.refresh_from_db()
        assert f'href="#task-{t.pk}"' in panel and reference(t) in panel
        assert f'<input type="hidden" name="tasks" value="{t.pk}">' in panel
    for t in (tasks[0], tasks[2]):
        assert f'href="#task-{t.pk}"' not in panel
    assert 'min="2021-03-11"' in panel
    # One date for all of them, then the batch goes through.
    resp = sup_client.post(
        url + "due/",
        {"tasks": [t.pk for t in past], "due": "2021-06-30", "action": "assign", "not_classified": "1"},
        follow=True,
    )
    html = resp.content.decode()
    assert "已立项并交办 5 项督办事项" in html and 'id="past-due"' not in html
    for t in past:
        t.refresh_from_db()
        assert t.due == dt.date(2021, 6, 30) and t.item.final_due == dt.date(2021, 6, 30)
    event = Event.objects.get(action="plan.set_due")
    assert event.new["due"] == "2021-06-30" and set(event.new["tasks"]) == {t.task_id for t in past}
    assert event.old["due"] == {t.task_id: "2021-03-01" for t in past}
    assert verify().ok


def test_a_past_plan_year_after_clock_travel(plan, prov_sup, clock):
    tasks = [t for t in led(plan, 300) if t.due == dt.date(2021, 12, 31)][:4]
    assert len(tasks) == 4
    clock("2022-01-05 09:00")  # every 2021 year-end date has passed
    with pytest.raises(InvalidInput) as exc:
        services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=[t.pk for t in tasks])
    assert exc.value.code == "date_in_past" and exc.value.details["tasks"] == [t.pk for t in tasks]
    assert "4 项任务的完成时限已过" in exc.value.message
    services.set_due(actor=prov_sup, plan_id=plan.pk, task_ids=[t.pk for t in tasks], due="2022-12-31")
    items = services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=[t.pk for t in tasks])
    assert [i.final_due for i in items] == [dt.date(2022, 12, 31)] * 4


def test_set_due_refusals_change_nothing(plan, prov_sup, prov_leader):
    tasks = led(plan, 3)
    ids = [t.pk for t in tasks]
    before = {t.pk: t.due for t in plan.tasks.all()}
    events = Event.objects.count()
    with pytest.raises(Forbidden):
        services.set_due(actor=prov_leader, plan_id=plan.pk, task_ids=ids, due="2021-06-30")
    for due in ("2021-03-10", "2021-01-01", "", "31/12/2021", None, "2040-01-01"):
        with pytest.raises(InvalidInput):
            services.set_due(actor=prov_sup, plan_id=plan.pk, task_ids=ids, due=due)
    with pytest.raises(InvalidInput):
        services.set_due(actor=prov_sup, plan_id=plan.pk, task_ids=[], due="2021-06-30")
    with pytest.raises(NotFound):
        services.set_due(actor=prov_sup, plan_id=plan.pk, task_ids=[*ids, 10**9], due="2021-06-30")
    services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=ids[:1])
    events = Event.objects.count()
    with pytest.raises(InvalidState):
        services.set_due(actor=prov_sup, plan_id=plan.pk, task_ids=ids, due="2021-06-30")
    assert {t.pk: t.due for t in plan.tasks.all()} == before and Event.objects.count() == events
