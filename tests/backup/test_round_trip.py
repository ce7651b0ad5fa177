"""duban backup → duban restore into a fresh database: the same rows, files, pages and journal.

Runs on whichever database the suite runs on. The restore target is a second database beside the
test one (SQLite: another file; PostgreSQL: another database in the same cluster, made here with
psycopg), swapped in under the ``default`` alias so the test client renders against it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from duban.items import blobs, services
from duban.items.models import Attachment, Track
from duban.journal.models import Event
from duban.targets import services as target_services
from tests.conftest import dept, unit

pytestmark = pytest.mark.django_db(transaction=True)

PDF = "%PDF-1.4\n% 部署会议纪要\n".encode() + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 400
MINUTES = "会议纪要：按期推进，已落实资金。\n".encode() * 20


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def story(prov_sup, county_clerk, dept_clerk, clock):
    """Three items, reports with attachments (one file shared by two reports), a closed track,
    a target with a figure and its evidence."""
    clock("2021-09-30 10:00")
    items = [
        services.register_and_assign(
            actor=prov_sup,
            title="推进老旧小区改造",
            body="年内开工改造",
            lead=[unit("140105")],
            files=[upload(MINUTES, "交办通知.txt")],
        ),
        services.register_and_assign(actor=prov_sup, title="整治城区道路积水点", lead=[unit("140105")]),
        services.register_and_assign(actor=prov_sup, title="新建5G基站", lead=[dept("省工信厅")]),
    ]
    clock("2021-10-08 09:00")
    t0, t1, t2 = (Track.objects.get(item=i, parent__isnull=True) for i in items)
    services.sign(actor=county_clerk, track_id=t0.pk)
    services.file_report(
        actor=county_clerk,
        track_id=t0.pk,
        kind="deploy",
        done="已召开专题会部署",
        files=[upload(PDF, "部署会议纪要.pdf"), upload(PNG, "现场照片.png")],
    )
    services.file_report(actor=county_clerk, track_id=t0.pk, kind="feedback", done="已开工三个小区")
    services.file_report(
        actor=county_clerk, track_id=t0.pk, kind="result", done="全部完工", files=[upload(PDF, "验收.pdf")]
    )
    services.close_track(actor=prov_sup, track_id=t0.pk, rating="good")
    services.sign(actor=county_clerk, track_id=t1.pk)
    services.urge(actor=prov_sup, track_id=t1.pk, message="请加快进度")
    services.sign(actor=dept_clerk, track_id=t2.pk)
    services.file_report(actor=dept_clerk, track_id=t2.pk, kind="deploy", done="已部署")
    services.file_report(actor=dept_clerk, track_id=t2.pk, kind="feedback", done="已选址")
    target = target_services.create_target(
        actor=prov_sup, item_id=items[2].pk, indicator="5G基站", value=15000, unit_label="座", plan_year=2021
    )
    clock("2021-10-20 09:00")
    target_services.file_figure(
        actor=dept_clerk,
        target_id=target.pk,
        period_end="2021-09-30",
        value=9000,
        files=[upload("%PDF-1.4\n% 统计台账\n".encode() + b"9" * 500, "台账.pdf")],
    )
    return items


def clients(*users) -> list[Client]:
    out = []
    for user in users:
        c = Client()
        c.force_login(user)  # the session row goes into the backup with everything else
        out.append(c)
    return out


_VOLATILE = [
    re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"'),
    re.compile(r'(nonce=")[^"]*"'),
    re.compile(r'(name="csrf-token" content=")[^"]*"'),
]


def pages(items, sup: Client, clerk: Client) -> dict[str, str]:
    """What the instance serves: HTML pages (minus per-request tokens), the API's JSON, files."""
    out = {}
    urls = [(sup, "/items/"), (sup, "/board/"), (clerk, "/")]
    for item in items:
        urls += [(sup, f"/items/{item.pk}/"), (sup, f"/api/v1/items/{item.pk}")]
    urls += [(clerk, f"/items/{item.pk}/") for item in items[:2]]  # the third is the 工信厅's
    for n, (client, url) in enumerate(urls):
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        body = resp.content.decode()
        for pattern in _VOLATILE:
            body = pattern.sub(r"\1…\"", body)
        out[f"{n} {url}"] = body
    for att in Attachment.objects.order_by("pk"):
        resp = sup.get(f"/attachments/{att.pk}/")
        assert resp.status_code == 200
        out[f"attachment {att.pk}"] = hashlib.sha256(b"".join(resp.streaming_content)).hexdigest()
    return out


