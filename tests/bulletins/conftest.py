"""The bulletin story: November 2026, the province assigns 19 tracks (18 items) to four units.

Every item is general (7 working days) and assigned Mon 2 Nov 10:00 unless said otherwise:
sign and deploy due Tue 3 Nov, feedback Thu 5 Nov, result Wed 11 Nov (November 2026 has no
holidays). "on time" = signed and deployed 2 Nov, feedback 4 Nov, result 10 Nov, closed 12 Nov.
The bulletin is published Tue 1 Dec 10:00.

太原市 (T) 5:  T1 on time 优秀; T2 on time 良好; T3 signed and deployed late on 4 Nov (1 working
              day), closed 良好; T4 returned 12 Nov (due 17 Nov), resubmitted 16 Nov, closed 18 Nov
              合格; T5 extension asked 9 Nov, granted 10 Nov to 20 Nov, result 19 Nov, 优秀 23 Nov.
大同市 (D) 5:  D1 on time 优秀; D2 result 13 Nov (2 working days late), 合格; D3 no result (overdue
              since 12 Nov: 14 working days to 1 Dec; it passed the item down to 云冈区, whose
              track is not a row); D4 never signed (overdue since 4 Nov: 20 working days); D5 良好.
阳泉市 (Y) 5:  Y1 co-operates on G2's item, on time 良好; Y2 on time 不合格; Y3 result 10 Nov never
              reviewed (waiting: not overdue); Y4 returned 12 Nov, resubmitted 18 Nov (1 day late),
              returned 19 Nov (due 24 Nov), resubmitted 24 Nov, 合格 25 Nov; Y5 major (result due
              2 Dec), signed, deployed, fed back.
省工信厅 (G) 4: G1–G3 on time 优秀; G4 signed and deployed late on 4 Nov, 合格.
Not counted: an item assigned 30 Oct; Taiyuan's own item to 小店区; the passed-down track.
"""

from __future__ import annotations

import datetime as dt

import pytest

from duban.core.clock import SHANGHAI, travel_to
from tests.conftest import dept, make_user, unit

GXT = "山西省工业和信息化厅"

# name → (received, signed on time, reports due, reports on time, closed, due, closed on time,
#         rate, overdue now, overdue days, returns, extensions, 优秀, 良好, 合格, 不合格, points, rank)
EXPECTED = {
    "太原市": (5, 4, 16, 15, 5, 5, 5, 100.0, 0, 1, 1, 1, 2, 2, 1, 0, 9.5, 1),
    GXT: (4, 3, 12, 11, 4, 4, 4, 100.0, 0, 1, 0, 0, 3, 0, 1, 0, 9.5, 1),
    "阳泉市": (5, 5, 16, 15, 3, 4, 3, 75.0, 0, 1, 2, 0, 0, 1, 1, 1, -2.5, 3),
    "大同市": (5, 4, 15, 10, 3, 5, 2, 40.0, 2, 36, 0, 0, 1, 1, 1, 0, -12.0, 4),
}
KEYS = (
    "received",
    "signed_on_time",
    "reports_due",
    "reports_on_time",
    "closed",
    "due",
    "closed_on_time",
    "rate",
    "overdue_now",
    "overdue_days",
    "returns",
    "extensions",
    "excellent",
    "good",
    "pass",
    "fail",
    "points",
    "rank",
)
TOTALS = {
    "items": 18,
    "units": 4,
    "received": 19,
    "signed_on_time": 16,
    "reports_due": 59,
    "reports_on_time": 51,
    "closed": 15,
    "due": 18,
    "closed_on_time": 14,
    "rate": 77.8,
    "overdue_now": 2,
    "overdue_days": 39,
    "returns": 3,
    "extensions": 1,
    "excellent": 6,
    "good": 4,
    "pass": 4,
    "fail": 1,
}
PUBLISHED_AT = "2026-12-01 10:00"


def at(when: str) -> dt.datetime:
    return dt.datetime.fromisoformat(when).replace(tzinfo=SHANGHAI)


class Story:
    """Runs the services at the story's times, in time order."""

    def __init__(self, sup, clerks):
        self.sup, self.clerks, self.steps = sup, clerks, []

    def add(self, when: str, fn, *args) -> None:
        self.steps.append((at(when), len(self.steps), fn, args))

    def run(self) -> None:
        # A step may add later steps (an extension's decision needs its id).
        while self.steps:
            step = min(self.steps, key=lambda s: (s[0], s[1]))
            self.steps.remove(step)
            with travel_to(step[0]):
                step[2](*step[3])


@pytest.fixture
def clerks(shanxi):
    return {
        "T": make_user("ty_clerk", unit("140100"), "clerk"),
        "D": make_user("dt_clerk", unit("140200"), "clerk"),
        "Y": make_user("yq_clerk", unit("140300"), "clerk"),
        "G": make_user("gxt_clerk", dept("省工信厅"), "clerk"),
    }


