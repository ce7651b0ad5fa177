"""Notification tests: the real task queue (django-tasks-db) drained in-process, the sweep
run as the worker would run it, and the clock travelled instead of slept."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from duban.core.clock import SHANGHAI, travel_to


@pytest.fixture(autouse=True)
def _channels(settings, tmp_path):
    settings.DUBAN_EMAIL_ENABLED = True  # pytest-django's locmem backend: mail.outbox
    settings.DUBAN_SMS_BACKEND = "duban.notify.channels.FileSmsBackend"
    settings.DUBAN_SMS_FILE = str(tmp_path / "sms.jsonl")
    settings.DUBAN_BASE_URL = "http://duban.test"


def pump() -> None:
    """What happens after a commit in production: the on-commit hooks enqueue deliveries, the
    worker runs them. (Tests run inside one rolled-back transaction, so run the hooks here.)"""
    from django.db import connection

    from duban.notify.worker import drain

    while connection.run_on_commit:
        _sids, func, _robust = connection.run_on_commit.pop(0)
        func()
    drain()


def sweep(at: dt.datetime | None = None):
    """One sweep pass at ``at`` (Asia/Shanghai wall time), then the worker, as ``duban worker`` does."""
    from duban.notify import sweep as sweep_mod

    if at is None:
        result = sweep_mod.run_once()
        pump()
        return result
    with travel_to(at):
        result = sweep_mod.run_once()
        pump()
    return result


def told(kind: str | None = None) -> list[tuple[str, str]]:
    """(kind, username) of every inbox entry, in order."""
    from duban.notify.models import Notification

    qs = Notification.objects.select_related("alert", "recipient").order_by("alert__created_at", "id")
    return [(n.alert.kind, n.recipient.username) for n in qs if kind is None or n.alert.kind == kind]


def sms_lines(settings) -> list[dict]:
    from pathlib import Path

    path = Path(settings.DUBAN_SMS_FILE)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def local(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).replace(tzinfo=SHANGHAI)
