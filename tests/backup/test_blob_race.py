"""A refused upload and an accepted one of the same bytes at the same moment: the accepted one's
file survives the refused one's cleanup (the blob lock orders "is it referenced?" and the
removal against the other's reuse and commit)."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from duban.core.errors import InvalidInput
from duban.items import blobs, services
from duban.items.models import Attachment

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n% the same evidence, sent twice at once\n" + b"s" * 2000


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("佐证.pdf", PDF)


def test_the_accepted_upload_keeps_the_file_the_refused_one_wrote(assigned_item, prov_sup, county_clerk):
    stored = threading.Event()
    outcomes: dict[str, object] = {}

    @blobs.discard_on_failure
    @transaction.atomic
    def refused():
        # Writes the blob first (it is new), holds its transaction a moment, then is refused.
        services.store_attachment(actor=prov_sup, upload=upload(), item=assigned_item)
        stored.set()
        time.sleep(0.5)
        raise InvalidInput("refused after storing", code="late_refusal")

    @blobs.discard_on_failure
    @transaction.atomic
    def accepted():
        # Reuses the refused one's blob (or waits for it to go and writes it again), then commits
        # only after the refused one has rolled back and tried to clean up.
        att = services.store_attachment(actor=prov_sup, upload=upload(), item=assigned_item)
        time.sleep(1.0)
        return att.pk

    def run(name, fn, wait=None):
        try:
            if wait is not None:
                assert wait.wait(30)
            outcomes[name] = fn()
        except BaseException as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("refused", refused), daemon=True),
        threading.Thread(target=run, args=("accepted", accepted, stored), daemon=True),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert isinstance(outcomes["refused"], InvalidInput), outcomes
    att = Attachment.objects.get(pk=outcomes["accepted"])
    path = blobs.path_for(att.file.name)
    assert path.read_bytes() == PDF and att.sha256 == hashlib.sha256(PDF).hexdigest()
    assert Attachment.objects.count() == 1
