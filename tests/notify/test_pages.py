"""The inbox, the preferences page, a unit's reminder settings and robots, the delivery log."""

from __future__ import annotations

import pytest
from django.test import Client

from duban.items import services as items
from duban.journal.models import Event
from duban.notify.models import Delivery, KindSetting, Notification, Preference, Robot

from ..conftest import unit
from .conftest import pump

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_header_count_inbox_open_and_read_all(assigned_item, prov_sup, county_clerk, county_head):
    track = assigned_item.tracks.get()
    items.urge(actor=prov_sup, track_id=track.pk, message="请加快进度")
    pump()
    c = login(county_clerk)
    page = c.get("/").content.decode()
    assert 'data-unread="2"' in page  # assigned + urged
    # The item page reads the count with the item's own reads (items.selectors.item_detail's
    # ``also``): the same number.
    assert 'data-unread="2"' in c.get(f"/items/{assigned_item.pk}/").content.decode()
    inbox = c.get("/inbox/").content.decode()
    assert "【催办】推进老旧小区改造" in inbox and "请加快进度" in inbox
    urge = Notification.objects.get(recipient=county_clerk, alert__kind="urged")
    resp = c.post(f"/inbox/{urge.pk}/open/")
    assert resp.status_code == 302 and resp["Location"] == f"/items/{assigned_item.pk}/"
    assert 'data-unread="1"' in c.get("/").content.decode()
    assert 'data-unread="1"' in c.get(f"/items/{assigned_item.pk}/").content.decode()
    assert c.get("/inbox/?unread=1").content.decode().count("data-notification=") == 1
    c.post("/inbox/read-all/")
    assert 'data-unread="0" hidden' in c.get("/").content.decode()
    assert c.get("/inbox/unread.json").json() == {"unread": 0}
    # The head's inbox is the head's: the clerk cannot open it.
    other = Notification.objects.filter(recipient=county_head).first()
    assert c.post(f"/inbox/{other.pk}/open/").status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_preferences_saved_and_journaled(county_clerk):
    c = login(county_clerk)
    assert "免打扰" in c.get("/inbox/settings/").content.decode()
    before = Event.objects.count()
    resp = c.post(
        "/inbox/settings/",
        {
            "email": ["urged", "assigned"],
            "sms": ["urged"],
            "digest": "1",
            "digest_hour": "9",
            "quiet_start": "21",
            "quiet_end": "8",
        },
    )
    assert resp.status_code == 302
    p = Preference.objects.get(user=county_clerk)
    assert p.channels == {"email": ["assigned", "urged"], "sms": ["urged"]}
    assert (p.digest, p.digest_hour, p.quiet, p.quiet_start, p.quiet_end) == (True, 9, False, 21, 8)
    assert Event.objects.filter(action="notify.preferences").count() == 1 == Event.objects.count() - before
    # A bad hour changes nothing and says why.
    resp = c.post("/inbox/settings/", {"digest_hour": "25"})
    assert resp.status_code == 422 and "0–23" in resp.content.decode()
    assert Preference.objects.get(user=county_clerk).digest_hour == 9


def test_unit_settings_change_who_is_told(prov_sup, county_clerk, county_head, clock):
    c = login(prov_sup)
    assert "提醒设置" in c.get("/manage/notify/").content.decode()
    # The province's urges go to the handling unit's head only.
    resp = c.post("/manage/notify/", {"kind": "urged", "enabled": "1", "audience": ["handling_heads"]})
    assert resp.status_code == 302
    assert KindSetting.objects.get(unit__code="140000", kind="urged").audiences == ["handling_heads"]
    assert Event.objects.filter(action="notify.kind_setting").exists()
    clock("2021-09-30 10:00")
    item = items.register_and_assign(actor=prov_sup, title="河道治理", lead=[unit("140105")])
    items.urge(actor=prov_sup, track_id=item.tracks.get().pk)
    urged = Notification.objects.filter(alert__kind="urged").values_list("recipient__username", flat=True)
    assert list(urged) == ["county_head"]
    # Switched off: nobody hears of new assignments from the province.
    c.post("/manage/notify/", {"kind": "assigned", "audience": ["handlers"]})
    items.register_and_assign(actor=prov_sup, title="垃圾分类", lead=[unit("140106")])
    assert not Notification.objects.filter(alert__title__contains="垃圾分类").exists()
    # Enabled with nobody: refused, nothing saved.
    resp = c.post("/manage/notify/", {"kind": "closed", "enabled": "1"})
    assert resp.status_code == 422 and not KindSetting.objects.filter(kind="closed").exists()
    # A clerk may not change the province's settings.
    assert login(county_clerk).get("/manage/notify/").status_code == 404


def test_robot_crud_keeps_secret_out_of_journal(prov_sup):
    c = login(prov_sup)
    resp = c.post(
        "/manage/notify/robots/",
        {
            "name": "督查群",
            "flavour": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "secret": "SECxyz",
            "enabled": "1",
        },
    )
    assert resp.status_code == 302
    robot = Robot.objects.get()
    assert robot.secret == "SECxyz" and robot.unit.code == "140000"
    ev = Event.objects.get(action="notify.robot.save")
    assert "SECxyz" not in str(ev.new) and "abc" not in str(ev.new) and ev.new["signed"] is True
    resp = c.post(
        f"/manage/notify/robots/{robot.pk}/",
        {
            "name": "督查群",
            "flavour": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "keep_secret": "1",
            "kinds": ["urged"],
        },
    )
    robot.refresh_from_db()
    assert (robot.secret, robot.kinds, robot.enabled) == ("SECxyz", ["urged"], False)
    assert (
        c.post("/manage/notify/robots/", {"name": "x", "flavour": "dingtalk", "url": "ftp://x"}).status_code
        == 422
    )
    c.post(f"/manage/notify/robots/{robot.pk}/delete/")
    assert not Robot.objects.exists() and Event.objects.filter(action="notify.robot.delete").exists()


def test_delivery_log_and_retry(admin_user, prov_sup, county_clerk, assigned_item, settings):
    settings.EMAIL_BACKEND = "tests.notify.failing_mail.Backend"
    county_clerk.email = "clerk@xd.gov.cn"
    county_clerk.save()
    items.urge(actor=prov_sup, track_id=assigned_item.tracks.get().pk)
    pump()
    d = Delivery.objects.get(recipient=county_clerk, alert__kind="urged")
    Delivery.objects.filter(pk=d.pk).update(state="failed", attempts=5, last_error="SMTP 550")
    assert login(county_clerk).get("/manage/deliveries/").status_code == 404
    c = login(admin_user)
    page = c.get("/manage/deliveries/?state=failed").content.decode()
    assert "SMTP 550" in page and f'data-delivery="{d.pk}"' in page
    resp = c.post(f"/manage/deliveries/{d.pk}/retry/", {"state": "failed"})
    assert resp.status_code == 302
    d.refresh_from_db()
    assert (d.state, d.attempts) == ("waiting", 0)
    assert Event.objects.filter(action="notify.retry", object_id=d.pk).exists()
    # Retrying something that is not failed is refused and changes nothing.
    c.post(f"/manage/deliveries/{d.pk}/retry/")
    d.refresh_from_db()
    assert d.state == "waiting"
