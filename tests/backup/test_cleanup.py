"""duban cleanup-files: unreferenced files an hour old go (journaled); nothing else does."""

from __future__ import annotations

import hashlib
import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from duban.items import blobs, services
from duban.items.models import Attachment, Track
from duban.journal.models import Event
from duban.journal.services import verify

KEPT = b"%PDF-1.4\n% referenced evidence\n" + b"k" * 200
OLD = b"%PDF-1.4\n% left by a crash long ago\n" + b"o" * 1000
NEW = b"%PDF-1.4\n% an upload still in flight\n" + b"n" * 50


def put(data: bytes, age_seconds: float) -> Path:
    path = blobs.path_for(blobs.name_for(hashlib.sha256(data).hexdigest()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


@pytest.fixture
def disk(assigned_item, county_clerk, clock):
    track = Track.objects.get(item=assigned_item, parent__isnull=True)
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    services.file_report(
        actor=county_clerk,
        track_id=track.pk,
        kind="deploy",
        done="部署",
        files=[SimpleUploadedFile("佐证.pdf", KEPT)],
    )
    kept = blobs.path_for(Attachment.objects.get().file.name)
    os.utime(kept, (time.time() - 86400, time.time() - 86400))  # referenced, however old
    old = put(OLD, 2 * 3600)
    young = put(NEW, 120)
    return kept, old, young


def test_a_temp_file_left_by_a_crashed_write_goes_too(disk):
    # blobs.write renames its temp file into place; a crash before that leaves ".<sha>.….tmp".
    kept, old, young = disk
    stray = old.parent / f".{old.name}.k2j3.tmp"
    stray.write_bytes(OLD[:100])
    os.utime(stray, (time.time() - 7200, time.time() - 7200))
    result = blobs.cleanup(delete=True)
    assert sorted(o.name for o in result.removed) == sorted(
        p.relative_to(Path(settings.MEDIA_ROOT)).as_posix() for p in (old, stray)
    )
    assert not stray.exists() and kept.exists() and young.exists()


def test_dry_run_lists_and_removes_nothing(disk):
    kept, old, young = disk
    events = Event.objects.count()
    out = StringIO()
    call_command("cleanup_files", stdout=out)
    text = out.getvalue()
    name = blobs.name_for(hashlib.sha256(OLD).hexdigest())
    assert f"{name}\t{len(OLD)}" in text
    assert "would remove 1 unreferenced file(s)" in text and "dry run" in text
    assert "kept 1 unreferenced file(s) younger than an hour" in text
    assert blobs.name_for(hashlib.sha256(KEPT).hexdigest()) not in text
    assert kept.exists() and old.exists() and young.exists()
    assert Event.objects.count() == events


def test_delete_removes_old_orphans_only_and_journals_them(disk):
    kept, old, young = disk
    out = StringIO()
    call_command("cleanup_files", "--delete", stdout=out)
    assert "removed 1 unreferenced file(s)" in out.getvalue()
    assert kept.exists() and young.exists() and not old.exists()
    assert not list(old.parent.glob(".*removing"))
    event = Event.objects.order_by("-seq").first()
    assert event.action == "files.cleanup" and event.actor_id is None
    name = blobs.name_for(hashlib.sha256(OLD).hexdigest())
    assert event.payload == {"removed": [{"name": name, "size": len(OLD)}], "count": 1, "bytes": len(OLD)}
    assert verify().ok
    # A second pass finds nothing and journals nothing.
    count = Event.objects.count()
    call_command("cleanup_files", "--delete", stdout=StringIO())
    assert Event.objects.count() == count


def test_a_file_taken_over_since_the_scan_is_kept(disk, monkeypatch, county_clerk):
    kept, old, young = disk
    real_scan = blobs._scan

    def scan_then_upload(min_age):
        found = real_scan(min_age)
        # Between the scan and the removal, someone uploads the same bytes: the row now refers
        # to the old orphan, which the removal must re-check under the blob's lock.
        report = Attachment.objects.get().report
        services.store_attachment(
            actor=county_clerk, upload=SimpleUploadedFile("再传.pdf", OLD), report=report
        )
        return found

    monkeypatch.setattr(blobs, "_scan", scan_then_upload)
    result = blobs.cleanup(delete=True)
    assert result.removed == [] and old.exists()
    assert not Event.objects.filter(action="files.cleanup").exists()


def test_nothing_younger_than_an_hour_is_ever_removed(disk):
    with pytest.raises(ValueError):
        blobs.cleanup(delete=True, min_age=60)
