"""Printable forms (督办通知单, 催办单, the record), publishing an item, and the public page that
shows only published fields without a login."""

from __future__ import annotations

import pytest
from django.test import Client

from duban.core.errors import Forbidden, InvalidState
from duban.items import services
from duban.items.models import Item
from duban.journal.models import Event

from .conftest import PUBLIC_TEXT, SECRETS

pytestmark = pytest.mark.django_db


def client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_notice_prints_what_who_by_when_and_issuer(story, prov_sup, county_clerk):
    for user in (prov_sup, county_clerk):
        html = client(user).get(f"/ledgers/print/item/{story.a.pk}/notice/").content.decode()
        assert "督办通知单" in html and "推进老旧小区改造" in html
        assert "小店区" in html and "迎泽区" in html and "山西省" in html
        assert "2021-10-15 23:59" in html  # the result node, as assigned
        assert "2021-10-20 23:59" not in html  # not the result node a return added
        assert 'class="topbar"' not in html and "<form" not in html


def test_urge_slip(story, prov_sup, county_clerk):
    html = client(county_clerk).get(f"/ledgers/print/urge/{story.urge.pk}/").content.decode()
    assert "催办单" in html and SECRETS.urge in html and "整治城区道路积水" in html
    assert "催办时已逾期 10 天" in html  # signing was due 10-08 23:59, urged 10-19 11:00
    assert 'class="topbar"' not in html and "<form" not in html


def test_record_has_everything_and_no_forms(story, prov_sup):
    html = client(prov_sup).get(f"/ledgers/print/item/{story.a.pk}/record/").content.decode()
    for text in (PUBLIC_TEXT, SECRETS.problem, SECRETS.return_reason, SECRETS.instruction, SECRETS.photo):
        assert text in html
    assert "逾期 10 小时完成" in html and "全程留痕" in html
    assert 'class="topbar"' not in html and "<form" not in html and "<textarea" not in html


def test_print_pages_404_for_outsiders(story, town_clerk, dept_clerk, sibling_clerk):
    for user in (town_clerk, dept_clerk):
        c = client(user)
        assert c.get(f"/ledgers/print/item/{story.a.pk}/notice/").status_code == 404
        assert c.get(f"/ledgers/print/item/{story.a.pk}/record/").status_code == 404
        assert c.get(f"/ledgers/print/urge/{story.urge.pk}/").status_code == 404
    # 迎泽区 holds a track on A, not on B: B's urge is not theirs to see.
    assert client(sibling_clerk).get(f"/ledgers/print/urge/{story.urge.pk}/").status_code == 404
    assert client(sibling_clerk).get(f"/ledgers/print/item/{story.a.pk}/notice/").status_code == 200
    assert client().get(f"/ledgers/print/item/{story.a.pk}/notice/").status_code == 302


def test_item_page_links_print_and_offers_publish_to_the_issuer_only(story, prov_sup, county_clerk, city_sup):
    html = client(prov_sup).get(f"/items/{story.a.pk}/").content.decode()
    assert f"/ledgers/print/item/{story.a.pk}/notice/" in html
    assert f"/ledgers/print/urge/{story.urge.pk}/" not in html  # B's urge is on B's page
    assert 'data-action="publish"' in html
    assert (
        f"/ledgers/print/urge/{story.urge.pk}/"
        in client(prov_sup).get(f"/items/{story.b.pk}/").content.decode()
    )
    # A meeting decision is not a work-report task: nothing to publish.
    assert 'data-action="publish"' not in client(prov_sup).get(f"/items/{story.b.pk}/").content.decode()
    for user in (county_clerk, city_sup):
        assert 'data-action="publish"' not in client(user).get(f"/items/{story.a.pk}/").content.decode()


