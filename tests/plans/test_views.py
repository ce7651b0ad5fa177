"""The upload page and the two-pane review page, driven through the Django test client."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.items.models import Item
from duban.plans import services
from duban.plans.display import reference
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


def upload(client, name, data):
    return client.post("/plans/", {"report": SimpleUploadedFile(name, data)})


def test_list_page_shows_upload_form_to_supervisors(sup_client, client, prov_leader):
    page = sup_client.get("/plans/")
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode() and "上传并分解" in page.content.decode()
    client.force_login(prov_leader)
    page = client.get("/plans/")
    assert page.status_code == 200 and "上传并分解" not in page.content.decode()


def test_upload_then_review_page(sup_client, seed_bytes):
    resp = upload(sup_client, "报告.txt", seed_bytes)
    plan = Plan.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/plans/{plan.pk}/"
    page = sup_client.get(resp["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    task = plan.tasks.order_by("position").first()
    assert f'id="src-{task.pk}"' in html and f'id="task-{task.pk}"' in html
    assert f'href="#task-{task.pk}"' in html and f'href="#src-{task.pk}"' in html
    assert "批量立项交办" in html and 'class="pick"' in html
    # The seed plan has over 200 tasks: the first page shows 200, the second the rest.
    assert html.count('class="task card') == 200 < plan.tasks.count()
    rest = sup_client.get(f"/plans/{plan.pk}/?page=2").content.decode()
    assert rest.count('class="task card') == plan.tasks.count() - 200
    # Re-uploading opens the same plan.
    again = upload(sup_client, "copy.txt", seed_bytes)
    assert again["Location"] == f"/plans/{plan.pk}/" and Plan.objects.count() == 1


def test_upload_gb18030_works(sup_client, seed_bytes):
    resp = upload(sup_client, "report.txt", seed_bytes.decode("utf-8").encode("gb18030"))
    assert resp.status_code == 302 and Plan.objects.get().tasks.count() >= 50


@pytest.mark.parametrize("data", [b"", b"\x00\xff\x00binary" * 300], ids=["empty", "binary"])
def test_bad_upload_shows_message_and_stores_nothing(sup_client, data):
    resp = upload(sup_client, "bad.txt", data)
    assert resp.status_code == 422
    assert Plan.objects.count() == 0 and PlanTask.objects.count() == 0
    html = resp.content.decode()
    assert 'role="alert"' in html or "warn" in html


def test_too_large_upload_shows_parser_message(sup_client, settings, seed_bytes):
    settings.DUBAN_MAX_REPORT_BYTES = 2000
    resp = upload(sup_client, "big.txt", seed_bytes)
    assert resp.status_code == 422 and Plan.objects.count() == 0
    assert 'role="alert"' in resp.content.decode()


def test_county_clerk_gets_404(client, plan, county_clerk):
    client.force_login(county_clerk)
    task = plan.tasks.first()
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    assert client.post(f"/plans/{plan.pk}/tasks/{task.pk}/edit/", {"text": "x"}).status_code == 404
    assert client.post(f"/plans/{plan.pk}/batch/", {"action": "all"}).status_code == 404
    assert plan.title not in client.get("/plans/").content.decode()


def test_leader_sees_review_page_without_forms(client, plan, prov_leader):
    client.force_login(prov_leader)
    html = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "批量立项交办" not in html and 'class="pick"' not in html
    task = plan.tasks.first()
    resp = client.post(f"/plans/{plan.pk}/tasks/{task.pk}/drop/")
    assert resp.status_code == 302
    task.refresh_from_db()
    assert not task.dropped


def test_edit_form_round_trip(sup_client, plan):
    task = plan.tasks.order_by("position").first()
    page = sup_client.get(f"/plans/{plan.pk}/?edit={task.pk}")
    html = page.content.decode()
    assert 'name="text"' in html and 'name="lead"' in html and "拆分位置" in html
    resp = sup_client.post(
        f"/plans/{plan.pk}/tasks/{task.pk}/edit/",
        {
            "text": "修改后的任务表述",
            "targets": "新认定高新技术企业1000家",
            "category": "major",
            "due": "",
            "lead": ["140100"],
        },
    )
    assert resp.status_code == 302
    task.refresh_from_db()
    assert task.text == "修改后的任务表述" and task.category == "major" and task.lead_codes == ["140100"]
    bad = sup_client.post(f"/plans/{plan.pk}/tasks/{task.pk}/edit/", {"text": "", "category": "major"})
    assert bad.status_code == 422


def test_split_drop_merge_and_assign_through_the_page(sup_client, plan):
    a, b, c = list(plan.tasks.order_by("position")[:3])
    assert sup_client.post(f"/plans/{plan.pk}/tasks/{a.pk}/split/", {"at": "3"}).status_code == 302
    assert plan.tasks.count() == 1 + PlanTask.objects.filter(plan=plan).exclude(pk=a.pk).count()
    sup_client.post(f"/plans/{plan.pk}/tasks/{c.pk}/drop/")
    c.refresh_from_db()
    assert c.dropped
    sup_client.post(f"/plans/{plan.pk}/tasks/{c.pk}/drop/", {"restore": "1"})
    c.refresh_from_db()
    assert not c.dropped
    resp = sup_client.post(f"/plans/{plan.pk}/batch/", {"action": "merge", "tasks": [b.pk, c.pk]})
    assert resp.status_code == 302 and not PlanTask.objects.filter(pk=c.pk).exists()
    led = [t for t in plan.tasks.order_by("position") if t.lead_codes][:4]
    resp = sup_client.post(
        f"/plans/{plan.pk}/batch/", {"action": "assign", "not_classified": "1", "tasks": [t.pk for t in led]}
    )
    assert resp.status_code == 302 and Item.objects.count() == 4
    page = sup_client.get(resp["Location"]).content.decode()
    assert "已立项并交办 4 项督办事项" in page
    sup_client.post(
        f"/plans/{plan.pk}/batch/", {"action": "assign", "not_classified": "1", "tasks": [t.pk for t in led]}
    )
    assert Item.objects.count() == 4


def test_refused_assign_keeps_ticks_and_says_which_task(sup_client, plan):
    task = plan.tasks.filter(lead_codes=[]).first() or plan.tasks.first()
    PlanTask.objects.filter(pk=task.pk).update(lead_codes=[])
    resp = sup_client.post(
        f"/plans/{plan.pk}/batch/",
        {"action": "assign", "not_classified": "1", "tasks": [task.pk]},
        follow=True,
    )
    html = resp.content.decode()
    assert reference(task) in html and "牵头单位" in html
    assert Item.objects.count() == 0
    task.refresh_from_db()
    assert task.selected


def test_select_all_and_none(sup_client, plan):
    sup_client.post(f"/plans/{plan.pk}/batch/", {"action": "all"})
    assert plan.tasks.filter(selected=True).count() == plan.tasks.count()
    html = sup_client.get(f"/plans/{plan.pk}/").content.decode()
    assert f'<span id="pending-count">{plan.tasks.count()}</span>' in html
    sup_client.post(f"/plans/{plan.pk}/batch/", {"action": "none"})
    assert not plan.tasks.filter(selected=True).exists()


def test_source_link_jumps_to_task_span(sup_client, plan):
    task = plan.tasks.order_by("position")[5]
    resp = sup_client.get(f"/plans/{plan.pk}/source/?task={task.task_id}")
    assert resp["Location"] == f"/plans/{plan.pk}/#src-{task.pk}"
    resp = sup_client.get(f"/plans/{plan.pk}/source/?start={task.start}")
    assert resp["Location"] == f"/plans/{plan.pk}/#src-{task.pk}"


def test_batch_registration_asks_the_secrecy_confirmation(sup_client, plan):
    """Batch 立项 registers items like the new-item form: without the confirmation nothing is
    created and the page says why; with it, each item's journal row records it."""
    from duban.items.models import Item
    from duban.journal.models import Event

    led = [t for t in plan.tasks.all() if t.lead_codes and not t.dropped][:2]
    resp = sup_client.post(
        f"/plans/{plan.pk}/batch/", {"action": "assign", "tasks": [t.pk for t in led]}, follow=True
    )
    assert "请确认这些事项不涉及国家秘密" in resp.content.decode()
    assert not Item.objects.exists()
    sup_client.post(
        f"/plans/{plan.pk}/batch/", {"action": "assign", "not_classified": "1", "tasks": [t.pk for t in led]}
    )
    registered = Event.objects.filter(action="item.register")
    assert registered.count() == 2
    assert all(e.payload["secrecy"]["not_classified"] is True for e in registered)
