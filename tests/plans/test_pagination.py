"""The draft plan page shows long plans a page of tasks at a time, with the filters kept."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.plans import services
from duban.plans.views import TASKS_PER_PAGE
from tests.workplan import bombs

pytestmark = pytest.mark.django_db

CARD = re.compile(r'<article class="task card[^"]*" id="task-(\d+)"')


def cards(html: str) -> list[int]:
    return [int(pk) for pk in CARD.findall(html)]


@pytest.fixture
def plan(prov_sup, seed_bytes):
    plan, _ = services.import_report(actor=prov_sup, data=seed_bytes, name="report.txt")
    return plan


@pytest.fixture
def sup_client(client, prov_sup):
    client.force_login(prov_sup)
    return client


def get(client, plan, **params) -> str:
    resp = client.get(f"/plans/{plan.pk}/", params)
    assert resp.status_code == 200
    return resp.content.decode()


def test_pages_split_the_tasks_in_order(sup_client, plan):
    tasks = list(plan.tasks.order_by("position", "id").values_list("pk", flat=True))
    assert len(tasks) > TASKS_PER_PAGE
    first = get(sup_client, plan)
    assert cards(first) == tasks[:TASKS_PER_PAGE]
    assert f"第 1–{TASKS_PER_PAGE} 项，共 {len(tasks)} 项" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = get(sup_client, plan, page=2)
    assert cards(second) == tasks[TASKS_PER_PAGE:]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # The counts in the head are still those of the whole plan.
    assert f"共 {len(tasks)} 项任务" in second


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "99", "9" * 5000])
def test_page_parameter_is_bounded(sup_client, plan, raw):
    tasks = list(plan.tasks.order_by("position", "id").values_list("pk", flat=True))
    html = get(sup_client, plan, page=raw)
    assert cards(html) in (tasks[:TASKS_PER_PAGE], tasks[TASKS_PER_PAGE:])


def test_filters_are_kept_across_pages(sup_client, plan):
    counts: dict[str, int] = {}
    for section in plan.tasks.values_list("section", flat=True):
        counts[section] = counts.get(section, 0) + 1
    section = max(counts, key=lambda s: counts[s])
    assert counts[section] > TASKS_PER_PAGE
    html = get(sup_client, plan, section=section)
    nxt = unescape(re.search(r'<a href="([^"]*)" rel="next">', html).group(1))
    assert "section=" in nxt and "page=2" in nxt
    rest = sup_client.get(f"/plans/{plan.pk}/" + nxt).content.decode()
    shown = cards(html) + cards(rest)
    expected = list(
        plan.tasks.filter(section=section).order_by("position", "id").values_list("pk", flat=True)
    )
    assert shown == expected
    # Choosing another filter starts again at its first page.
    assert all("page=" not in unescape(h) for h in re.findall(r'class="chip[^"]*" href="([^"]*)"', html))


def test_source_spans_link_to_the_page_of_their_task(sup_client, plan):
    tasks = list(plan.tasks.order_by("position", "id"))
    html = get(sup_client, plan)
    here, there = tasks[0], tasks[-1]
    assert f'id="src-{here.pk}" href="#task-{here.pk}"' in html
    assert f'id="src-{there.pk}" href="?page=2#task-{there.pk}"' in html
    # Filtered: a task outside the filter links to its page of the whole plan.
    section = here.section
    other = next(t for t in tasks if t.section != section)
    html = get(sup_client, plan, section=section)
    page = tasks.index(other) // TASKS_PER_PAGE + 1
    expected = f"?page={page}#task-{other.pk}" if page > 1 else f"?#task-{other.pk}"
    assert f'id="src-{other.pk}" href="{expected}"' in html


def test_ticks_on_other_pages_are_kept(sup_client, plan, prov_sup):
    tasks = list(plan.tasks.order_by("position", "id"))
    far = tasks[-1]
    services.select_tasks(actor=prov_sup, plan_id=plan.pk, task_ids=[tasks[0].pk, far.pk])
    html = get(sup_client, plan)
    batch = html[html.index('id="batch"') : html.index("</form>", html.index('id="batch"'))]
    assert f'<input type="hidden" name="tasks" value="{far.pk}">' in batch
    assert f'<input type="hidden" name="tasks" value="{tasks[0].pk}">' not in batch  # its box is here
    assert 'id="pending-count">2<' in html


def test_edit_opens_the_page_of_the_task_and_comes_back_to_it(sup_client, plan):
    far = plan.tasks.order_by("-position", "-id").first()
    html = get(sup_client, plan, edit=far.pk)
    assert f'action="/plans/{plan.pk}/tasks/{far.pk}/edit/"' in html
    assert f'href="?page=2#task-{far.pk}"' in html  # 取消 returns to the same page
    resp = sup_client.post(f"/plans/{plan.pk}/tasks/{far.pk}/drop/")
    assert resp.status_code == 302 and resp["Location"] == f"/plans/{plan.pk}/?page=2#task-{far.pk}"


def test_a_plan_at_the_cap_renders_a_bounded_page(sup_client, prov_sup):
    data = bombs.many_tasks(1_500)  # about 2,900 tasks, under the 3,000 cap
    plan, _ = services.import_report(actor=prov_sup, data=SimpleUploadedFile("big.txt", data), name="big.txt")
    total = plan.tasks.count()
    assert total > 2_500
    html = get(sup_client, plan)
    assert len(cards(html)) == TASKS_PER_PAGE
    # The source pane still shows the whole report; the task pane only its page: a few MB at
    # most where the whole plan on one page was over a hundred.
    assert len(html.encode()) < 4 * 1024 * 1024, len(html.encode())
    last = get(sup_client, plan, page=-(-total // TASKS_PER_PAGE))
    assert len(cards(last)) == total - (-(-total // TASKS_PER_PAGE) - 1) * TASKS_PER_PAGE
