"""The long-running worker: Django Tasks' database worker, plus the sweep once a minute.

The task loop is django-tasks-db's own ``Worker`` (it claims task rows with ``SELECT … FOR
UPDATE SKIP LOCKED`` on PostgreSQL and an exclusive transaction on SQLite); this module only
interleaves it with the sweep, so one ``duban worker`` per host is all a deployment runs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from django.core.management import call_command
from django.db import OperationalError, close_old_connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from . import sweep

log = logging.getLogger("duban.notify")
PRUNE_EVERY = 24 * 3600


def _worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"[:64],
        excluded_queue_names=[],
    )


def drain(max_tasks: int | None = None) -> int:
    """Run every ready task (or ``max_tasks`` of them), then return how many ran.

    The claim is django-tasks-db's own (``get_locked`` + ``claim`` in an exclusive transaction,
    as its ``Worker.run`` does); unlike ``Worker.run`` this does not recycle the database
    connection between tasks, so it also runs inside a test's transaction.
    """
    w = _worker()
    ran = 0
    while max_tasks is None or ran < max_tasks:
        try:
            with exclusive_transaction(DBTaskResult.objects.db):
                task_result = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
                if task_result is not None:
                    task_result.claim(w.worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return ran  # another worker holds the queue; try again next poll
            raise
        if task_result is None:
            return ran
        w.run_task(task_result)
        ran += 1
    return ran


def run(
    stop: threading.Event, *, interval: float = 1.0, sweep_every: float = 60.0, do_sweep: bool = True
) -> None:
    """Poll for tasks every ``interval`` seconds and sweep every ``sweep_every`` until ``stop``."""
    last_sweep = last_prune = 0.0
    while not stop.is_set():
        close_old_connections()
        mono = time.monotonic()
        try:
            if do_sweep and mono - last_sweep >= sweep_every:
                last_sweep = mono
                result = sweep.run_once()
                if result.claimed or result.released:
                    log.info("sweep: %s", result)
            if mono - last_prune >= PRUNE_EVERY:
                last_prune = mono
                call_command("prune_db_task_results", min_age_days=14, verbosity=0)
            drain()
        except Exception:  # noqa: BLE001 - a bad pass must not stop the chasing; it is logged
            log.exception("worker pass failed; retrying in %ss", interval)
        stop.wait(interval)