def test_set_public_is_journaled(story, prov_sup):
    before = Event.objects.count()
    services.set_public(actor=prov_sup, item_id=story.a.pk, public=True)
    assert Item.objects.get(pk=story.a.pk).public
    e = Event.objects.order_by("-seq").first()
    assert Event.objects.count() == before + 1
    assert (e.action, e.item_id, e.actor_id, e.old, e.new) == (
        "item.publish",
        story.a.pk,
        prov_sup.pk,
        {"public": False},
        {"public": True},
    )
    services.set_public(actor=prov_sup, item_id=story.a.pk, public=True)  # no change, no row
    assert Event.objects.count() == before + 1
    services.set_public(actor=prov_sup, item_id=story.a.pk, public=False)
    assert Event.objects.order_by("-seq").first().action == "item.unpublish"
    assert not Item.objects.get(pk=story.a.pk).public


def test_set_public_refused_changes_nothing(story, prov_sup, county_clerk, city_sup, prov_leader):
    before = Event.objects.count()
    for user in (county_clerk, city_sup, prov_leader):
        with pytest.raises(Forbidden) as exc:
            services.set_public(actor=user, item_id=story.a.pk, public=True)
        assert exc.value.message == "只有立项单位的督查员可以公开事项进展"
    with pytest.raises(InvalidState) as exc:
        services.set_public(actor=prov_sup, item_id=story.b.pk, public=True)
    assert exc.value.code == "not_work_report"
    assert not Item.objects.filter(public=True).exists()
    assert Event.objects.count() == before
    # Through the page: a message, nothing changed.
    resp = client(county_clerk).post(f"/ledgers/publish/{story.a.pk}/", {"public": "1"}, follow=True)
    assert "只有立项单位的督查员可以公开事项进展" in resp.content.decode()
    assert not Item.objects.filter(public=True).exists()


def test_publish_button_posts(story, prov_sup):
    resp = client(prov_sup).post(f"/ledgers/publish/{story.a.pk}/", {"public": "1"}, follow=True)
    assert "已在公开进展页公开" in resp.content.decode()
    assert Item.objects.get(pk=story.a.pk).public


def _people(*users):
    return [s for u in users for s in (u.username, u.display_name, u.get_full_name()) if s]


def test_public_page_shows_only_published_fields(
    story, plan, prov_sup, prov_leader, county_clerk, sibling_clerk
):
    anon = client()
    assert "暂无公开的任务" in anon.get("/public/").content.decode()
    services.set_public(actor=prov_sup, item_id=story.a.pk, public=True)
    page = anon.get("/public/")
    assert page.status_code == 200
    html = page.content.decode()
    assert plan.title in html and "（五）持续改善民生" in html
    assert "推进老旧小区改造" in html and PUBLIC_TEXT in html
    assert "已完成" not in html  # 迎泽区 is still working on it
    assert "滞后" in html  # …and late
    for secret in vars(SECRETS).values():
        assert secret not in html, secret
    for name in _people(prov_sup, prov_leader, county_clerk, sibling_clerk):
        assert name not in html, name
    for internal in (
        "已开工10个小区",
        "已召开专题会议部署",
        "已完成入户调查",
        "良好",
        "attachments",
        "/items/",
    ):
        assert internal not in html, internal
    assert "整治城区道路积水" not in html  # not published
    assert anon.get(f"/public/{plan.pk}/").content.decode() == html
    assert anon.get(f"/public/{plan.pk + 1}/").status_code == 404


def test_public_progress_is_the_latest_reviewed(story, prov_sup):
    """Before the close, the approved text is the one the return reviewed; with no review, none."""
    from duban.ledgers.selectors import approved_progress

    assert approved_progress(story.coop) is None
    lead = story.lead
    assert approved_progress(lead).done == PUBLIC_TEXT
    services.set_public(actor=prov_sup, item_id=story.a.pk, public=True)
    from duban.ledgers.selectors import public_report

    (section,) = public_report(story.a.source_ref["plan"]).sections
    (item,) = section.items
    assert item.progress == PUBLIC_TEXT and str(item.progress_at) == "2021-10-18"
