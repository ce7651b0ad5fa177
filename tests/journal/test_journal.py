"""The journal: one event per write, a hash chain that notices any edit or deletion, no updates."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from duban.core.errors import InvalidState
from duban.items import services
from duban.items.models import Extension, Track
from duban.journal import triggers
from duban.journal.models import AppendOnly, Event, Head
from duban.journal.services import GENESIS, compute_hash, record, verify
from tests.conftest import unit


def the_track(item):
    return Track.objects.get(item=item, parent__isnull=True)


def one_event(write):
    """Run ``write`` and return the single event it appended (failing if it made 0 or 2+)."""
    last = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    result = write()
    new = list(Event.objects.filter(seq__gt=last).order_by("seq"))
    assert len(new) == 1, [e.action for e in new]
    return new[0], result


def test_each_step_of_a_lifecycle_appends_exactly_one_event(
    assigned_item, prov_sup, prov_leader, county_clerk, county_head, clock
):
    track = the_track(assigned_item)
    xiaodian = unit("140105")
    clock("2021-10-08 09:00")

    e, _ = one_event(
        lambda: services.route(actor=county_head, track_id=track.pk, assignee_id=county_clerk.pk)
    )
    assert (e.action, e.actor, e.actor_unit, e.track_id) == ("track.route", county_head, xiaodian, track.pk)
    assert e.old == {"assignee": None} and e.new["assignee"] == county_clerk.pk

    e, _ = one_event(lambda: services.sign(actor=county_clerk, track_id=track.pk))
    assert (e.action, e.actor, e.actor_unit) == ("track.sign", county_clerk, xiaodian)
    assert (e.old, e.new) == ({"state": "assigned"}, {"state": "signed"})
    assert e.item_id == assigned_item.pk and e.track_id == track.pk

    steps = [("deploy", "signed", "deployed"), ("feedback", "deployed", "in_progress")]
    for kind, old, new in steps:
        e, report = one_event(
            lambda kind=kind: services.file_report(
                actor=county_clerk, track_id=track.pk, kind=kind, done="已办"
            )
        )
        assert (e.action, e.actor, e.object_type, e.object_id) == (
            f"report.{kind}",
            county_clerk,
            "report",
            report.pk,
        )
        assert (e.old, e.new) == ({"state": old}, {"state": new})

    e, _ = one_event(lambda: services.urge(actor=prov_sup, track_id=track.pk, message="请加快进度"))
    assert (e.action, e.actor, e.actor_unit) == ("track.urge", prov_sup, prov_sup.unit)
    assert e.payload == {"message": "请加快进度"}

    e, ext = one_event(
        lambda: services.request_extension(
            actor=county_clerk, track_id=track.pk, reason="需协调多个部门", proposed_due=dt.date(2021, 10, 22)
        )
    )
    assert e.actor == county_clerk and e.object_id == ext.pk
    e, _ = one_event(lambda: services.decide_extension(actor=prov_sup, extension_id=ext.pk, grant=True))
    assert e.action == "extension.grant" and e.actor == prov_sup
    assert e.old["due"].startswith("2021-10-15") and e.new["due"].startswith("2021-10-22")
    assert Extension.objects.get(pk=ext.pk).state == "granted"

    e, _ = one_event(
        lambda: services.add_instruction(actor=prov_leader, item_id=assigned_item.pk, text="抓紧落实")
    )
    assert (e.action, e.actor, e.item_id, e.track_id) == (
        "item.instruct",
        prov_leader,
        assigned_item.pk,
        None,
    )

    e, _ = one_event(
        lambda: services.file_report(actor=county_clerk, track_id=track.pk, kind="result", done="完成")
    )
    assert (e.old, e.new) == ({"state": "in_progress"}, {"state": "requested"})
    e, _ = one_event(lambda: services.return_track(actor=prov_sup, track_id=track.pk, reason="缺少佐证"))
    assert (e.action, e.old["state"], e.new["state"], e.payload) == (
        "track.return",
        "requested",
        "returned",
        {"reason": "缺少佐证"},
    )
    one_event(
        lambda: services.file_report(actor=county_clerk, track_id=track.pk, kind="result", done="补充材料")
    )
    e, _ = one_event(lambda: services.close_track(actor=prov_sup, track_id=track.pk, rating="excellent"))
    assert (e.action, e.actor, e.old, e.new) == (
        "track.close",
        prov_sup,
        {"state": "requested"},
        {"state": "closed", "rating": "excellent"},
    )
    assert verify().ok


def test_a_refused_write_appends_nothing(assigned_item, county_clerk, county_head, clock):
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    count = Event.objects.count()
    with pytest.raises(InvalidState):
        services.sign(actor=county_head, track_id=track.pk)
    assert Event.objects.count() == count
    assert Head.objects.get(id=1).seq == Event.objects.order_by("-seq").first().seq


def test_pass_down_journals_each_child_track(assigned_item, county_clerk, clock):
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    last = Event.objects.order_by("-seq").first().seq
    children = services.pass_down(actor=county_clerk, track_id=track.pk, units=[unit("140105001")])
    new = list(Event.objects.filter(seq__gt=last))
    assert [(e.action, e.track_id, e.actor_id) for e in new] == [
        ("track.pass_down", children[0].pk, county_clerk.pk)
    ]
    assert new[0].new["parent"] == track.pk


# --- the chain --------------------------------------------------------------------------------


@pytest.fixture
def journal(assigned_item, county_clerk, clock):
    """Six chained events: register, assign, sign, deploy, feedback, result."""
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    for kind in ("deploy", "feedback", "result"):
        services.file_report(actor=county_clerk, track_id=track.pk, kind=kind, done="已办")
    seqs = list(Event.objects.filter(item=assigned_item).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + 6))
    return seqs


def sql(statement, *params):
    """Tamper as the database's owner would: lift the append-only triggers first (the test's
    transaction puts them back), so what is left to catch the rewrite is the hash chain."""
    triggers.drop(connection)
    with connection.cursor() as cur:
        cur.execute(statement, params)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_event SET payload = '{}' WHERE seq = %s",
        "UPDATE journal_event SET hash = 'x' WHERE seq = %s",
        "DELETE FROM journal_event WHERE seq = %s",
        "DELETE FROM journal_event WHERE seq >= %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_journal_rows(journal, statement):
    assert triggers.installed(connection)
    before = list(Event.objects.order_by("seq").values_list("seq", "hash", "payload"))
    with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement, [journal[2]])
    assert "append-only" in str(exc.value)
    assert list(Event.objects.order_by("seq").values_list("seq", "hash", "payload")) == before
    assert verify().ok


def test_queryset_update_and_delete_are_refused_by_the_database(journal):
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(seq=journal[0]).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(seq__gte=journal[3])._raw_delete(connection.alias)
    assert Event.objects.filter(seq__in=journal).count() == len(journal)
    assert not Event.objects.filter(action="forged").exists()


def test_emptying_the_table_is_refused(journal):
    # PostgreSQL's TRUNCATE fires no row triggers, so it has a statement trigger of its own;
    # SQLite's whole-table DELETE (its truncate shortcut) must fire the row trigger.
    wipe = (
        "TRUNCATE journal_event CASCADE" if connection.vendor == "postgresql" else "DELETE FROM journal_event"
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(wipe)
    assert Event.objects.count() >= len(journal)


def test_an_intact_chain_verifies(journal):
    events = list(Event.objects.order_by("seq"))
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    verdict = verify()
    assert verdict.ok and verdict.checked == len(events)
    head = Head.objects.get(id=1)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    out = call_command_output("verify_journal")
    assert f"OK: {len(events)} events" in out


def call_command_output(name):
    from io import StringIO

    buf = StringIO()
    call_command(name, stdout=buf)
    return buf.getvalue()


def assert_broken_at(seq):
    verdict = verify()
    assert not verdict.ok
    assert verdict.broken_seq == seq, verdict
    with pytest.raises(CommandError) as e:
        call_command("verify_journal")
    assert f"seq {seq}:" in str(e.value)


def test_an_edited_payload_is_detected_at_that_row(journal):
    target = journal[3]
    sql('UPDATE journal_event SET payload = \'{"attachments": [], "late": true}\' WHERE seq = %s', target)
    assert_broken_at(target)


def test_an_edited_actor_is_detected(journal, prov_sup):
    target = journal[2]
    sql("UPDATE journal_event SET actor_id = %s WHERE seq = %s", prov_sup.pk, target)
    assert_broken_at(target)


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(journal):
    # Someone who edits a row and re-computes its hash still breaks the following row's prev_hash.
    target = Event.objects.get(seq=journal[2])
    fields = {
        f: getattr(target, f)
        for f in (
            "seq",
            "at",
            "actor_id",
            "actor_unit_id",
            "action",
            "item_id",
            "track_id",
            "object_type",
            "object_id",
            "old",
            "new",
            "payload",
            "prev_hash",
        )
    }
    fields["new"] = {"state": "closed"}
    forged = compute_hash(**fields)
    sql(
        'UPDATE journal_event SET new = \'{"state": "closed"}\', hash = %s WHERE seq = %s', forged, target.seq
    )
    assert_broken_at(journal[3])


def test_a_deleted_middle_row_is_detected(journal):
    sql("DELETE FROM journal_event WHERE seq = %s", journal[2])
    assert_broken_at(journal[3])
    assert f"应为 {journal[2]}" in verify().reason


def test_a_deleted_last_row_is_detected(journal):
    sql("DELETE FROM journal_event WHERE seq = %s", journal[-1])
    assert_broken_at(journal[-1])


def test_rows_cannot_be_changed_or_deleted_through_the_model(journal):
    event = Event.objects.get(seq=journal[1])
    event.payload = {"tampered": True}
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    assert Event.objects.get(seq=journal[1]).payload != {"tampered": True}
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    assert not connection.in_atomic_block
    before = Event.objects.count()
    with pytest.raises(RuntimeError):
        record(actor=None, action="test.outside")
    assert Event.objects.count() == before
    assert not Event.objects.filter(action="test.outside").exists()


def test_events_of_two_tracks_share_one_chain(assigned_item, prov_sup, county_clerk, sibling_clerk, clock):
    clock("2021-10-08 09:00")
    (other,) = services.assign_item(actor=prov_sup, item_id=assigned_item.pk, lead=[unit("140106")])
    services.sign(actor=county_clerk, track_id=Track.objects.get(item=assigned_item, unit=unit("140105")).pk)
    services.sign(actor=sibling_clerk, track_id=other.pk)
    events = list(Event.objects.order_by("seq"))
    assert [e.action for e in events][-3:] == ["track.assign", "track.sign", "track.sign"]
    verdict = verify()
    assert verdict.ok and verdict.checked == len(events)
