"""Decomposing a work report into a draft plan, reviewing it, and assigning it in one batch."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from duban.core.errors import Forbidden, InvalidInput, InvalidState, NotFound
from duban.items.models import Category, Item, Source, Track
from duban.journal.models import Event
from duban.journal.services import verify
from duban.plans import selectors, services
from duban.plans.display import reference
from duban.plans.models import Plan, PlanTask
from tests.conftest import make_user

SEED = Path(__file__).resolve().parents[2] / "duban" / "data" / "shanxi_2021_government_work_report.txt"


@pytest.fixture
def plan(prov_sup, seed_bytes, clock):
    clock("2021-03-10 09:00")
    plan, created = services.import_report(actor=prov_sup, data=seed_bytes, name=SEED.name)
    assert created
    return plan


def led_tasks(plan, n):
    """The first ``n`` live tasks that already have a lead unit from the suggestions."""
    tasks = [t for t in plan.tasks.filter(dropped=False).order_by("position") if t.lead_codes]
    assert len(tasks) >= n
    return tasks[:n]


# --- import ----------------------------------------------------------------------------------


def test_seed_import_creates_plan_with_tasks_pointing_into_text(plan, prov_sup):
    tasks = list(plan.tasks.all())
    assert len(tasks) >= 50
    assert plan.issuer_unit == prov_sup.unit and plan.plan_year == 2021
    assert len(plan.sha256) == 64 and plan.text
    for t in tasks:
        assert 0 <= t.start < t.end <= len(plan.text)
        span = plan.text[t.start : t.end]
        assert t.text.strip() and (t.text in span or span.strip() in t.text)
        for tg in t.targets:
            assert plan.text[tg["start"] : tg["end"]] == tg["text"]
            assert t.start <= tg["start"] and tg["end"] <= t.end
    # Suggestions become default lead units, matched to org units by name.
    assert sum(1 for t in tasks if t.lead_codes) >= 10
    assert Event.objects.filter(action="plan.import", object_id=plan.pk).count() == 1


def test_tasks_without_a_deadline_are_due_at_the_end_of_their_own_plan_year(plan):
    goals = plan.tasks.filter(section="二", deadline_text="")
    work = plan.tasks.filter(section="三", deadline_text="")
    assert goals.exists() and work.exists()
    assert {t.due for t in goals} == {dt.date(2025, 12, 31)}
    assert {t.due for t in work} == {dt.date(2021, 12, 31)}
    # A deadline in the text wins: 8月底前 in the 2021 plan.
    assert plan.tasks.get(section="三", deadline_text="8月底前").due == dt.date(2021, 8, 31)


def test_reimport_is_idempotent_and_keeps_edits(plan, prov_sup, seed_bytes):
    task = plan.tasks.order_by("position").first()
    services.edit_task(actor=prov_sup, task_id=task.pk, text="改过的措辞", category=Category.MAJOR)
    count = plan.tasks.count()
    again, created = services.import_report(actor=prov_sup, data=seed_bytes, name="again.txt")
    assert not created and again.pk == plan.pk
    assert Plan.objects.count() == 1 and plan.tasks.count() == count
    task.refresh_from_db()
    assert task.text == "改过的措辞" and task.category == Category.MAJOR


def test_cli_import_creates_then_finds_plan(prov_sup, capsys, clock):
    clock("2021-03-10 09:00")
    call_command("import_report", str(SEED), issuer="140000")
    out = capsys.readouterr().out
    assert "created" in out
    call_command("import_report", str(SEED), issuer="140000")
    assert "exists" in capsys.readouterr().out
    assert Plan.objects.filter(issuer_unit__code="140000").count() == 1
    assert Plan.objects.get().created_by is None


def test_cli_refuses_bad_report_with_exit_2(shanxi, tmp_path):
    bad = tmp_path / "blob.txt"
    bad.write_bytes(b"\x00\x01\x02binary\x00" * 100)
    with pytest.raises(CommandError) as exc:
        call_command("import_report", str(bad), issuer="140000")
    assert exc.value.returncode == 2
    assert exc.value.args[0]
    assert Plan.objects.count() == 0
    with pytest.raises(CommandError) as exc:
        call_command("import_report", str(SEED), issuer="999999")
    assert exc.value.returncode == 2 and "999999" in exc.value.args[0]


def test_gb18030_report_imports(prov_sup, seed_bytes, clock):
    clock("2021-03-10 09:00")
    gb = seed_bytes.decode("utf-8").encode("gb18030")
    plan, created = services.import_report(actor=prov_sup, data=gb, name="report-gbk.txt")
    assert created and plan.tasks.count() >= 50
    assert "18030" in plan.encoding.replace("_", "").upper() or "GB" in plan.encoding.upper()
    t = plan.tasks.first()
    assert t.text in plan.text[t.start : t.end] or plan.text[t.start : t.end].strip() in t.text


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n  ", b"\x00\x01\x02\x03binary\x00\xff" * 200],
    ids=["empty", "blank", "binary"],
)
def test_bad_upload_refused_and_nothing_stored(prov_sup, data):
    events = Event.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.import_report(actor=prov_sup, data=data, name="x.txt")
    assert exc.value.message and exc.value.code.startswith("bad_report")
    assert Plan.objects.count() == 0 and PlanTask.objects.count() == 0
    assert Event.objects.count() == events


def test_too_large_upload_refused(prov_sup, settings, seed_bytes):
    settings.DUBAN_MAX_REPORT_BYTES = 1000
    with pytest.raises(InvalidInput) as exc:
        services.import_report(actor=prov_sup, data=SimpleUploadedFile("big.txt", seed_bytes), name="big.txt")
    assert exc.value.message
    assert Plan.objects.count() == 0


def test_only_supervisors_import(county_clerk, prov_leader, seed_bytes):
    for who in (county_clerk, prov_leader):
        with pytest.raises(Forbidden):
            services.import_report(actor=who, data=seed_bytes, name="r.txt")
    assert Plan.objects.count() == 0


# --- editing ---------------------------------------------------------------------------------


def test_edit_task_is_journaled_and_validated(plan, prov_sup):
    task = plan.tasks.order_by("position")[2]
    services.edit_task(
        actor=prov_sup,
        task_id=task.pk,
        text="  新认定高新技术企业1000家。 ",
        targets=["新认定高新技术企业1000家", "再新建5G基站1.5万座"],
        category=Category.GENERAL,
        due=dt.date(2021, 8, 31),
        lead=["140100"],
        coop=["140100", "140200"],
    )
    task.refresh_from_db()
    assert task.text == "新认定高新技术企业1000家。"
    assert [t["text"] for t in task.targets] == ["新认定高新技术企业1000家", "再新建5G基站1.5万座"]
    assert task.targets[1]["value"] == 15000 and task.targets[1]["unit"] == "座"
    assert task.lead_codes == ["140100"] and task.coop_codes == ["140200"]
    ev = Event.objects.filter(action="plan.edit_task", object_id=task.pk).get()
    assert ev.new["text"] == task.text and ev.old["text"] != task.text
    with pytest.raises(InvalidInput):
        services.edit_task(actor=prov_sup, task_id=task.pk, text="   ")
    with pytest.raises(InvalidInput):
        services.edit_task(actor=prov_sup, task_id=task.pk, lead=["140000"])  # the issuer itself
    with pytest.raises(InvalidInput):
        services.edit_task(actor=prov_sup, task_id=task.pk, category="urgent")


def test_merge_adjacent_tasks(plan, prov_sup):
    a, b, c = list(plan.tasks.order_by("position")[:3])
    with pytest.raises(InvalidInput):
        services.merge_tasks(actor=prov_sup, plan_id=plan.pk, task_ids=[a.pk, c.pk])
    merged = services.merge_tasks(actor=prov_sup, plan_id=plan.pk, task_ids=[b.pk, a.pk])
    assert merged.pk == a.pk
    assert not PlanTask.objects.filter(pk=b.pk).exists()
    assert merged.start == a.start and merged.end == b.end
    assert merged.text.startswith(a.text.rstrip("。；")) and merged.text.endswith(b.text)
    assert [t.position for t in plan.tasks.order_by("position")][:2] == [1, 2]
    assert Event.objects.filter(action="plan.merge").count() == 1


def test_merge_skips_dropped_lines_between(plan, prov_sup):
    a, b, c = list(plan.tasks.order_by("position")[:3])
    services.drop_task(actor=prov_sup, task_id=b.pk)
    merged = services.merge_tasks(actor=prov_sup, plan_id=plan.pk, task_ids=[a.pk, c.pk])
    assert merged.end == c.end


def test_split_at_position_and_at_semicolon(plan, prov_sup):
    task = plan.tasks.order_by("position").first()
    text = task.text
    first, second = services.split_task(actor=prov_sup, task_id=task.pk, at=4)
    assert first.text == text[:4].strip() and second.text == text[4:].strip()
    assert first.end == second.start and first.start == task.start and second.end == task.end
    assert second.task_id != first.task_id and second.position == first.position + 1
    with pytest.raises(InvalidInput):
        services.split_task(actor=prov_sup, task_id=first.pk, at=0)
    services.edit_task(actor=prov_sup, task_id=second.pk, text="甲项工作；乙项工作。")
    a, b = services.split_task(actor=prov_sup, task_id=second.pk)
    assert a.text == "甲项工作；" and b.text == "乙项工作。"
    assert a.start < a.end == b.start < b.end


def test_drop_and_restore(plan, prov_sup):
    task = plan.tasks.order_by("position").first()
    services.select_tasks(actor=prov_sup, plan_id=plan.pk, task_ids=[task.pk])
    services.drop_task(actor=prov_sup, task_id=task.pk)
    task.refresh_from_db()
    assert task.dropped and not task.selected
    assert services.pending_tasks(plan) == []
    services.drop_task(actor=prov_sup, task_id=task.pk, dropped=False)
    task.refresh_from_db()
    assert not task.dropped
    assert [e.action for e in Event.objects.filter(object_id=task.pk, object_type="plantask")] == [
        "plan.drop",
        "plan.restore",
    ]


# --- batch assignment ------------------------------------------------------------------------


def test_batch_assign_ten_tasks(plan, prov_sup):
    tasks = led_tasks(plan, 10)
    services.select_tasks(actor=prov_sup, plan_id=plan.pk, task_ids=[t.pk for t in tasks])
    assert len(services.pending_tasks(plan)) == 10
    items = services.assign_batch(actor=prov_sup, plan_id=plan.pk)
    assert len(items) == 10 and Item.objects.count() == 10
    for task, item in zip(tasks, items, strict=True):
        task.refresh_from_db()
        assert task.item == item and not task.selected
        assert item.source == Source.WORK_REPORT and item.issuer_unit == prov_sup.unit
        assert item.category == Category.CONTINUOUS and item.final_due == (task.due or dt.date(2021, 12, 31))
        assert item.progress_days and all(d.endswith("-25") for d in item.progress_days)
        assert item.external_id == services.external_id(plan.sha256, task.start, task.end)
        # A short title from the commitment's words; the full sentence is the body.
        assert 2 <= len(item.title) <= 30
        assert all(piece in " ".join(task.text.split()) for piece in item.title.split("等"))
        assert item.body.startswith(task.text)
        assert item.source_ref == {
            "plan": plan.pk,
            "task": task.task_id,
            "section": task.section,
            "start": task.start,
            "end": task.end,
        }
        # The task's quantitative targets become the item's, owned by its lead track.
        targets = list(item.targets.order_by("id"))
        assert [t.source_text for t in targets] == [
            x["text"] for x in task.targets if x.get("value") is not None
        ]
        assert all(
            t.track.role == "lead" and t.kind == x["kind"]
            for t, x in zip(targets, task.targets, strict=False)
        )
        leads = Track.objects.filter(item=item, role="lead")
        assert sorted(leads.values_list("unit__code", flat=True)) == sorted(task.lead_codes)
        assert Track.objects.filter(item=item).count() == len(task.lead_codes) + len(task.coop_codes)
    assert sum(item.targets.count() for item in items) > 0
    assert Event.objects.filter(action="plan.assign").count() == 1
    assert verify().ok


def test_batch_with_one_invalid_task_creates_nothing(plan, prov_sup):
    tasks = led_tasks(plan, 5)
    bad = tasks[3]
    services.edit_task(actor=prov_sup, task_id=bad.pk, lead=[])
    events = Event.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=[t.pk for t in tasks])
    assert reference(bad) in exc.value.message and "牵头单位" in exc.value.message
    assert Item.objects.count() == 0 and Track.objects.count() == 0
    assert not PlanTask.objects.filter(item__isnull=False).exists()
    assert Event.objects.count() == events


def test_batch_error_from_item_services_names_task(plan, prov_sup, clock):
    tasks = led_tasks(plan, 3)
    services.edit_task(actor=prov_sup, task_id=tasks[1].pk, due=dt.date(2021, 3, 1))  # already past
    with pytest.raises(InvalidInput) as exc:
        services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=[t.pk for t in tasks])
    assert reference(tasks[1]) in exc.value.message
    assert Item.objects.count() == 0


def test_assigning_again_creates_nothing(plan, prov_sup):
    tasks = led_tasks(plan, 3)
    ids = [t.pk for t in tasks]
    assert len(services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=ids)) == 3
    assert services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=ids) == []
    services.select_tasks(actor=prov_sup, plan_id=plan.pk, all=True)
    assert not any(t.pk in ids for t in services.pending_tasks(plan))
    assert Item.objects.count() == 3 and Track.objects.filter(role="lead").count() == 3
    with pytest.raises(InvalidState):
        services.edit_task(actor=prov_sup, task_id=ids[0], text="已交办后不能再改")


def test_same_ids_survive_plan_recreation(plan, prov_sup, seed_bytes):
    """External ids come from the report hash and span, so items are found, not duplicated."""
    task = led_tasks(plan, 1)[0]
    [item] = services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=[task.pk])
    assert item.external_id.startswith("wr:" + plan.sha256[:32])
    PlanTask.objects.filter(plan=plan).update(item=None)  # simulate a lost link
    [again] = services.assign_batch(actor=prov_sup, plan_id=plan.pk, task_ids=[task.pk])
    assert again.pk == item.pk and Item.objects.count() == 1


# --- permissions -----------------------------------------------------------------------------


def test_visibility_and_edit_rights(plan, prov_sup, prov_leader, city_sup, county_clerk, admin_user):
    assert selectors.get_plan(prov_leader, plan.pk) == plan
    for who in (county_clerk, city_sup):
        with pytest.raises(NotFound):
            selectors.get_plan(who, plan.pk)
        with pytest.raises(NotFound):
            services.edit_task(actor=who, task_id=plan.tasks.first().pk, text="x")
        with pytest.raises(NotFound):
            services.assign_batch(actor=who, plan_id=plan.pk)
    with pytest.raises(Forbidden):
        services.edit_task(actor=prov_leader, task_id=plan.tasks.first().pk, text="x")
    other_sup = make_user("other_sup", prov_sup.unit, "supervisor")
    services.edit_task(actor=other_sup, task_id=plan.tasks.first().pk, text="同单位督查员可以修改")


def test_city_plan_visible_to_province_supervisor(city_sup, prov_sup, county_clerk, seed_bytes, clock):
    clock("2021-03-10 09:00")
    plan, _ = services.import_report(actor=city_sup, data=seed_bytes, name="r.txt")
    assert selectors.get_plan(prov_sup, plan.pk) == plan
    assert plan not in selectors.plans_visible_to(county_clerk)
    with pytest.raises(Forbidden):
        services.drop_task(actor=prov_sup, task_id=plan.tasks.first().pk)
