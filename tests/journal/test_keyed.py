"""The keyed journal against someone who can rewrite the database but does not hold the key, and
checkpoints kept outside the database against cutting the chain back.

Each attack is raw SQL on the test's database (PostgreSQL or SQLite) after dropping the
append-only triggers, as the database's owner could; the test's transaction puts them back.
"""

from __future__ import annotations

import json
import re
import stat
import types
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from duban.items import services
from duban.items.models import Track
from duban.journal import keys, triggers
from duban.journal.models import Checkpoint, Event, Head
from duban.journal.services import (
    Anchor,
    compute_hash,
    legacy_hash,
    parse_line,
    record,
    take_checkpoint,
    verify,
)

LINE = re.compile(r"^DUBAN-CP [0-9]+ [0-9a-f]{64} [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z [0-9a-f]{64}$")
FIELDS = (
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


# --- tampering helpers: what someone with the database but not the key can do ------------------


def run(statement, *params):
    triggers.drop(connection)
    with connection.cursor() as cur:
        cur.execute(statement, params)


def as_json(column):
    return f"{column} = %s::jsonb" if connection.vendor == "postgresql" else f"{column} = %s"


def rechain(from_seq, hasher):
    """Re-hash every row from ``from_seq`` on with ``hasher`` and move the head to the new tail:
    a consistent-looking chain made with the app's own hash function."""
    triggers.drop(connection)
    prev = Event.objects.get(seq=from_seq - 1).hash if from_seq > 1 else "0" * 64
    for e in Event.objects.filter(seq__gte=from_seq).order_by("seq"):
        fields = {f: getattr(e, f) for f in FIELDS} | {"prev_hash": prev}
        if e.action == "journal.checkpoint":  # a thorough forger keeps these consistent too
            fields["payload"] = e.payload | {"hash": prev}
            run(
                f"UPDATE journal_event SET {as_json('payload')} WHERE seq = %s",
                json.dumps(fields["payload"]),
                e.seq,
            )
        digest = hasher(**fields)
        run("UPDATE journal_event SET prev_hash = %s, hash = %s WHERE seq = %s", prev, digest, e.seq)
        prev = digest
    last = Event.objects.order_by("-seq").first()
    run("UPDATE journal_head SET seq = %s, hash = %s WHERE id = 1", last.seq, prev)


def cut_back_to(seq):
    """Delete every row after ``seq`` and point the head at row ``seq``: a tidy rewind."""
    row = Event.objects.get(seq=seq)
    run("DELETE FROM journal_event WHERE seq > %s", seq)
    run("UPDATE journal_head SET seq = %s, hash = %s WHERE id = 1", seq, row.hash)


def the_track(item):
    return Track.objects.get(item=item, parent__isnull=True)


@pytest.fixture
def closed(assigned_item, county_clerk, prov_sup, clock):
    """An item's whole life, ending in a close rated 优秀; returns the close's event."""
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    for kind in ("deploy", "feedback", "result"):
        services.file_report(actor=county_clerk, track_id=track.pk, kind=kind, done="已办")
    services.close_track(actor=prov_sup, track_id=track.pk, rating="excellent")
    more_events(1, clock, start="2021-10-18 09:00")  # something after the close
    return Event.objects.get(action="track.close", track_id=track.pk)


def more_events(n, clock_, start="2021-10-20 09:00"):
    clock_(start)
    for i in range(n):
        from django.db import transaction

        with transaction.atomic():
            record(actor=None, action="test.tick", payload={"i": i})


def output(name, *args):
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- the key ---------------------------------------------------------------------------------------


def test_rows_are_hmacs_under_the_configured_key(closed):
    fields = {f: getattr(closed, f) for f in FIELDS}
    assert closed.hash == compute_hash(key=keys.load(), **fields) == compute_hash(**fields)
    assert closed.hash != compute_hash(key=b"another-key-of-at-least-32-bytes!!", **fields)
    assert closed.hash != legacy_hash(**fields)  # plain SHA-256 no longer makes a valid row
    assert verify().ok


@pytest.mark.parametrize(
    "hasher",
    [
        pytest.param(lambda **f: compute_hash(key=b"attacker-guess-0123456789abcdef!!", **f), id="own-key"),
        pytest.param(legacy_hash, id="plain-sha256"),
    ],
)
def test_a_changed_rating_rechained_without_the_key_is_detected(closed, hasher):
    run(
        f"UPDATE journal_event SET {as_json('new')} WHERE seq = %s",
        json.dumps({"state": "closed", "rating": "fail"}),
        closed.seq,
    )
    rechain(closed.seq, hasher)
    # The forgery is internally consistent: every prev_hash links and the head fits the tail.
    events = list(Event.objects.order_by("seq"))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert Event.objects.get(seq=closed.seq).new["rating"] == "fail"
    verdict = verify()
    assert not verdict.ok
    assert verdict.broken_seq == closed.seq
    assert "本行内容与其哈希不符" in verdict.reason
    with pytest.raises(CommandError, match=f"seq {closed.seq}:"):
        call_command("verify_journal")


def test_passing_the_chain_off_as_written_before_keys_is_detected(closed):
    # Declare every row "legacy" (plain SHA-256, before the key) and rewrite them all unkeyed.
    run(
        f"UPDATE journal_event SET {as_json('new')} WHERE seq = %s",
        json.dumps({"state": "closed", "rating": "fail"}),
        closed.seq,
    )
    rechain(1, legacy_hash)
    head = Head.objects.get(id=1)
    run("UPDATE journal_head SET keyed_from = %s WHERE id = 1", head.seq + 1)
    verdict = verify()
    assert not verdict.ok and "密钥标识" in verdict.reason
    # Clearing the seal as if no key had ever signed is no way out either, and writes stop.
    run("UPDATE journal_head SET key_seal = '' WHERE id = 1")
    assert not verify().ok
    with pytest.raises(keys.JournalKeyError, match="链头被改动过"):
        from django.db import transaction

        with transaction.atomic():
            record(actor=None, action="test.after")
    assert not Event.objects.filter(action="test.after").exists()


def test_a_different_key_cannot_verify_or_write(closed, monkeypatch):
    monkeypatch.setenv("DUBAN_JOURNAL_KEY", "a-different-key-0123456789abcdefghij")
    with pytest.raises(CommandError, match="密钥标识"):
        call_command("verify_journal")
    with pytest.raises(keys.JournalKeyError, match="不是签署本日志的密钥"):
        from django.db import transaction

        with transaction.atomic():
            record(actor=None, action="test.other_key")
    monkeypatch.delenv("DUBAN_JOURNAL_KEY")
    assert not Event.objects.filter(action="test.other_key").exists()


def test_a_missing_key_is_a_clear_refusal_once_the_journal_is_signed(closed, monkeypatch, tmp_path):
    monkeypatch.delenv("DUBAN_JOURNAL_KEY")
    monkeypatch.setenv("DUBAN_JOURNAL_KEY_FILE", str(tmp_path / "journal.key"))
    count = Event.objects.count()
    with pytest.raises(keys.JournalKeyError, match="缺少日志密钥"):
        from django.db import transaction

        with transaction.atomic():
            record(actor=None, action="test.no_key")
    # No key file is made for a journal another key already signs: that would fork the chain.
    assert not (tmp_path / "journal.key").exists()
    assert Event.objects.count() == count
    with pytest.raises(CommandError, match="缺少日志密钥"):
        call_command("verify_journal")


def test_the_key_file_is_made_once_private_and_reused(monkeypatch, tmp_path):
    monkeypatch.delenv("DUBAN_JOURNAL_KEY", raising=False)
    path = tmp_path / "keys" / "journal.key"
    monkeypatch.setenv("DUBAN_JOURNAL_KEY_FILE", str(path))
    with pytest.raises(keys.JournalKeyError):
        keys.load()
    key = keys.load(create=True)
    assert re.fullmatch(rb"[0-9a-f]{64}", key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().strip() == key
    keys.forget()
    assert keys.load() == keys.load(create=True) == key
    # The same key given in the environment is the same key.
    monkeypatch.setenv("DUBAN_JOURNAL_KEY", key.decode())
    assert keys.load() == key
    monkeypatch.setenv("DUBAN_JOURNAL_KEY", "short")
    with pytest.raises(keys.JournalKeyError, match="太短"):
        keys.load()


# --- checkpoints ---------------------------------------------------------------------------------


def test_a_checkpoint_is_signed_stored_printed_and_journaled(closed, clock):
    head = Head.objects.get(id=1)
    out, err = output("journal_checkpoint")
    line = out.strip()
    assert LINE.match(line), line
    cp = Checkpoint.objects.get()
    assert (cp.seq, cp.hash) == (head.seq, head.hash)
    assert line == Anchor.of(cp).line == f"DUBAN-CP {cp.seq} {cp.hash} {line.split()[3]} {cp.signature}"
    assert "verify-journal --since" in err and keys.fingerprint(keys.load()) in err
    e = Event.objects.get(seq=cp.seq + 1)
    assert (e.action, e.object_type, e.object_id) == ("journal.checkpoint", "checkpoint", cp.pk)
    assert e.payload == {"seq": cp.seq, "hash": cp.hash, "signature": cp.signature}
    assert Head.objects.get(id=1).seq == cp.seq + 1
    for since in (line, str(cp.seq)):
        out, _ = output("verify_journal", "--since", since)
        assert out.startswith(f"OK: {cp.seq + 1} events") and "1 checkpoints hold" in out, out
    assert verify().anchors == 1


def test_checkpoints_export_to_a_file_verify_journal_reads(closed, clock, tmp_path):
    first = take_checkpoint(actor=None)
    more_events(2, clock)
    second = take_checkpoint(actor=None)
    target = tmp_path / "cp.txt"
    output("journal_checkpoint", "--export", str(target))
    lines = target.read_text("utf-8").splitlines()
    assert lines[0].startswith("# Duban journal checkpoints") and keys.fingerprint(keys.load()) in lines[0]
    assert [line for line in lines if not line.startswith("#")] == [
        Anchor.of(first).line,
        Anchor.of(second).line,
    ]
    out, _ = output("journal_checkpoint", "--export", "-")
    assert out.splitlines()[2:] == lines[2:]
    out, _ = output("verify_journal", "--since", str(target))
    assert out.startswith("OK: ") and "2 checkpoints hold" in out  # the stored two are the ones in the file


def test_rows_deleted_and_the_head_moved_back_are_caught_by_an_earlier_checkpoint(closed, clock):
    line = Anchor.of(take_checkpoint(actor=None)).line
    cp_seq = parse_line(line).seq
    more_events(3, clock)
    # The owner cuts the chain back to before the checkpoint and removes the stored checkpoint:
    # what is left is a shorter chain that fits its head perfectly.
    cut_back_to(cp_seq - 2)
    run("DELETE FROM journal_checkpoint")
    assert verify().ok  # nothing inside the database can tell...
    verdict = verify(since=[parse_line(line)])  # ...the line kept outside can
    assert not verdict.ok
    assert "截断或回退" in verdict.reason and f"第 {cp_seq} 行" in verdict.reason
    with pytest.raises(CommandError, match="截断或回退"):
        call_command("verify_journal", "--since", line)
    with pytest.raises(CommandError, match=f"没有第 {cp_seq} 行的检查点"):
        call_command("verify_journal", "--since", str(cp_seq))


def test_a_rewind_that_leaves_the_stored_checkpoint_is_caught_without_the_line(closed, clock):
    cp = take_checkpoint(actor=None)
    more_events(2, clock)
    cut_back_to(cp.seq - 1)
    verdict = verify()
    assert not verdict.ok and "截断或回退" in verdict.reason


def test_truncating_the_journal_after_a_checkpoint_is_detected(closed, clock):
    line = Anchor.of(take_checkpoint(actor=None)).line
    more_events(2, clock)
    # DELETE rather than TRUNCATE: PostgreSQL refuses TRUNCATE inside the test's transaction
    # while deferred foreign-key checks are pending; the result is the same empty table.
    run("DELETE FROM journal_event")
    run("DELETE FROM journal_checkpoint")
    run("UPDATE journal_head SET seq = 0, hash = %s, key_seal = '' WHERE id = 1", "0" * 64)
    out, _ = output("verify_journal")
    assert out.startswith("OK: 0 events")  # an empty journal is a fresh one...
    with pytest.raises(CommandError, match="截断或回退"):  # ...unless the office kept a line
        call_command("verify_journal", "--since", line)


def test_an_insider_with_the_key_is_still_held_to_the_checkpoint(closed, clock):
    # Holding the key, one can rewrite rows so the chain verifies; a checkpoint taken before
    # still pins every row up to its seq.
    line = Anchor.of(take_checkpoint(actor=None)).line
    run(
        f"UPDATE journal_event SET {as_json('new')} WHERE seq = %s",
        json.dumps({"state": "closed", "rating": "fail"}),
        closed.seq,
    )
    rechain(closed.seq, compute_hash)
    run("DELETE FROM journal_checkpoint")
    assert verify().ok
    verdict = verify(since=[parse_line(line)])
    assert not verdict.ok and verdict.broken_seq == parse_line(line).seq
    assert "检查点之后日志被改写" in verdict.reason


def test_forged_and_altered_checkpoints_are_refused(closed, clock):
    cp = take_checkpoint(actor=None)
    good = Anchor.of(cp)
    # Signed with a key of the forger's own: the signature does not verify under the journal's.
    forged = Anchor(good.seq, good.hash, good.at, "f" * 64)
    verdict = verify(since=[forged])
    assert not verdict.ok and "签名不符" in verdict.reason
    # A stored checkpoint moved to a rewritten row's new hash.
    run("UPDATE journal_checkpoint SET hash = %s WHERE id = %s", "a" * 64, cp.pk)
    assert "签名不符" in verify().reason
    with pytest.raises(CommandError, match="签名不符"):
        call_command("journal_checkpoint", "--export", "-")
    with pytest.raises(CommandError, match="拒绝签署"):
        call_command("journal_checkpoint")


def test_a_checkpoint_row_no_longer_matching_its_journal_event_is_detected(closed, clock):
    cp = take_checkpoint(actor=None)
    e = Event.objects.get(seq=cp.seq + 1)
    run(
        f"UPDATE journal_event SET {as_json('payload')} WHERE seq = %s",
        json.dumps(e.payload | {"seq": 1}),
        e.seq,
    )
    triggers.drop(connection)
    with connection.cursor() as cur:  # even re-signed with the key (rechain would repair the payload)
        fields = {f: getattr(Event.objects.get(seq=e.seq), f) for f in FIELDS}
        cur.execute("UPDATE journal_event SET hash = %s WHERE seq = %s", [compute_hash(**fields), e.seq])
    rechain(e.seq + 1, compute_hash)
    verdict = verify()
    assert not verdict.ok and verdict.broken_seq == e.seq and "检查点记录" in verdict.reason


def test_checkpoint_rows_are_append_only(closed):
    cp = take_checkpoint(actor=None)
    from django.db import DatabaseError, transaction

    assert triggers.installed(connection)
    for statement in ("UPDATE journal_checkpoint SET seq = 1", "DELETE FROM journal_checkpoint"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(statement)
    assert Checkpoint.objects.get().seq == cp.seq


@pytest.mark.parametrize(
    "since, message",
    [
        ("DUBAN-CP 12 nothex 2026-12-06T08:00:00Z sig", "不是检查点行"),
        ("DUBAN-CP " + "9" * 300, "太长"),
        ("/no/such/file", "--since 应为"),
        ("987654", "没有第 987654 行的检查点"),
    ],
)
def test_a_bad_since_is_refused_with_a_reason(closed, since, message):
    with pytest.raises(CommandError, match=message):
        call_command("verify_journal", "--since", since)


def test_an_empty_journal_has_no_head_to_sign(db, monkeypatch):
    run("DELETE FROM journal_event")
    run("UPDATE journal_head SET seq = 0, hash = %s, key_seal = '' WHERE id = 1", "0" * 64)
    with pytest.raises(CommandError, match="日志还是空的"):
        call_command("journal_checkpoint", "--no-verify")


# --- a journal written before the key --------------------------------------------------------------


def test_a_journal_from_before_keys_is_sealed_by_the_migration_and_continues_keyed(closed, clock):
    from importlib import import_module

    # Turn the test's journal into one as the previous release left it: plain SHA-256 rows, an
    # unsealed head.
    rechain(1, legacy_hash)
    run("UPDATE journal_head SET keyed_from = 1, key_seal = '' WHERE id = 1")
    old_head = Head.objects.get(id=1)
    migration = import_module("duban.journal.migrations.0005_keyed_chain_and_checkpoints")
    migration.key_the_chain(django_apps, types.SimpleNamespace(connection=connection))
    head = Head.objects.get(id=1)
    assert head.keyed_from == old_head.seq + 1 and head.key_seal == keys.seal(keys.load(), head.keyed_from)
    assert triggers.installed(connection)
    more_events(2, clock)
    verdict = verify()
    assert verdict.ok and verdict.keyed_from == old_head.seq + 1
    out, _ = output("verify_journal")
    assert f"rows 1–{old_head.seq} predate the key" in out
    new_row = Event.objects.get(seq=old_head.seq + 1)
    assert new_row.hash == compute_hash(**{f: getattr(new_row, f) for f in FIELDS})
    # Old rows are as strong as before; new ones are not: an unkeyed rewrite of a new row fails.
    run(f"UPDATE journal_event SET {as_json('payload')} WHERE seq = %s", json.dumps({"i": 99}), new_row.seq)
    rechain(new_row.seq, legacy_hash)
    assert verify().broken_seq == new_row.seq