def media_files(root) -> dict[str, bytes]:
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def row_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


@contextlib.contextmanager
def fresh_database(tmp_path):
    """Point the ``default`` alias at a new, empty database for the block, then back."""
    sd = connection.settings_dict
    original = sd["NAME"]
    made = None
    if connection.vendor == "postgresql":
        import psycopg

        made = f"duban_restore_{os.getpid()}"
        params = {"dbname": original, "user": sd["USER"], "password": sd["PASSWORD"]}
        params.update({k: sd[k.upper()] for k in ("host", "port") if sd.get(k.upper())})
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{made}"')
            admin.execute(f'CREATE DATABASE "{made}" TEMPLATE template0')
        target = made
    else:
        target = str(tmp_path / "restored.sqlite3")
    connection.close()
    sd["NAME"] = target
    try:
        yield target
    finally:
        connection.close()
        sd["NAME"] = original
        if made:
            with psycopg.connect(**params, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')


def test_backup_and_restore_round_trip(story, prov_sup, county_clerk, tmp_path, clock, settings):
    sup, clerk = clients(prov_sup, county_clerk)
    clock("2021-10-21 10:00")
    before = pages(story, sup, clerk)
    counts = row_counts()
    files = media_files(settings.MEDIA_ROOT)
    # Four distinct files for five attachments: the PDF is shared by two reports.
    assert Attachment.objects.count() == 5 and len(files) == 4

    out = tmp_path / "backups" / dt.date(2021, 10, 21).isoformat()  # `duban backup DIR/$(date +%F)`
    stdout = StringIO()
    call_command("backup", str(out), stdout=stdout)
    assert "backup written" in stdout.getvalue()
    manifest = json.loads((out / "manifest.json").read_text())
    head = Event.objects.order_by("-seq").first()
    assert manifest["journal_head"] == {"seq": head.seq, "hash": head.hash}
    assert manifest["counts"]["items_item"] == 3 and manifest["counts"]["items_attachment"] == 5
    assert manifest["files"]["count"] == 4 and not manifest["missing_files"]
    assert {e["name"] for e in manifest["files"]["entries"]} == set(files)
    for e in manifest["files"]["entries"]:
        assert e["sha256"] == hashlib.sha256(files[e["name"]]).hexdigest() == e["name"].rsplit("/", 1)[-1]
    # Nothing beside the backup: the temporary directory was renamed into place.
    assert [p.name for p in out.parent.iterdir()] == [out.name]
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(out))

    settings.MEDIA_ROOT = str(tmp_path / "restored-files")
    with fresh_database(tmp_path):
        stdout = StringIO()
        call_command("restore", str(out), stdout=stdout)
        assert "4 files written" in stdout.getvalue() and "chain intact" in stdout.getvalue()
        assert media_files(settings.MEDIA_ROOT) == files
        assert row_counts() == counts
        verdict = StringIO()
        call_command("verify_journal", stdout=verdict)
        assert "OK" in verdict.getvalue()
        assert pages(story, sup, clerk) == before
        # The append-only triggers came along: the restored journal still refuses changes.
        with pytest.raises(DatabaseError), transaction.atomic():
            Event.objects.filter(seq=1).update(action="tampered")
        with pytest.raises(DatabaseError), transaction.atomic():
            Event.objects.filter(seq=1).delete()
        # And now that it has data, a second restore is refused without --force.
        with pytest.raises(CommandError, match="already has data"):
            call_command("restore", str(out))
        # --force replaces it all, a table a later version added included (downgrading after
        # a failed upgrade: the next upgrade's migrate must not find it there).
        with connection.cursor() as cur:
            cur.execute("CREATE TABLE items_from_a_later_version (id integer PRIMARY KEY)")
        stdout = StringIO()
        call_command("restore", str(out), force=True, stdout=stdout)
        assert "items_from_a_later_version" not in connection.introspection.table_names()
        assert "0 files written, 4 already in place" in stdout.getvalue()
        assert Event.objects.order_by("-seq").first().seq == manifest["journal_head"]["seq"]


