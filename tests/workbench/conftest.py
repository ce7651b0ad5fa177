"""A story for the workbench: the province assigns seven items on 2021-09-30 (the day before the
National Day holiday), Taiyuan one of its own, and the units answer some of them."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from tests.conftest import make_user, unit


@pytest.fixture
def story(prov_sup, city_sup, county_clerk, sibling_clerk, clock):
    from duban.items import services
    from tests.web.conftest import advance

    clock("2021-09-30 10:00")

    def give(title, code, actor=prov_sup, **kw):
        item = services.register_and_assign(actor=actor, title=title, lead=[unit(code)], **kw)
        return item.tracks.get()

    s = SimpleNamespace()
    s.late_a = give("迟报事项甲", "140105")  # never signed
    s.late_b = give("迟报事项乙", "140105", source="work_report")
    s.late_c = give("迟报事项丙", "140106", category="major")  # Yingze
    s.city = give("市级交办事项", "140105", actor=city_sup)  # issued by Taiyuan, in the province's subtree
    s.requested = give("申请办结事项", "140105")
    advance(s.requested, county_clerk, to="requested")
    s.extending = give("申请延期事项", "140105")
    advance(s.extending, county_clerk, to="in_progress")
    services.request_extension(
        actor=county_clerk, track_id=s.extending.pk, reason="需要协调资金", proposed_due=dt.date(2021, 10, 29)
    )
    s.returned = give("被退回事项", "140105")
    advance(s.returned, county_clerk, to="requested")
    services.return_track(actor=prov_sup, track_id=s.returned.pk, reason="材料不全")
    # Two urges on 甲 already, one on 丙.
    services.urge(actor=prov_sup, track_id=s.late_a.pk, message="请签收")
    services.urge(actor=prov_sup, track_id=s.late_a.pk, message="请尽快签收")
    services.urge(actor=prov_sup, track_id=s.late_c.pk)
    for name in vars(s):
        getattr(s, name).refresh_from_db()
    return s


@pytest.fixture
def other_sup(shanxi):
    """A supervisor of Datong: another city, outside Taiyuan's and its items."""
    return make_user("dt_sup", unit("140200"), "supervisor")
