"""Two sweepers at once (two hosts running `duban worker`): every track is claimed by exactly
one, every reminder told once, every delivery sent once. Real commits, one thread and one
database connection per sweeper; on PostgreSQL the loser of a claim blocks on the winner's row
lock and then finds ``sweep_at`` moved."""

from __future__ import annotations

import pytest
from django.core import mail

from duban.core.clock import travel_to
from duban.items import services as items
from duban.notify import sweep
from duban.notify.models import Alert, Delivery, Notification
from duban.notify.worker import drain
from tests.concurrency.test_races import race
from tests.conftest import make_user, unit

from .conftest import local

pytestmark = pytest.mark.django_db(transaction=True)
TRACKS = 40


def test_two_sweepers_never_double_send(prov_sup, prov_leader, county_head, settings):
    for u, email in ((prov_sup, "sup@p.cn"), (prov_leader, "leader@p.cn"), (county_head, "head@x.cn")):
        u.email = email
        u.save()
    make_user("county_leader", unit("140105"), "leader")
    with travel_to(local("2021-09-01 10:00")):
        for n in range(TRACKS):
            items.register_and_assign(actor=prov_sup, title=f"并发提醒 {n}", lead=[unit("140105")])
    drain()
    mail.outbox.clear()
    base_alerts = Alert.objects.count()  # the assignments (nobody but the head has an e-mail)

    with travel_to(local("2021-12-01 10:00")):
        outcomes = race(sweep.run_once, sweep.run_once)
        assert all(isinstance(o, sweep.SweepResult) for o in outcomes), outcomes
        # Every open track claimed by one sweeper; its first overdue node (signing) × 3 stages.
        assert sum(o.claimed for o in outcomes) == TRACKS
        told = sum(sum(o.alerts.values()) for o in outcomes)
        assert told == TRACKS * 3 == Alert.objects.count() - base_alerts
        again = sweep.run_once()
        assert again.claimed == 0 and not again.alerts
        race(drain, drain)

    # overdue → the head; overdue.1 → the supervisor; overdue.3 → both leaders.
    assert Notification.objects.filter(alert__kind="overdue.3").count() == TRACKS * 2
    emails = Delivery.objects.filter(channel="email", alert__kind__startswith="overdue")
    assert emails.count() == TRACKS * 3  # head, supervisor, provincial leader (the county one has none)
    assert set(emails.values_list("state", flat=True)) == {"sent"}
    sent = [(m.to[0], m.subject, m.body) for m in mail.outbox]
    assert len(sent) == len(set(sent)) == emails.count()