def test_a_tar_backup_restores_and_a_tampered_one_restores_nothing(story, tmp_path, settings):
    out = tmp_path / "duban-2021-10-21.tar"
    call_command("backup", str(out), stdout=StringIO())
    assert tarfile.is_tarfile(out) and not list(tmp_path.glob(".duban-*"))
    names = tarfile.open(out).getnames()
    assert names[0] == "manifest.json" and any(n.startswith("files/attachments/") for n in names)

    # A copy with one attachment's bytes changed (same size) is refused before anything is written.
    bad = tmp_path / "tampered"
    with tarfile.open(out) as tar:
        tar.extractall(bad, filter="data")
    victim = next((bad / "files").rglob("*"))
    while victim.is_dir():
        victim = next(victim.iterdir())
    data = bytearray(victim.read_bytes())
    data[-1] ^= 0xFF
    victim.write_bytes(bytes(data))
    settings.MEDIA_ROOT = str(tmp_path / "restored-files")
    with fresh_database(tmp_path) as target:
        with pytest.raises(CommandError, match="checksum differs"):
            call_command("restore", str(bad))
        assert not Path(settings.MEDIA_ROOT).exists()
        if connection.vendor == "sqlite":
            assert not Path(target).exists() or Path(target).stat().st_size == 0
        call_command("restore", str(out), stdout=StringIO())
        assert Attachment.objects.count() == 5
        for att in Attachment.objects.all():
            assert hashlib.sha256(blobs.path_for(att.file.name).read_bytes()).hexdigest() == att.sha256


def test_restore_refuses_a_database_with_data(story, tmp_path):
    out = tmp_path / "bk"
    call_command("backup", str(out), stdout=StringIO())
    count = Event.objects.count()
    with pytest.raises(CommandError, match="already has data"):
        call_command("restore", str(out))
    assert Event.objects.count() == count


def test_an_unfinished_backup_is_not_taken_for_one(tmp_path):
    half = tmp_path / "half"
    half.mkdir()
    (half / "database.sqlite3").write_bytes(b"")
    with pytest.raises(CommandError, match="manifest.json"):
        call_command("restore", str(half))


def test_a_backup_from_a_newer_version_is_refused_before_anything_is_written(db, tmp_path, settings):
    out = tmp_path / "bk"
    call_command("backup", str(out), stdout=StringIO())
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["migrations"]["items"] = "9999_from_the_future"
    (out / "manifest.json").write_text(json.dumps(manifest))
    settings.MEDIA_ROOT = str(tmp_path / "restored-files")
    with fresh_database(tmp_path) as target:
        with pytest.raises(CommandError, match="newer Duban.*items.9999_from_the_future"):
            call_command("restore", str(out))
        if connection.vendor == "sqlite":
            assert not Path(target).exists()


def test_a_load_that_fails_leaves_the_target_as_it_was(db, tmp_path):
    from duban.backup import db as backup_db
    from duban.backup.db import BackupError

    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(b"PGDMP" + os.urandom(4096))
    with fresh_database(tmp_path) as target:
        with connection.cursor() as cur:  # a table an earlier migrate left, with a row in it
            cur.execute("CREATE TABLE orgs_orgunit (id integer PRIMARY KEY)")
            cur.execute("INSERT INTO orgs_orgunit VALUES (7)")
        connection.close()
        with pytest.raises(BackupError):
            backup_db.restore(connection.vendor, garbage, dict(connection.settings_dict), ["orgs_orgunit"])
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM orgs_orgunit")
            assert cur.fetchall() == [(7,)]
        assert target


def test_a_lost_or_damaged_file_is_named_not_hidden(story, tmp_path):
    atts = list(Attachment.objects.order_by("pk"))
    lost, damaged = blobs.path_for(atts[0].file.name), blobs.path_for(atts[1].file.name)
    lost.unlink()
    data = bytearray(damaged.read_bytes())
    data[0] ^= 0x01
    damaged.write_bytes(bytes(data))
    out, err = StringIO(), StringIO()
    call_command("backup", str(tmp_path / "bk"), stdout=out, stderr=err)
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert manifest["missing_files"] == [atts[0].file.name]
    assert manifest["damaged_files"] == [atts[1].file.name]
    assert atts[0].file.name in err.getvalue() and atts[1].file.name in err.getvalue()
    assert "no longer match their checksum" in err.getvalue()
