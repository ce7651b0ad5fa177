"""Helpers for the web UI tests: a logged-in client per persona and a "nothing changed" snapshot."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def as_user():
    def login(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return login


SESSION_EVENTS = ("user.login", "user.logout", "user.login_failed")


def snapshot(item_id: int) -> tuple:
    """Everything an item's refused action must leave exactly as it was."""
    from duban.items.models import Extension, Instruction, Node, Report, Review, Track, Urge
    from duban.journal.models import Event

    tracks = list(
        Track.objects.filter(item_id=item_id)
        .order_by("pk")
        .values_list("pk", "state", "version", "assignee_id", "rating", "next_due_at")
    )
    ids = [t[0] for t in tracks]
    return (
        tracks,
        list(Node.objects.filter(track_id__in=ids).order_by("pk").values_list("pk", "due_at", "done_at")),
        Report.objects.filter(track_id__in=ids).count(),
        Review.objects.filter(track_id__in=ids).count(),
        list(Extension.objects.filter(track_id__in=ids).values_list("pk", "state")),
        Urge.objects.filter(track_id__in=ids).count(),
        Instruction.objects.filter(item_id=item_id).count(),
        Track.objects.filter(item_id=item_id).count(),
        # Logging in (as_user) is journaled too, but is not what a refused action changed.
        Event.objects.exclude(action__in=SESSION_EVENTS).count(),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def track(assigned_item):
    return assigned_item.tracks.get()


def advance(track, clerk, *, to: str) -> None:
    """Drive a track through the services to ``to`` (signed / deployed / in_progress / requested)."""
    from duban.items import services

    steps = ["signed", "deployed", "in_progress", "requested"]
    track.refresh_from_db()
    start = steps.index(track.state) + 1 if track.state in steps else 0
    for step in steps[start : steps.index(to) + 1]:
        if step == "signed":
            services.sign(actor=clerk, track_id=track.pk)
        elif step == "deployed":
            services.file_report(actor=clerk, track_id=track.pk, kind="deploy", done="已召开专题会部署")
        elif step == "in_progress":
            services.file_report(actor=clerk, track_id=track.pk, kind="feedback", done="已制定方案")
        else:
            services.file_report(actor=clerk, track_id=track.pk, kind="result", done="已完成")
    track.refresh_from_db()
