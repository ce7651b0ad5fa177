"""Every transition of a track and every refusal; refusals change nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.core.clock import SHANGHAI
from duban.core.errors import Forbidden, InvalidInput, InvalidState, NotFound, StaleVersion
from duban.items import selectors, services, status
from duban.items.models import Attachment, Extension, Item, Node, Report, Review, Track, TrackState
from duban.journal.models import Event
from duban.journal.services import verify
from tests.conftest import make_user, unit

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def local(d):
    return d.astimezone(SHANGHAI)


def the_track(item):
    return Track.objects.get(item=item, parent__isnull=True)


def advance_to_requested(track, clerk, clock):
    clock("2021-10-08 09:00")
    services.sign(actor=clerk, track_id=track.pk)
    services.file_report(actor=clerk, track_id=track.pk, kind="deploy", done="召开专题会议部署")
    services.file_report(actor=clerk, track_id=track.pk, kind="feedback", done="制定实施方案")
    services.file_report(actor=clerk, track_id=track.pk, kind="result", done="已完成改造开工")
    return Track.objects.get(pk=track.pk)


def unchanged(track):
    """Snapshot to compare before/after a refused action."""
    t = Track.objects.get(pk=track.pk)
    return (
        t.state,
        t.version,
        t.next_due_at,
        Event.objects.count(),
        Report.objects.count(),
        Review.objects.count(),
    )


def test_assignment_creates_track_with_13710_clock(assigned_item):
    track = the_track(assigned_item)
    nodes = list(track.nodes.order_by("seq"))
    assert [n.kind for n in nodes] == ["sign", "deploy", "feedback", "result"]
    assert [local(n.due_at).date().isoformat() for n in nodes] == [
        "2021-10-08",
        "2021-10-08",
        "2021-10-11",
        "2021-10-15",
    ]
    assert track.next_due_at == nodes[0].due_at
    assert track.state == TrackState.ASSIGNED
    actions = list(Event.objects.filter(item__isnull=False).order_by("seq").values_list("action", flat=True))
    assert actions == ["item.register", "track.assign"]


def test_full_lifecycle_with_return_and_rating(assigned_item, prov_sup, county_clerk, clock):
    track = advance_to_requested(the_track(assigned_item), county_clerk, clock)
    assert track.state == TrackState.REQUESTED
    assert track.requested_by == county_clerk
    assert track.next_due_at is None
    assert status.track_light(track) == "waiting"

    clock("2021-10-12 10:00")
    services.return_track(actor=prov_sup, track_id=track.pk, reason="缺少佐证材料")
    track.refresh_from_db()
    assert track.state == TrackState.RETURNED
    new_result = track.nodes.order_by("-seq").first()
    assert new_result.kind == "result" and new_result.done_at is None
    assert local(new_result.due_at).date() == dt.date(2021, 10, 15)  # 3 working days after 10-12
    assert track.next_due_at == new_result.due_at

    clock("2021-10-13 10:00")
    upload = SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")
    services.file_report(
        actor=county_clerk, track_id=track.pk, kind="result", done="补充了现场照片", files=[upload]
    )
    track.refresh_from_db()
    assert track.state == TrackState.REQUESTED
    att = Attachment.objects.get()
    assert att.content_type == "image/png" and att.size == len(PNG)

    services.close_track(actor=prov_sup, track_id=track.pk, rating="good", comment="完成较好")
    track.refresh_from_db()
    assert (track.state, track.rating) == (TrackState.CLOSED, "good")
    assert status.track_light(track) == "closed"
    assert status.item_light([track]) == "closed"
    actions = list(Event.objects.filter(item__isnull=False).order_by("seq").values_list("action", flat=True))
    assert actions == [
        "item.register",
        "track.assign",
        "track.sign",
        "report.deploy",
        "report.feedback",
        "report.result",
        "track.return",
        "report.result",
        "track.close",
    ]
    assert verify().ok


def test_lights_follow_the_clock(assigned_item, county_clerk, clock):
    track = the_track(assigned_item)
    clock("2021-10-06 10:00")
    assert status.track_light(Track.objects.get(pk=track.pk)) == "yellow"  # sign due end of 10-08
    clock("2021-09-30 12:00")
    assert status.track_light(Track.objects.get(pk=track.pk)) == "green"
    clock("2021-10-09 00:00:01")
    t = Track.objects.get(pk=track.pk)
    assert status.track_light(t) == "red"
    assert Track.objects.filter(selectors.light_filter("red"), pk=t.pk).exists()
    services.sign(actor=county_clerk, track_id=t.pk)
    services.file_report(actor=county_clerk, track_id=t.pk, kind="deploy", done="部署")
    node = Node.objects.get(track=t, kind="sign")
    st = status.node_status(node)
    assert st.late_by == dt.timedelta(seconds=2)  # lateness is data
    t.refresh_from_db()
    # 10-09 was an adjusted working Saturday: feedback is due 10-11, not today, so green.
    assert status.track_light(t) == "green"
    assert Track.objects.filter(selectors.light_filter(status.track_light(t)), pk=t.pk).exists()


@pytest.mark.parametrize("light", ["red", "yellow", "green"])
def test_light_and_filter_agree(assigned_item, clock, light):
    moments = {"red": "2021-10-09 08:00", "yellow": "2021-10-07 08:00", "green": "2021-09-30 11:00"}
    clock(moments[light])
    t = the_track(assigned_item)
    assert status.track_light(t) == light
    assert Track.objects.filter(selectors.light_filter(light), pk=t.pk).exists()


def test_refusals_change_nothing(assigned_item, prov_sup, county_clerk, county_head, clock):
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    before = unchanged(track)
    with pytest.raises(InvalidState) as e:
        services.file_report(actor=county_clerk, track_id=track.pk, kind="deploy", done="x")
    assert e.value.code == "out_of_order"
    assert unchanged(track) == before

    services.sign(actor=county_clerk, track_id=track.pk)
    before = unchanged(track)
    with pytest.raises(InvalidState) as e:
        services.sign(actor=county_head, track_id=track.pk)
    assert e.value.code == "already_signed" and "重复签收" in e.value.message
    assert unchanged(track) == before

    with pytest.raises(InvalidInput) as e:
        services.file_report(actor=county_clerk, track_id=track.pk, kind="deploy", done="   ")
    assert e.value.code == "required"
    assert unchanged(track) == before

    with pytest.raises(InvalidState):  # not yet requested
        services.close_track(actor=prov_sup, track_id=track.pk, rating="good")
    with pytest.raises(Forbidden):  # the supervisor cannot sign or report for the unit
        services.file_report(actor=prov_sup, track_id=track.pk, kind="deploy", done="x")
    assert unchanged(track) == before


def test_bad_attachment_rolls_back_the_report(assigned_item, county_clerk, clock):
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    before = unchanged(track)
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png")
    with pytest.raises(InvalidInput) as e:
        services.file_report(actor=county_clerk, track_id=track.pk, kind="deploy", done="部署", files=[exe])
    assert e.value.code == "file_type"
    assert unchanged(track) == before
    assert not Attachment.objects.exists()


def test_attachment_size_limit(assigned_item, county_clerk, clock, settings):
    settings.DUBAN_MAX_UPLOAD_BYTES = 1000
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2000)
    with pytest.raises(InvalidInput) as e:
        services.file_report(actor=county_clerk, track_id=track.pk, kind="deploy", done="部署", files=[big])
    assert e.value.code == "file_too_large"


def test_separation_of_duties(assigned_item, prov_sup, county_clerk, county_head, clock, shanxi):
    track = advance_to_requested(the_track(assigned_item), county_clerk, clock)
    before = unchanged(track)
    # The handling unit's head cannot close its own item.
    with pytest.raises(Forbidden):
        services.close_track(actor=county_head, track_id=track.pk, rating="excellent")
    # An admin of the issuing unit is not a reviewer, even as superuser.
    boss = make_user("boss", shanxi, "admin")
    boss.is_superuser = True
    boss.save()
    with pytest.raises(Forbidden):
        services.close_track(actor=boss, track_id=track.pk, rating="excellent")
    # A supervisor placed in the handling unit cannot close either.
    insider = make_user("insider_sup", unit("140105"), "supervisor")
    with pytest.raises(Forbidden):
        services.close_track(actor=insider, track_id=track.pk, rating="excellent")
    assert unchanged(track) == before
    with pytest.raises(InvalidInput):
        services.close_track(actor=prov_sup, track_id=track.pk, rating="perfect")
    assert unchanged(track) == before


def test_reporting_on_closed_track_refused(assigned_item, prov_sup, county_clerk, clock):
    track = advance_to_requested(the_track(assigned_item), county_clerk, clock)
    services.close_track(actor=prov_sup, track_id=track.pk, rating="pass")
    before = unchanged(track)
    with pytest.raises(InvalidState) as e:
        services.file_report(actor=county_clerk, track_id=track.pk, kind="progress", done="x")
    assert e.value.code == "closed"
    with pytest.raises(InvalidState):
        services.close_track(actor=prov_sup, track_id=track.pk, rating="good")
    with pytest.raises(InvalidState):
        services.urge(actor=prov_sup, track_id=track.pk)
    assert unchanged(track) == before


def test_stale_version_is_refused(assigned_item, county_clerk, county_head, clock):
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    loaded_version = track.version
    services.sign(actor=county_clerk, track_id=track.pk, expected_version=loaded_version)
    before = unchanged(track)
    with pytest.raises(StaleVersion) as e:
        services.file_report(
            actor=county_head, track_id=track.pk, kind="deploy", done="x", expected_version=loaded_version
        )
    assert e.value.status == 409 and "刷新" in e.value.message
    assert unchanged(track) == before


def test_extension_granted_moves_node_and_journals_old_due(assigned_item, prov_sup, county_clerk, clock):
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    services.sign(actor=county_clerk, track_id=track.pk)
    services.file_report(actor=county_clerk, track_id=track.pk, kind="deploy", done="部署")
    with pytest.raises(InvalidInput) as e:
        services.request_extension(
            actor=county_clerk, track_id=track.pk, reason="需要更多时间", proposed_due=dt.date(2021, 10, 11)
        )
    assert e.value.code == "date_not_later"
    ext = services.request_extension(
        actor=county_clerk, track_id=track.pk, reason="涉及多部门会商", proposed_due=dt.date(2021, 10, 20)
    )
    with pytest.raises(InvalidState):
        services.request_extension(
            actor=county_clerk, track_id=track.pk, reason="again", proposed_due=dt.date(2021, 10, 21)
        )
    with pytest.raises(Forbidden):
        services.decide_extension(actor=county_clerk, extension_id=ext.pk, grant=True)
    services.decide_extension(actor=prov_sup, extension_id=ext.pk, grant=True, note="同意")
    node = Node.objects.get(track=track, kind="feedback")
    assert local(node.due_at).date() == dt.date(2021, 10, 20)
    assert local(node.original_due_at).date() == dt.date(2021, 10, 11)
    ev = Event.objects.get(action="extension.grant")
    assert ev.old["due"].startswith("2021-10-11") and ev.new["due"].startswith("2021-10-20T15:59:59")
    with pytest.raises(InvalidState):
        services.decide_extension(actor=prov_sup, extension_id=ext.pk, grant=False)


def test_extension_refused_after_due(assigned_item, county_clerk, clock):
    track = the_track(assigned_item)
    clock("2021-10-09 09:00")  # sign was due end of 10-08
    with pytest.raises(InvalidState) as e:
        services.request_extension(
            actor=county_clerk, track_id=track.pk, reason="迟了", proposed_due=dt.date(2021, 10, 20)
        )
    assert e.value.code == "already_overdue"
    assert not Extension.objects.exists()


def test_extension_refusal(assigned_item, prov_sup, county_clerk, clock):
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    ext = services.request_extension(
        actor=county_clerk, track_id=track.pk, reason="人手不足", proposed_due=dt.date(2021, 10, 12)
    )
    services.decide_extension(actor=prov_sup, extension_id=ext.pk, grant=False, note="不同意")
    assert local(Node.objects.get(track=track, kind="sign").due_at).date() == dt.date(2021, 10, 8)
    assert Event.objects.filter(action="extension.refuse").exists()


def test_urge_shows_in_queue(assigned_item, prov_sup, county_clerk, county_head, clock):
    track = the_track(assigned_item)
    clock("2021-10-09 09:00")
    with pytest.raises(Forbidden):
        services.urge(actor=county_head, track_id=track.pk)
    services.urge(actor=prov_sup, track_id=track.pk, message="请于今日签收")
    assert selectors.queue_counts(county_clerk)["urged"] == 1
    assert selectors.queue_counts(county_head)["urged"] == 1
    assert selectors.queue_counts(county_clerk)["overdue"] == 1


def test_route_and_pass_down(assigned_item, prov_sup, county_clerk, county_head, town_clerk, clock):
    track = the_track(assigned_item)
    clock("2021-10-08 09:00")
    with pytest.raises(Forbidden):
        services.route(actor=county_clerk, track_id=track.pk, assignee_id=county_clerk.pk)
    with pytest.raises(InvalidInput):
        services.route(actor=county_head, track_id=track.pk, assignee_id=prov_sup.pk)
    services.route(actor=county_head, track_id=track.pk, assignee_id=county_clerk.pk)
    services.sign(actor=county_clerk, track_id=track.pk)
    with pytest.raises(InvalidInput):  # a sibling county is not below Xiaodian
        services.pass_down(actor=county_head, track_id=track.pk, units=[unit("140106")])
    [child] = services.pass_down(actor=county_head, track_id=track.pk, units=[unit("140105001")])
    assert child.parent_id == track.pk and child.unit.code == "140105001"
    # The township clerk sees the item and signs; the county head (issuer of the child) reviews it.
    assert selectors.items_visible_to(town_clerk).filter(pk=assigned_item.pk).exists()
    services.sign(actor=town_clerk, track_id=child.pk)
    services.file_report(actor=town_clerk, track_id=child.pk, kind="deploy", done="乡里部署")
    services.file_report(actor=town_clerk, track_id=child.pk, kind="feedback", done="乡里反馈")
    services.file_report(actor=county_clerk, track_id=track.pk, kind="deploy", done="县里部署")
    services.file_report(actor=county_clerk, track_id=track.pk, kind="feedback", done="县里反馈")
    with pytest.raises(InvalidState) as e:
        services.file_report(actor=county_clerk, track_id=track.pk, kind="result", done="完成")
    assert e.value.code == "children_open"
    services.file_report(actor=town_clerk, track_id=child.pk, kind="result", done="乡里完成")
    assert selectors.queue_counts(county_head)["to_review"] == 1
    services.close_track(actor=county_head, track_id=child.pk, rating="excellent")
    services.file_report(actor=county_clerk, track_id=track.pk, kind="result", done="完成")
    services.close_track(actor=prov_sup, track_id=track.pk, rating="good")
    assert verify().ok


def test_continuous_item_progress_nodes(prov_sup, county_clerk, clock):
    clock("2021-03-01 10:00")
    days = services.monthly_progress_days(start=dt.date(2021, 3, 1), final_due=dt.date(2021, 6, 30))
    assert days == [dt.date(2021, 3, 25), dt.date(2021, 4, 25), dt.date(2021, 5, 25), dt.date(2021, 6, 25)]
    item = services.register_and_assign(
        actor=prov_sup,
        title="新建5G基站",
        category="continuous",
        final_due=dt.date(2021, 6, 30),
        progress_days=days,
        lead=[unit("140105")],
    )
    track = the_track(item)
    kinds = list(track.nodes.order_by("seq").values_list("kind", flat=True))
    assert kinds == ["sign", "deploy", "feedback", "progress", "progress", "progress", "progress", "result"]
    services.sign(actor=county_clerk, track_id=track.pk)
    services.file_report(actor=county_clerk, track_id=track.pk, kind="deploy", done="部署")
    services.file_report(actor=county_clerk, track_id=track.pk, kind="feedback", done="反馈")
    track.refresh_from_db()
    assert local(track.next_due_at).date() == dt.date(2021, 3, 25)
    clock("2021-03-24 10:00")
    services.file_report(actor=county_clerk, track_id=track.pk, kind="progress", done="3月进度")
    track.refresh_from_db()
    assert local(track.next_due_at).date() == dt.date(2021, 4, 25)


def test_continuous_item_needs_final_due(prov_sup, clock):
    clock("2021-03-01 10:00")
    with pytest.raises(InvalidInput) as e:
        services.register_item(actor=prov_sup, title="x", category="continuous")
    assert e.value.code == "final_due_required"
    with pytest.raises(InvalidInput) as e:
        services.register_item(
            actor=prov_sup, title="x", category="continuous", final_due=dt.date(2021, 2, 1)
        )
    assert e.value.code == "date_in_past"
    assert not Item.objects.exists()


def test_register_is_idempotent_by_external_id(prov_sup, clock):
    clock("2021-03-01 10:00")
    a = services.register_and_assign(actor=prov_sup, title="a", external_id="r1:3.1", lead=[unit("140105")])
    b = services.register_and_assign(actor=prov_sup, title="a", external_id="r1:3.1", lead=[unit("140105")])
    assert a.pk == b.pk and Track.objects.filter(item=a).count() == 1


def test_idempotent_retry_after_its_dates_have_passed(prov_sup, clock):
    clock("2021-03-01 10:00")
    fields = dict(title="c", category="continuous", final_due=dt.date(2021, 6, 30), external_id="r1:3.2")
    a = services.register_and_assign(actor=prov_sup, lead=[unit("140105")], **fields)
    clock("2021-07-05 10:00")  # the import is re-run after the final due date
    b = services.register_and_assign(actor=prov_sup, lead=[unit("140105")], **fields)
    assert a.pk == b.pk and Item.objects.count() == 1


def test_assign_rules(prov_sup, city_sup, county_clerk, clock):
    clock("2021-03-01 10:00")
    with pytest.raises(Forbidden):
        services.register_item(actor=county_clerk, title="x")
    item = services.register_item(actor=prov_sup, title="x")
    with pytest.raises(InvalidInput):
        services.assign_item(actor=prov_sup, item_id=item.pk, lead=[])
    with pytest.raises(InvalidInput):  # cannot assign to itself
        services.assign_item(actor=prov_sup, item_id=item.pk, lead=[prov_sup.unit])
    with pytest.raises(NotFound):  # a city supervisor cannot even see the province's item
        services.assign_item(actor=city_sup, item_id=item.pk, lead=[unit("140105")])
    services.assign_item(actor=prov_sup, item_id=item.pk, lead=[unit("140105")], coop=[unit("140106")])
    with pytest.raises(InvalidState):
        services.assign_item(actor=prov_sup, item_id=item.pk, lead=[unit("140105")])
    assert Track.objects.filter(item=item).count() == 2
    # A city supervisor cannot assign outside the city.
    own = services.register_item(actor=city_sup, title="市级事项")
    with pytest.raises(InvalidInput):
        services.assign_item(actor=city_sup, item_id=own.pk, lead=[unit("140200")])


def test_instruction_only_by_leaders(assigned_item, prov_leader, prov_sup):
    services.add_instruction(actor=prov_leader, item_id=assigned_item.pk, text="请抓紧推进，确保年内完成")
    with pytest.raises(Forbidden):
        services.add_instruction(actor=prov_sup, item_id=assigned_item.pk, text="x")
    assert assigned_item.instructions.count() == 1


def test_a_title_with_line_breaks_becomes_one_line(prov_sup, clock):
    item = services.register_item(
        actor=prov_sup, title="  关于推进\n政务服务\r\n  “一网通办”的督办  ", body="第一行\n第二行"
    )
    assert item.title == "关于推进 政务服务 “一网通办”的督办"
    assert item.body == "第一行\n第二行"  # the body keeps its lines
