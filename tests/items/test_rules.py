"""One rules function: for every persona and every track state, what the item page offers,
what the API lists as allowed and what the services accept are the same set of actions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction
from django.test import Client

from duban.core.errors import DubanError
from duban.items import rules, services
from duban.items.models import Extension, Track
from tests.conftest import unit
from tests.web.conftest import advance

PERSONAS = [
    "prov_sup",
    "prov_leader",
    "city_sup",
    "county_clerk",
    "county_head",
    "sibling_clerk",
    "town_clerk",
    "dept_clerk",
    "admin_user",
]


class _Rollback(Exception):
    pass


def _build(state: str, item, people, clock) -> Track:
    """Drive Xiaodian's track (or the township's, for child_*) to ``state`` through the services."""
    clerk, head, sup = people["county_clerk"], people["county_head"], people["prov_sup"]
    track = item.tracks.get(unit__code="140105")
    clock("2021-10-08 09:00")
    if state == "assigned":
        return track
    if state == "signed":
        advance(track, clerk, to="signed")
    elif state == "deployed":
        advance(track, clerk, to="deployed")
    elif state in ("in_progress", "extension_pending", "overdue"):
        advance(track, clerk, to="in_progress")
        if state == "extension_pending":
            services.request_extension(
                actor=clerk, track_id=track.pk, reason="需协调资金", proposed_due=dt.date(2021, 10, 25)
            )
        if state == "overdue":
            clock("2021-10-20 09:00")
    elif state == "requested":
        advance(track, clerk, to="requested")
    elif state == "returned":
        advance(track, clerk, to="requested")
        services.return_track(actor=sup, track_id=track.pk, reason="佐证不足")
    elif state == "closed":
        advance(track, clerk, to="requested")
        services.close_track(actor=sup, track_id=track.pk, rating="good")
    elif state.startswith("child_"):
        advance(track, clerk, to="in_progress")
        [child] = services.pass_down(actor=head, track_id=track.pk, units=[unit("140105001")])
        if state == "child_requested":
            advance(child, people["town_clerk"], to="requested")
        return Track.objects.get(pk=child.pk)
    return Track.objects.get(pk=track.pk)


def _try(user, name: str, track: Track) -> bool:
    """Does the service accept ``name`` on ``track`` with valid input? Rolled back either way."""
    member = {"140105": "county_clerk", "140105001": "town_clerk"}[track.unit.code]
    calls = {
        "sign": lambda: services.sign(actor=user, track_id=track.pk),
        "extend": lambda: services.request_extension(
            actor=user,
            track_id=track.pk,
            reason="理由",
            proposed_due=dt.date(2021, 12, 31),
        ),
        "route": lambda: services.route(
            actor=user,
            track_id=track.pk,
            assignee_id=type(user).objects.get(username=member).pk,
        ),
        "pass_down": lambda: services.pass_down(actor=user, track_id=track.pk, units=[unit("140105001")]),
        "close": lambda: services.close_track(actor=user, track_id=track.pk, rating="pass"),
        "return": lambda: services.return_track(actor=user, track_id=track.pk, reason="不够具体"),
        "urge": lambda: services.urge(actor=user, track_id=track.pk, message="请抓紧"),
    }
    for kind in rules.REPORT_FLOW:
        calls[f"report_{kind}"] = lambda kind=kind: services.file_report(
            actor=user, track_id=track.pk, kind=kind, done="已办理"
        )
    ext = Extension.objects.filter(track=track).order_by("-pk").first()
    if name == "decide_extension":
        if ext is None:
            return False
        calls[name] = lambda: services.decide_extension(actor=user, extension_id=ext.pk, grant=True)
    try:
        with transaction.atomic():
            calls[name]()
            raise _Rollback
    except _Rollback:
        return True
    except DubanError:
        return False


def _page_actions(html: str, track_pk: int) -> set[str]:
    start = html.index(f'id="track-{track_pk}"')
    section = html[start : html.index("</section>", start)]
    found = set(re.findall(r'data-action="(\w+)"', section))
    if "report" in found:
        found.remove("report")
        form = section[section.index('data-action="report"') :]
        select = form[form.index('name="kind"') : form.index("</select>")]
        found |= {f"report_{k}" for k in re.findall(r'<option value="(\w+)"', select)}
    return found


STATES = [
    "assigned",
    "signed",
    "deployed",
    "in_progress",
    "extension_pending",
    "overdue",
    "requested",
    "returned",
    "closed",
    "child_assigned",
    "child_requested",
]


@pytest.mark.parametrize("state", STATES)
def test_page_api_and_services_agree(request, state, assigned_item, clock):
    people = {name: request.getfixturevalue(name) for name in PERSONAS}
    track = _build(state, assigned_item, people, clock)
    agreed = 0
    for name, user in people.items():
        client = Client()
        client.force_login(user)
        page = client.get(f"/items/{assigned_item.pk}/")
        api = client.get(f"/api/v1/tracks/{track.pk}")
        if page.status_code == 404:
            # Not visible: the API hides it too, and no service acts on it.
            assert api.status_code == 404, name
            assert not any(_try(user, a, track) for a in rules.TRACK_ACTIONS), name
            continue
        assert page.status_code == 200 and api.status_code == 200, name
        offered = _page_actions(page.content.decode(), track.pk)
        listed = {a["name"] for a in api.json()["actions"] if a["allowed"]}
        accepted = {a for a in rules.TRACK_ACTIONS if _try(user, a, track)}
        assert offered == listed == accepted, (name, state, offered, listed, accepted)
        refused = [a for a in api.json()["actions"] if not a["allowed"]]
        assert all(a["code"] and a["reason"] for a in refused), refused
        agreed += bool(accepted)
    # Every open state lets somebody do something (the test would pass vacuously otherwise); a
    # closed track lets nobody do anything.
    assert (agreed == 0) if state == "closed" else (agreed >= 1)


def test_refusal_in_the_api_is_the_refusal_of_the_service(assigned_item, county_clerk, clock):
    """The reason the API lists for a refused action is the error the service raises."""
    clock("2021-10-08 09:00")
    track = assigned_item.tracks.get()
    listed = rules.track_actions(county_clerk, track)["report_feedback"]
    assert not listed.allowed and listed.code == "out_of_order"
    with pytest.raises(DubanError) as exc:
        services.file_report(actor=county_clerk, track_id=track.pk, kind="feedback", done="x")
    assert (exc.value.code, exc.value.message) == (listed.code, listed.reason)


def test_instruct_offered_only_to_leaders(assigned_item, prov_leader, prov_sup):
    for user, expected in ((prov_leader, True), (prov_sup, False)):
        c = Client()
        c.force_login(user)
        html = c.get(f"/items/{assigned_item.pk}/").content.decode()
        api = {a["name"]: a["allowed"] for a in c.get(f"/api/v1/items/{assigned_item.pk}").json()["actions"]}
        assert ('data-action="instruct"' in html) is expected is api["instruct"]
