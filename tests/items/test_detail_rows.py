"""The item page's hand-written reads (``selectors.item_detail`` through ``core.sqlrows``) give
the same objects, in the same order, as the ORM reads they replaced — on both databases."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from duban.items import selectors, services
from duban.items.models import Item, Track
from duban.journal.models import Event
from tests.conftest import unit
from tests.web.conftest import advance


def _fields(obj) -> dict:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in ("password",)
    }


def _same(rows, orm) -> None:
    assert [o.pk for o in rows] == [o.pk for o in orm]
    for a, b in zip(rows, orm, strict=True):
        assert _fields(a) == _fields(b)


def test_item_detail_rows_equal_the_orm(prov_sup, prov_leader, county_clerk, county_head, clock):
    clock("2021-09-30 10:00")
    item = services.register_and_assign(
        actor=prov_sup,
        title="多单位事项",
        body="正文",
        lead=[unit("140105")],
        coop=[unit("140106")],
        files=[SimpleUploadedFile("依据.txt", b"basis", content_type="text/plain")],
        not_classified=True,
    )
    track = item.tracks.get(unit__code="140105")
    advance(track, county_clerk, to="in_progress")
    for n in range(3):
        clock(f"2021-10-{11 + n} 10:00")
        services.file_report(
            actor=county_clerk,
            track_id=track.pk,
            kind="progress",
            done=f"进度{n}\n第二行",
            problems="问题" if n else "",
            files=[SimpleUploadedFile(f"佐证{n}.txt", b"x" * (n + 1), content_type="text/plain")],
        )
    services.request_extension(
        actor=county_clerk, track_id=track.pk, reason="需要时间", proposed_due=dt.date(2021, 12, 31)
    )
    children = services.pass_down(actor=county_head, track_id=track.pk, units=[unit("140105001")])
    services.urge(actor=prov_sup, track_id=children[0].pk, message="抓紧")
    services.urge(actor=prov_sup, track_id=track.pk, message="再抓紧")
    services.add_instruction(actor=prov_leader, item_id=item.pk, text="务必按期办结")

    got = selectors.item_detail(prov_sup, item.pk, journal=True)

    orm_tracks = {t.pk: t for t in Track.objects.filter(item=item)}
    assert {t.pk for t in got.track_list} == set(orm_tracks)
    # Top-level tracks first, each before the tracks passed down from it.
    assert [t.parent_id is None for t in got.track_list] == sorted(
        (t.parent_id is None for t in got.track_list), reverse=True
    )
    for t in got.track_list:
        orm = orm_tracks[t.pk]
        assert _fields(t) == _fields(orm)
        assert t.unit == orm.unit and t.unit.name == orm.unit.name
        assert t.assignee == orm.assignee
        if t.parent_id:
            assert t.parent.pk == t.parent_id and t.parent.unit == orm.parent.unit
        assert [c.pk for c in t.child_tracks] == sorted(c.pk for c in orm.children.all())
        _same(t.nodes.all(), orm.nodes.order_by("seq"))
        _same(t.reports.all(), orm.reports.all())
        for r, o in zip(t.reports.all(), orm.reports.all(), strict=True):
            assert r.author == o.author and str(r.author) == str(o.author)
            assert r.node == o.node
            _same(r.attachments.all(), o.attachments.order_by("id"))
        _same(t.reviews.all(), orm.reviews.all())
        _same(t.extensions.all(), orm.extensions.all())
        for x, o in zip(t.extensions.all(), orm.extensions.all(), strict=True):
            assert (x.node, x.requested_by, x.decided_by) == (o.node, o.requested_by, o.decided_by)
        _same(t.urges.all(), orm.urges.all())
        for u, o in zip(t.urges.all(), orm.urges.all(), strict=True):
            assert str(u.by) == str(o.by)
    fresh = Item.objects.get(pk=item.pk)
    assert _fields(got) == _fields(fresh)
    assert got.issuer_unit == fresh.issuer_unit and got.issuer_unit.path == fresh.issuer_unit.path
    assert got.created_by == fresh.created_by and str(got.created_by) == str(fresh.created_by)
    _same(got.attachment_list, fresh.attachments.order_by("uploaded_at", "id"))
    assert len(got.attachment_list) == 1
    _same(got.instruction_list, fresh.instructions.order_by("created_at", "id"))
    assert str(got.instruction_list[0].by) == str(prov_leader)
    events = list(Event.objects.filter(item=item).order_by("seq"))
    assert len(events) > 10
    assert [e.seq for e in got.event_list] == [e.seq for e in events]
    for e, o in zip(got.event_list, events, strict=True):
        assert (e.at, e.action, e.old, e.new, e.payload) == (o.at, o.action, o.old, o.new, o.payload)
        assert e.at.tzinfo is not None
        assert e.actor == o.actor and e.actor_unit == o.actor_unit
        assert (e.track.unit.name if e.track_id else None) == (o.track.unit.name if o.track_id else None)


def test_item_detail_still_hides_what_the_viewer_may_not_see(prov_sup, sibling_clerk, clock):
    import pytest

    from duban.core.errors import NotFound

    clock("2021-09-30 10:00")
    item = services.register_and_assign(actor=prov_sup, title="他县事项", lead=[unit("140105")])
    with pytest.raises(NotFound):
        selectors.item_detail(sibling_clerk, item.pk, journal=True)


def test_attached_relations_read_without_a_query_and_chain_like_the_managers(
    prov_sup, county_clerk, django_assert_num_queries, clock
):
    """``sqlrows.attach`` builds the related manager's queryset itself, with its filter deferred:
    iterating it reads nothing, and a query chained on it still reads only its own track's rows
    — the SQL the manager itself would have sent."""
    clock("2021-09-30 10:00")
    item = services.register_and_assign(
        actor=prov_sup, title="两个单位", lead=[unit("140105")], coop=[unit("140106")]
    )
    for code in ("140105", "140106"):
        services.urge(actor=prov_sup, track_id=item.tracks.get(unit__code=code).pk, message=f"催{code}")
    got = selectors.item_detail(prov_sup, item.pk)
    with django_assert_num_queries(0):
        for t in got.track_list:
            assert [u.message for u in t.urges.all()] == [f"催{t.unit.code}"]
            assert t.urges.count() == 1 and t.urges.exists()
            assert [n.kind for n in t.nodes.all()]
    for t in got.track_list:
        orm = Track.objects.get(pk=t.pk)
        chained = t.urges.order_by("-id")
        assert str(chained.query) == str(orm.urges.order_by("-id").query)
        assert [u.message for u in chained] == [f"催{t.unit.code}"]
        assert list(t.nodes.filter(seq__gte=0).values_list("id", flat=True)) == list(
            orm.nodes.filter(seq__gte=0).values_list("id", flat=True)
        )
        # The known instance comes along, as the manager sets it: no query for the way back.
        with django_assert_num_queries(1):
            assert all(u.track is t for u in t.urges.order_by("id"))


def test_compiled_visibility_is_the_orms_and_follows_the_user(
    prov_sup, prov_leader, city_sup, county_clerk, county_head, sibling_clerk, town_clerk, dept_clerk, clock
):
    """``selectors.visible_key_sql`` reuses SQL the ORM compiled from the one rule, keyed by
    everything the rule reads of the user: for every persona and key it is exactly what the ORM
    compiles now, and a change of role or unit is a different key."""
    import pytest

    from duban.core.errors import NotFound
    from duban.orgs.models import Role

    clock("2021-09-30 10:00")
    item = services.register_and_assign(actor=prov_sup, title="编译", lead=[unit("140105")])
    track = item.tracks.get()
    people = [
        prov_sup,
        prov_leader,
        city_sup,
        county_clerk,
        county_head,
        sibling_clerk,
        town_clerk,
        dept_clerk,
    ]
    for user in people:
        for pk in (1, item.pk, track.pk, 2**40):
            for model, qs in (("item", selectors.items_visible_to), ("track", selectors.tracks_visible_to)):
                sql, params = qs(user).filter(pk=pk).values("pk").query.sql_with_params()
                assert selectors.visible_key_sql(user, model, pk) == (sql, list(params))
    for bad in ("abc", None, 2**63, -(2**63) - 1):
        with pytest.raises(NotFound):
            selectors.visible_key_sql(county_clerk, "item", bad)
    # The clerk sees the track on its own unit; made a supervisor of a unit elsewhere, not.
    assert selectors.get_track(county_clerk, track.pk).pk == track.pk
    county_clerk.unit, county_clerk.role = unit("140106"), Role.SUPERVISOR
    with pytest.raises(NotFound):
        selectors.get_track(county_clerk, track.pk)
    county_clerk.unit = unit("140100")  # the city above: a supervisor there sees its subtree
    assert selectors.get_track(county_clerk, track.pk).pk == track.pk
    sql, params = (
        selectors.tracks_visible_to(county_clerk).filter(pk=track.pk).values("pk").query.sql_with_params()
    )
    assert selectors.visible_key_sql(county_clerk, "track", track.pk) == (sql, list(params))


def test_get_track_reads_what_select_related_reads(prov_sup, county_clerk, county_head, clock):
    clock("2021-09-30 10:00")
    item = services.register_and_assign(actor=prov_sup, title="下派", lead=[unit("140105")])
    track = item.tracks.get()
    advance(track, county_clerk, to="in_progress")
    child = services.pass_down(actor=county_head, track_id=track.pk, units=[unit("140105001")])[0]
    services.route(actor=county_head, track_id=track.pk, assignee_id=county_clerk.pk)
    for t in (track, child):
        got = selectors.get_track(prov_sup, t.pk)
        orm = Track.objects.select_related("item", "unit", "parent", "assignee").get(pk=t.pk)
        assert _fields(got) == _fields(orm)
        for name in ("item", "unit", "parent", "assignee"):
            a, b = getattr(got, name), getattr(orm, name)
            assert (a is None) == (b is None)
            if a is not None:  # every column (a user's but the password)
                assert _fields(a) == _fields(b)
    assert selectors.get_track(prov_sup, track.pk).assignee == county_clerk
    assert selectors.get_track(prov_sup, child.pk).parent.pk == track.pk
