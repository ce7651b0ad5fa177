"""Task-queue entry points (Django's Tasks framework; the ``django-tasks-db`` backend by default).

Tasks carry delivery ids only: the rows hold the state, so a task run twice or lost is harmless
(the sweep re-enqueues what is stuck) and any configured backend can run them.
"""

from __future__ import annotations

from django_tasks import task

from . import dispatch

CHUNK = 50


@task()
def send_deliveries(delivery_ids: list[int]) -> int:
    return dispatch.send_many(list(delivery_ids))


@task()
def send_digest(delivery_ids: list[int]) -> int:
    return dispatch.send_digest(list(delivery_ids))


def enqueue(ids: list[int]) -> None:
    for i in range(0, len(ids), CHUNK):
        send_deliveries.enqueue(ids[i : i + CHUNK])
