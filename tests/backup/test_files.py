"""Attachment files: a refused write leaves no file behind, a shared file is never taken away."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.core.errors import InvalidInput
from duban.items import blobs, services
from duban.items.models import Attachment, Track
from duban.targets import services as target_services

PDF = b"%PDF-1.4\n% evidence of the deployment meeting\n" + b"1" * 300
OTHER_PDF = b"%PDF-1.4\n% minutes of the site visit\n" + b"2" * 300
EXE = b"MZ\x90\x00" + b"\x00" * 200


def upload(data: bytes, name: str = "佐证.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def stored() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file())


def blob(data: bytes) -> Path:
    return Path(settings.MEDIA_ROOT) / blobs.name_for(hashlib.sha256(data).hexdigest())


def signed_track(item, clerk, clock) -> Track:
    track = Track.objects.get(item=item, parent__isnull=True)
    clock("2021-10-08 09:00")
    services.sign(actor=clerk, track_id=track.pk)
    return track


def test_a_stored_attachment_is_its_content_under_its_hash(assigned_item, county_clerk, clock):
    track = signed_track(assigned_item, county_clerk, clock)
    report = services.file_report(
        actor=county_clerk, track_id=track.pk, kind="deploy", done="部署", files=[upload(PDF)]
    )
    att = report.attachments.get()
    assert att.file.name == blobs.name_for(att.sha256)
    assert blob(PDF).read_bytes() == PDF
    assert stored() == [blob(PDF)]  # no temp file left next to it


def test_a_report_refused_on_its_second_file_leaves_no_file(assigned_item, county_clerk, clock):
    track = signed_track(assigned_item, county_clerk, clock)
    with pytest.raises(InvalidInput) as e:
        services.file_report(
            actor=county_clerk,
            track_id=track.pk,
            kind="deploy",
            done="部署",
            files=[upload(PDF), upload(EXE, "tool.exe")],
        )
    assert e.value.code == "file_type"
    assert not Attachment.objects.exists()
    assert stored() == []


def test_an_item_refused_after_its_files_were_stored_leaves_no_file(prov_sup, shanxi):
    # register_and_assign stores the item's files, then refuses the lead unit.
    with pytest.raises(InvalidInput) as e:
        services.register_and_assign(
            actor=prov_sup, title="推进老旧小区改造", lead=[shanxi], files=[upload(PDF), upload(OTHER_PDF)]
        )
    assert e.value.code == "bad_unit"
    assert not Attachment.objects.exists()
    assert stored() == []


def test_a_refused_upload_of_a_shared_file_keeps_it(assigned_item, county_clerk, clock):
    track = signed_track(assigned_item, county_clerk, clock)
    services.file_report(
        actor=county_clerk, track_id=track.pk, kind="deploy", done="部署", files=[upload(PDF)]
    )
    with pytest.raises(InvalidInput):
        services.file_report(
            actor=county_clerk,
            track_id=track.pk,
            kind="feedback",
            done="进展",
            files=[upload(PDF), upload(OTHER_PDF), upload(EXE, "tool.exe")],
        )
    # The first report's evidence is still there; only the refused call's new file went.
    assert stored() == [blob(PDF)]
    assert Attachment.objects.count() == 1


def test_a_file_lost_by_an_outer_refusal_is_removed_too(assigned_item, prov_sup, county_clerk, clock):
    # file_report succeeds inside file_progress_report, whose bad figure then refuses it all.
    from datetime import date

    track = signed_track(assigned_item, county_clerk, clock)
    services.file_report(actor=county_clerk, track_id=track.pk, kind="deploy", done="部署")
    services.file_report(actor=county_clerk, track_id=track.pk, kind="feedback", done="反馈")
    target = target_services.create_target(
        actor=prov_sup, item_id=assigned_item.pk, indicator="新建5G基站", value=15000, unit_label="座"
    )
    with pytest.raises(InvalidInput):
        target_services.file_progress_report(
            actor=county_clerk,
            track_id=track.pk,
            done="进度",
            files=[upload(PDF)],
            figures=[{"target": target.pk, "period_end": date(2021, 10, 31), "value": "不是数字"}],
        )
    assert not Attachment.objects.exists()
    assert stored() == []


def test_blobs_left_by_a_rollback_outside_any_service_are_not_guessed_at(assigned_item, county_clerk, clock):
    # A caller's own transaction rolled back after the service returned: the file stays (the
    # hour-old rule of cleanup-files is what removes it), and the service's rows are gone.
    from django.db import transaction

    track = signed_track(assigned_item, county_clerk, clock)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.file_report(
            actor=county_clerk, track_id=track.pk, kind="deploy", done="部署", files=[upload(PDF)]
        )
        raise Boom
    assert not Attachment.objects.exists()
    assert stored() == [blob(PDF)]
    assert not blobs.is_referenced(blobs.name_for(hashlib.sha256(PDF).hexdigest()))