@pytest.fixture
def story(prov_sup, city_sup, clerks):
    """Builds the story; returns the tracks by name (T1 … G4)."""
    from duban.items import services as s
    from duban.items.models import Track

    units = {"T": unit("140100"), "D": unit("140200"), "Y": unit("140300"), "G": dept("省工信厅")}
    tracks: dict[str, Track] = {}

    def assign(name: str, when: str, lead, coop=(), category="general", issuer=prov_sup):
        with travel_to(at(when)):
            item = s.register_and_assign(
                actor=issuer, title=f"督办事项{name}", category=category, lead=lead, coop=coop
            )
        return item

    for key in "TDYG":
        for i in range(1, 6):
            name = f"{key}{i}"
            if name in ("G5", "Y1"):
                continue
            if name == "G2":
                item = assign(name, "2026-11-02 10:00", [units["G"]], [units["Y"]])
                tracks["G2"] = item.tracks.get(unit=units["G"])
                tracks["Y1"] = item.tracks.get(unit=units["Y"])
                continue
            item = assign(
                name, "2026-11-02 10:00", [units[key]], category="major" if name == "Y5" else "general"
            )
            tracks[name] = item.tracks.get()
    # Not counted: before the period, another issuer's item.
    old = assign("X1", "2026-10-30 10:00", [units["T"]])
    other = assign("X2", "2026-11-03 10:00", [unit("140105")], issuer=city_sup)

    st = Story(prov_sup, clerks)

    def clerk(name):
        return clerks[name[0]]

    def sign(name, when):
        st.add(when, lambda: s.sign(actor=clerk(name), track_id=tracks[name].pk))

    def report(name, kind, when):
        st.add(
            when,
            lambda: s.file_report(
                actor=clerk(name), track_id=tracks[name].pk, kind=kind, done=f"{kind} 情况"
            ),
        )

    def close(name, rating, when):
        st.add(when, lambda: s.close_track(actor=prov_sup, track_id=tracks[name].pk, rating=rating))

    def ret(name, when):
        st.add(when, lambda: s.return_track(actor=prov_sup, track_id=tracks[name].pk, reason="材料不全"))

    def start(name, sign_at="2026-11-02 11:00", deploy_at="2026-11-02 15:00", feedback_at="2026-11-04 10:00"):
        sign(name, sign_at)
        report(name, "deploy", deploy_at)
        report(name, "feedback", feedback_at)

    def on_time(name, rating):
        start(name)
        report(name, "result", "2026-11-10 10:00")
        close(name, rating, "2026-11-12 10:00")

    on_time("T1", "excellent")
    on_time("T2", "good")
    start("T3", sign_at="2026-11-04 09:00", deploy_at="2026-11-04 10:00", feedback_at="2026-11-05 10:00")
    report("T3", "result", "2026-11-10 10:00")
    close("T3", "good", "2026-11-12 10:00")
    start("T4")
    report("T4", "result", "2026-11-10 10:00")
    ret("T4", "2026-11-12 10:00")
    report("T4", "result", "2026-11-16 10:00")
    close("T4", "pass", "2026-11-18 10:00")
    start("T5")

    def extend():
        ext = s.request_extension(
            actor=clerks["T"],
            track_id=tracks["T5"].pk,
            reason="需协调用地",
            proposed_due=dt.date(2026, 11, 20),
        )
        st.add(
            "2026-11-10 09:00", lambda: s.decide_extension(actor=prov_sup, extension_id=ext.pk, grant=True)
        )

    st.add("2026-11-09 10:00", extend)
    report("T5", "result", "2026-11-19 10:00")
    close("T5", "excellent", "2026-11-23 10:00")

    on_time("D1", "excellent")
    start("D2")
    report("D2", "result", "2026-11-13 10:00")
    close("D2", "pass", "2026-11-16 10:00")
    start("D3")
    st.add(
        "2026-11-05 10:00",
        lambda: s.pass_down(actor=clerks["D"], track_id=tracks["D3"].pk, units=[unit("140214")]),
    )
    on_time("D5", "good")

    on_time("Y1", "good")
    on_time("Y2", "fail")
    start("Y3")
    report("Y3", "result", "2026-11-10 10:00")
    start("Y4")
    report("Y4", "result", "2026-11-10 10:00")
    ret("Y4", "2026-11-12 10:00")
    report("Y4", "result", "2026-11-18 10:00")
    ret("Y4", "2026-11-19 10:00")
    report("Y4", "result", "2026-11-24 10:00")
    close("Y4", "pass", "2026-11-25 10:00")
    start("Y5")

    for g in ("G1", "G2", "G3"):
        on_time(g, "excellent")
    start("G4", sign_at="2026-11-04 09:00", deploy_at="2026-11-04 09:30", feedback_at="2026-11-05 10:00")
    report("G4", "result", "2026-11-10 10:00")
    close("G4", "pass", "2026-11-12 10:00")

    st.run()
    tracks["old"] = old.tracks.get()
    tracks["other"] = other.tracks.get()
    for t in tracks.values():
        t.refresh_from_db()
    return tracks
