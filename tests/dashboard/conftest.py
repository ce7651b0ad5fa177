"""A small province for the dashboard: items through known histories in March 2026.

At 2026-03-20 10:00 (a Friday):

| item | source | handled by | history | light on 03-20 |
| --- | --- | --- | --- | --- |
| A 城区道路整治 | meeting | 小店区 | reported on time, closed 03-06 | closed on time |
| B 5G基站建设 | work_report | 大同市 | never signed (sign due 03-03) | red, 13 working days late |
| C 老旧小区改造 | work_report | 太原市 | result filed 03-13, due 03-11; closed 03-16 | closed late |
| D 供暖管网改造 | meeting | 迎泽区 | assigned 03-18, not signed (due 03-19) | red, 1 working day late |
| E 学校建设 | meeting | 小店区 | assigned 03-20 09:00 | green |
| F 就业帮扶 | work_report | 大同市 lead, 小店区 co-op | assigned 03-19 | yellow (sign due today) |

The provincial leader instructed (批示) on B.
"""

from __future__ import annotations

import pytest
from django.test import Client

from duban.items import services
from duban.items.models import Source
from tests.conftest import make_user, unit

STORY_AT = "2026-03-20 10:00"


@pytest.fixture
def as_user():
    def login(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return login


def finish(item, unit_code, clerk, sup, clock, *, reported, closed):
    """Sign, deploy, feed back and ask to close (the last at ``reported``), then close."""
    track = item.tracks.get(unit__code=unit_code)
    services.sign(actor=clerk, track_id=track.pk)
    services.file_report(actor=clerk, track_id=track.pk, kind="deploy", done="已部署")
    services.file_report(actor=clerk, track_id=track.pk, kind="feedback", done="正在推进")
    clock(reported)
    services.file_report(actor=clerk, track_id=track.pk, kind="result", done="已完成")
    clock(closed)
    services.close_track(actor=sup, track_id=track.pk, rating="good")


@pytest.fixture
def story(prov_sup, prov_leader, clock):
    xd = make_user("xd_clerk_d", unit("140105"), "clerk")
    ty = make_user("ty_clerk_d", unit("140100"), "clerk")
    out = {}
    clock("2026-03-02 10:00")

    def reg(key, title, lead, *, source=Source.MEETING, coop=()):
        out[key] = services.register_and_assign(
            actor=prov_sup,
            title=title,
            source=source,
            lead=[unit(c) for c in lead],
            coop=[unit(c) for c in coop],
        )

    reg("A", "城区道路整治", ["140105"])
    reg("B", "5G基站建设", ["140200"], source=Source.WORK_REPORT)
    reg("C", "老旧小区改造", ["140100"], source=Source.WORK_REPORT)
    clock("2026-03-02 11:00")
    finish(out["A"], "140105", xd, prov_sup, clock, reported="2026-03-05 10:00", closed="2026-03-06 10:00")
    clock("2026-03-02 11:00")
    finish(out["C"], "140100", ty, prov_sup, clock, reported="2026-03-13 10:00", closed="2026-03-16 10:00")
    clock("2026-03-18 10:00")
    reg("D", "供暖管网改造", ["140106"])
    clock("2026-03-19 10:00")
    reg("F", "就业帮扶", ["140200"], source=Source.WORK_REPORT, coop=["140105"])
    services.add_instruction(actor=prov_leader, item_id=out["B"].pk, text="请抓紧推进，月底前报告进展")
    clock("2026-03-20 09:00")
    reg("E", "学校建设", ["140105"])
    clock(STORY_AT)
    return out
