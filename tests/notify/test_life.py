"""The whole life of a late general item, with the sweep run every simulated hour.

Assigned on Friday 26 September 2025, before the National Day holiday (1–8 October; Sunday
28 September and Saturday 11 October are working days): sign and deploy are due on Sunday the
28th, feedback on the 30th, the result on 13 October. The unit signs late, misses feedback, is
urged, asks for more time, gets it, and is closed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core import mail

from duban.core.clock import SHANGHAI, travel_to
from duban.items import services
from duban.items.models import ReportKind

from ..conftest import make_user, unit
from .conftest import local, pump, sms_lines, sweep, told

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(prov_sup, prov_leader, county_clerk, county_head):
    for u, email, phone in (
        (prov_sup, "sup@prov.gov.cn", "13900000001"),
        (county_clerk, "clerk@xd.gov.cn", ""),
        (county_head, "head@xd.gov.cn", "13900000003"),
    ):
        u.email, u.phone = email, phone
        u.save()
    county_leader = make_user("county_leader", unit("140105"), "leader")
    return prov_sup, county_clerk, county_head, prov_leader, county_leader


def test_late_item_life(people, settings):
    sup, clerk, head, prov_leader, county_leader = people
    state = {}

    def assign():
        item = services.register_and_assign(
            actor=sup, title="推进老旧小区改造", body="年内开工", lead=[unit("140105")]
        )
        state["item"] = item
        state["track"] = item.tracks.get()

    def t():
        return state["track"].pk

    def report(kind, text):
        services.file_report(actor=clerk, track_id=t(), kind=kind, done=text)

    def extend():
        state["ext"] = services.request_extension(
            actor=clerk, track_id=t(), reason="改造涉及管网迁移", proposed_due=dt.date(2025, 10, 20)
        )

    actions = {
        local("2025-09-26 10:00"): assign,
        local("2025-09-30 09:00"): lambda: services.sign(actor=clerk, track_id=t()),
        local("2025-09-30 10:00"): lambda: report(ReportKind.DEPLOY, "已部署"),
        local("2025-10-09 09:00"): lambda: services.urge(
            actor=sup, track_id=t(), message="反馈已逾期，请抓紧"
        ),
        local("2025-10-09 10:00"): lambda: report(ReportKind.FEEDBACK, "已开工三个小区"),
        local("2025-10-10 10:00"): extend,
        local("2025-10-11 10:00"): lambda: services.decide_extension(
            actor=sup, extension_id=state["ext"].pk, grant=True
        ),
        local("2025-10-20 11:00"): lambda: report(ReportKind.RESULT, "改造全部完成"),
        local("2025-10-21 10:00"): lambda: services.close_track(actor=sup, track_id=t(), rating="good"),
    }
    at = local("2025-09-26 10:00")
    end = local("2025-10-24 00:00")
    log = []
    while at <= end:
        with travel_to(at):
            if at in actions:
                before = len(told())
                actions[at]()
                pump()
                log += [(at, k, u) for k, u in told()[before:]]
            before = len(told())
            sweep(at)
            log += [(at, k, u) for k, u in told()[before:]]
        at += dt.timedelta(hours=1)

    got = [(f"{a:%m-%d %H}", k, u) for a, k, u in log]
    assert got == [
        ("09-26 10", "assigned", "county_clerk"),
        ("09-26 10", "assigned", "county_head"),
        # 08:30 on the working Sunday signing falls due (the 09:00 sweep). One reminder: the
        # deploy node due the same day is told of once signing is done.
        ("09-28 09", "due_soon", "county_clerk"),
        ("09-28 09", "due_soon", "county_head"),
        # Overdue at once → the head; after one working day → the issuer's supervisor.
        ("09-29 00", "overdue", "county_head"),
        ("09-30 00", "overdue.1", "prov_sup"),
        # Signed late at 09:00: now the deploy node is where the unit is stuck, and it is late too.
        ("09-30 09", "overdue", "county_head"),
        ("09-30 09", "overdue.1", "prov_sup"),
        # Deployed at 10:00: feedback is due today.
        ("09-30 10", "due_soon", "county_clerk"),
        ("09-30 10", "due_soon", "county_head"),
        ("10-01 00", "overdue", "county_head"),
        # Urged on the first working day after the holiday; the urger is not told of her own urge.
        ("10-09 09", "urged", "county_clerk"),
        ("10-09 09", "urged", "county_head"),
        ("10-10 10", "extension.requested", "prov_sup"),
        ("10-11 10", "extension.decided", "county_clerk"),
        ("10-11 10", "extension.decided", "county_head"),
        # The result reminder follows the extended date, not the original 13 October.
        ("10-20 09", "due_soon", "county_clerk"),
        ("10-20 09", "due_soon", "county_head"),
        ("10-20 11", "closure.requested", "prov_sup"),
        ("10-21 10", "closed", "county_clerk"),
        ("10-21 10", "closed", "county_head"),
    ]
    # Nobody was late long enough for the leaders; feedback was filed before its escalation.
    assert not [x for x in got if x[2] in ("prov_leader", "county_leader")]
    assert not [x for x in got if x[1] == "overdue.3"]

    # E-mail: every inbox entry once for the three with an address; quiet hours (22–07) hold the
    # midnight reminders until 07:00.
    by_to = Counter(m.to[0] for m in mail.outbox)
    assert by_to == {"clerk@xd.gov.cn": 7, "head@xd.gov.cn": 10, "sup@prov.gov.cn": 4}
    assert all("http://duban.test/items/" in m.body for m in mail.outbox)
    assert mail.outbox[0].subject == "【新交办事项】推进老旧小区改造"
    # SMS: only the urgent kinds (overdue, escalation, urge) to those with a phone, under 70 characters.
    texts = sms_lines(settings)
    assert Counter(s["phone"] for s in texts) == {"13900000003": 4, "13900000001": 2}
    assert all(len(s["text"]) < 70 for s in texts)
    head_texts = [s["text"] for s in texts if s["phone"] == "13900000003"]
    assert sum("已逾期" in t for t in head_texts) == 3 and sum("催办" in t for t in head_texts) == 1
    # And everything went out once: one delivery per (alert, channel, target), all sent.
    from duban.notify.models import Delivery

    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    assert Delivery.objects.count() == (7 + 10 + 4) + (4 + 2)
    # The midnight overdue e-mails waited for 07:00; the one at 09:00 went at once.
    overdue = Delivery.objects.filter(alert__kind="overdue", channel="email")
    assert {f"{d.sent_at.astimezone(SHANGHAI):%m-%d %H:%M}" for d in overdue} == {
        "09-29 07:00",
        "09-30 09:00",
        "10-01 07:00",
    }
