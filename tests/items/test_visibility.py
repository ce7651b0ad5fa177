"""Who sees what: one selector decides, and every persona is checked against it."""

import pytest

from duban.core.errors import Forbidden, NotFound
from duban.items import selectors, services
from duban.items.models import Track
from tests.conftest import dept, make_user, unit


@pytest.fixture
def county_item(assigned_item):
    return assigned_item  # province → 小店区 (140105)


def visible(user, item):
    return selectors.items_visible_to(user).filter(pk=item.pk).exists()


def test_issuer_handler_and_overseers_see_it(
    county_item, prov_sup, prov_leader, county_clerk, county_head, city_sup
):
    assert visible(prov_sup, county_item)  # issuing unit
    assert visible(prov_leader, county_item)  # leader above
    assert visible(county_clerk, county_item)  # holds the track
    assert visible(county_head, county_item)
    assert visible(city_sup, county_item)  # Taiyuan's supervisor lies above Xiaodian


def test_outsiders_do_not(county_item, sibling_clerk, town_clerk, dept_clerk, shanxi):
    assert not visible(sibling_clerk, county_item)
    assert not visible(town_clerk, county_item)  # below, but clerks do not oversee
    assert not visible(dept_clerk, county_item)
    other_city_leader = make_user("dt_leader", unit("140200"), "leader")
    assert not visible(other_city_leader, county_item)
    township_sup = make_user("town_sup", unit("140105001"), "supervisor")
    assert not visible(township_sup, county_item)


def test_outsiders_get_not_found_for_every_action(county_item, sibling_clerk, town_clerk, clock):
    track = Track.objects.get(item=county_item)
    for persona in (sibling_clerk, town_clerk):
        for action in (
            lambda u: services.sign(actor=u, track_id=track.pk),
            lambda u: services.file_report(actor=u, track_id=track.pk, kind="deploy", done="x"),
            lambda u: services.urge(actor=u, track_id=track.pk),
            lambda u: services.close_track(actor=u, track_id=track.pk, rating="good"),
            lambda u: selectors.get_item(u, county_item.pk),
            lambda u: selectors.item_detail(u, county_item.pk),
        ):
            with pytest.raises(NotFound):
                action(persona)


def test_leader_sees_but_cannot_act(county_item, prov_leader):
    track = Track.objects.get(item=county_item)
    assert selectors.get_item(prov_leader, county_item.pk).pk == county_item.pk
    with pytest.raises(Forbidden):
        services.sign(actor=prov_leader, track_id=track.pk)
    with pytest.raises(Forbidden):
        services.close_track(actor=prov_leader, track_id=track.pk, rating="good")


def test_city_supervisor_can_urge_but_not_review(county_item, city_sup, clock):
    track = Track.objects.get(item=county_item)
    services.urge(actor=city_sup, track_id=track.pk, message="市里督促")
    with pytest.raises(Forbidden):
        services.close_track(actor=city_sup, track_id=track.pk, rating="good")


def test_department_item_visible_to_department_and_province(prov_sup, dept_clerk, city_sup, clock):
    clock("2021-03-01 10:00")
    gxt = dept("省工信厅")
    item = services.register_and_assign(actor=prov_sup, title="新建5G基站1.5万座", lead=[gxt])
    assert visible(dept_clerk, item)
    assert not visible(city_sup, item)


def test_filtered_list_and_board_respect_visibility(county_item, prov_sup, sibling_clerk, city_sup, clock):
    clock("2021-10-09 10:00")  # sign overdue
    assert list(selectors.filtered_items(prov_sup, light="red")) == [county_item]
    assert list(selectors.filtered_items(prov_sup, unit=unit("140100"), light="red")) == [county_item]
    assert list(selectors.filtered_items(prov_sup, unit=unit("140200"))) == []
    assert list(selectors.filtered_items(sibling_clerk)) == []
    board = {row["unit"].code: row for row in selectors.light_board(prov_sup)}
    assert board["140100"]["red"] == 1 and board["140100"]["total"] == 1
    city_board = {row["unit"].code: row for row in selectors.light_board(city_sup)}
    assert city_board["140105"]["red"] == 1
    assert selectors.light_board(sibling_clerk)[0]["total"] == 0


def test_queue_kinds(county_item, county_clerk, prov_sup, clock):
    clock("2021-10-08 10:00")
    counts = selectors.queue_counts(county_clerk)
    assert counts["to_sign"] == 1 and counts["due_soon"] == 1 and counts["overdue"] == 0
    assert selectors.queue_counts(prov_sup)["to_review"] == 0
    [row] = selectors.queue_page(county_clerk, "to_sign")
    assert row.item_id == county_item.pk
