"""Targets fixtures: a provincial work-report item with a 5G target led by 工信厅.

Story (2026): the province assigns "再新建5G基站1.5万座" on 2026-01-05 to 省工信厅, which leads;
the target is split among cities and Taiyuan's share among its districts in the tests that need it.
"""

from __future__ import annotations

import pytest

from tests.conftest import dept, make_user, unit


@pytest.fixture
def gxt_clerk(shanxi):
    return make_user("gxt_clerk", dept("省工信厅"), "clerk")


@pytest.fixture
def gxt_head(shanxi):
    return make_user("gxt_head", dept("省工信厅"), "head")


@pytest.fixture
def city_clerk(shanxi):
    return make_user("city_clerk", unit("140100"), "clerk")


@pytest.fixture
def datong_sup(shanxi):
    return make_user("datong_sup", unit("140200"), "supervisor")


@pytest.fixture
def datong_clerk(shanxi):
    return make_user("datong_clerk", unit("140200"), "clerk")


@pytest.fixture
def fiveg(prov_sup, clock):
    """The item and its target: 15,000 base stations in 2026, cumulative, monthly, due the 10th."""
    import datetime as dt

    from duban.items import services as items
    from duban.targets import services

    clock("2026-01-05 09:00")
    item = items.register_and_assign(
        actor=prov_sup,
        title="再新建5G基站1.5万座",
        source="work_report",
        category="continuous",
        final_due=dt.date(2026, 12, 31),
        progress_days=[dt.date(2026, 6, 30)],
        lead=[dept("省工信厅")],
    )
    target = services.create_target(
        actor=prov_sup,
        item_id=item.pk,
        indicator="5G基站",
        value=15000,
        unit_label="座",
        source_text="再新建5G基站1.5万座",
    )
    return target
