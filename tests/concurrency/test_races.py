"""Two people acting on the same track at the same moment: exactly one wins, nothing is half-done.

Each racer runs in its own thread with its own database connection, released together by a
barrier. On PostgreSQL the losers block on the winner's row lock and then find the version
moved (StaleVersion); on SQLite writers queue on the database lock (IMMEDIATE transactions)
and the later one finds the state changed (InvalidState). Both are correct refusals.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from duban.core.errors import InvalidState, StaleVersion
from duban.items import services
from duban.items.models import Item, Node, Review, Track, TrackState
from duban.journal.models import Event
from duban.journal.services import verify
from tests.conftest import unit

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 10


def race(*actions):
    """Run the callables at once, one thread each; return what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = action()
        except BaseException as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a), daemon=True) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    return outcomes


def refused(outcome) -> bool:
    return isinstance(outcome, StaleVersion | InvalidState)


def new_track(prov_sup, n: int) -> Track:
    item = services.register_and_assign(actor=prov_sup, title=f"并发测试事项 {n}", lead=[unit("140105")])
    return Track.objects.get(item=item)


def requested_track(prov_sup, clerk, clock, n: int) -> Track:
    clock("2021-09-30 10:00")
    track = new_track(prov_sup, n)
    clock("2021-10-08 09:00")
    services.sign(actor=clerk, track_id=track.pk)
    for kind in ("deploy", "feedback", "result"):
        services.file_report(actor=clerk, track_id=track.pk, kind=kind, done="已办")
    return Track.objects.get(pk=track.pk)


def test_close_and_return_at_once_exactly_one_wins(prov_sup, county_clerk, shanxi, clock):
    from tests.conftest import make_user

    other_sup = make_user("prov_sup_2", shanxi, "supervisor")
    for n in range(ROUNDS):
        track = requested_track(prov_sup, county_clerk, clock, n)
        clock("2021-10-12 10:00")
        outcomes = race(
            lambda t=track: services.close_track(actor=prov_sup, track_id=t.pk, rating="good"),
            lambda t=track: services.return_track(actor=other_sup, track_id=t.pk, reason="材料不全"),
        )
        winners = [o for o in outcomes if isinstance(o, Track)]
        assert len(winners) == 1, outcomes
        assert sum(refused(o) for o in outcomes) == 1, outcomes

        track.refresh_from_db()
        reviews = list(Review.objects.filter(track=track))
        assert len(reviews) == 1
        events = list(Event.objects.filter(track=track, action__in=["track.close", "track.return"]))
        assert len(events) == 1
        if reviews[0].decision == "close":
            assert (track.state, track.rating, events[0].action) == (TrackState.CLOSED, "good", "track.close")
            assert track.next_due_at is None
            assert Node.objects.filter(track=track).count() == 4
        else:
            assert (track.state, events[0].action) == (TrackState.RETURNED, "track.return")
            assert Node.objects.filter(track=track).count() == 5  # the new result node
            assert track.next_due_at is not None
        assert track.version == winners[0].version
    assert verify().ok


def test_two_closers_at_once_exactly_one_review(prov_sup, county_clerk, shanxi, clock):
    from tests.conftest import make_user

    other_sup = make_user("prov_sup_2", shanxi, "supervisor")
    for n in range(ROUNDS):
        track = requested_track(prov_sup, county_clerk, clock, n)
        clock("2021-10-12 10:00")
        outcomes = race(
            lambda t=track: services.close_track(actor=prov_sup, track_id=t.pk, rating="good"),
            lambda t=track: services.close_track(actor=other_sup, track_id=t.pk, rating="pass"),
        )
        assert sum(isinstance(o, Track) for o in outcomes) == 1, outcomes
        assert sum(refused(o) for o in outcomes) == 1, outcomes
        track.refresh_from_db()
        review = Review.objects.get(track=track)
        assert track.state == TrackState.CLOSED and track.rating == review.rating
        assert Event.objects.filter(track=track, action="track.close").count() == 1
    assert verify().ok


def test_two_signers_at_once_exactly_one_sign_event(prov_sup, county_clerk, county_head, clock):
    for n in range(ROUNDS):
        clock("2021-09-30 10:00")
        track = new_track(prov_sup, n)
        clock("2021-10-08 09:00")
        outcomes = race(
            lambda t=track: services.sign(actor=county_clerk, track_id=t.pk),
            lambda t=track: services.sign(actor=county_head, track_id=t.pk),
        )
        winners = [o for o in outcomes if isinstance(o, Track)]
        assert len(winners) == 1, outcomes
        assert sum(refused(o) for o in outcomes) == 1, outcomes
        track.refresh_from_db()
        assert track.state == TrackState.SIGNED and track.signed_by_id == winners[0].signed_by.pk
        signs = list(Event.objects.filter(track=track, action="track.sign"))
        assert len(signs) == 1 and signs[0].actor_id == track.signed_by_id
        assert Node.objects.get(track=track, kind="sign").done_at is not None
    assert Item.objects.count() == ROUNDS
    assert verify().ok


def test_a_write_racing_the_journal_head_never_forks_the_chain(prov_sup, county_clerk, clock):
    # Writes on two different tracks do not conflict on the track row, only on the journal head.
    clock("2021-09-30 10:00")
    tracks = [new_track(prov_sup, n) for n in range(2)]
    clock("2021-10-08 09:00")
    for _ in range(3):
        outcomes = race(
            *[lambda t=t: services.urge(actor=prov_sup, track_id=t.pk, message="请抓紧") for t in tracks]
        )
        assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert verify().ok
