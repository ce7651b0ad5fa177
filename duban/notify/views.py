"""站内消息, 消息设置 and the admins' 提醒设置 / 发送记录 pages.

Reads through ``notify.selectors`` (which take the viewer), writes through ``notify.services``;
which pages a user gets is ``items.rules.user_actions``. A refusal shows the service's message.
"""

from __future__ import annotations

import urllib.parse

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from duban.core.errors import DubanError, NotFound
from duban.core.paging import CappedPaginator
from duban.items.rules import user_actions

from . import channels, rules, selectors, services
from .kinds import AUDIENCES, KINDS
from .models import Channel, DeliveryState, Flavour

PAGE_SIZE = 50


def _allowed(request, action: str) -> None:
    if action not in user_actions(request.user):
        raise Http404(_("页面不存在"))


def _act(request, call, *, done: str, missing: str) -> None:
    """Run a service for a POST: a 404 for what the viewer may not see, the service's own
    message for a refusal, ``done`` for success."""
    try:
        call()
    except NotFound:
        raise Http404(missing) from None
    except DubanError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


def _page(request, qs):
    return CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def inbox(request):
    unread = request.GET.get("unread") == "1"
    page = _page(request, selectors.inbox(request.user, unread=unread))
    return render(
        request, "notify/inbox.html", {"page": page, "unread": unread, "query": "unread=1" if unread else ""}
    )


@login_required
def unread(request):
    """The header's count, polled by duban.js so a new message shows without a reload."""
    return JsonResponse(
        {"unread": selectors.unread_count(request.user)}, headers={"Cache-Control": "no-store"}
    )


@login_required
@require_POST
def open_message(request, notification_id: int):
    try:
        n = services.mark_read(actor=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404(_("消息不存在")) from None
    alert = n.alert
    if alert.item_id:
        return HttpResponseRedirect(reverse("web:item", args=[alert.item_id]))
    # Only the path of the stored link: the redirect never leaves this site.
    path = urllib.parse.urlsplit(alert.url).path
    return HttpResponseRedirect(
        path if path.startswith("/") and not path.startswith("//") else reverse("notify:inbox")
    )


@login_required
@require_POST
def read_all(request):
    count = services.mark_all_read(actor=request.user)
    messages.success(request, _("已将 %(n)s 条消息标为已读") % {"n": count})
    return HttpResponseRedirect(reverse("notify:inbox"))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    status = 200
    if request.method == "POST":
        p = request.POST
        try:
            services.save_preferences(
                actor=request.user,
                email_kinds=p.getlist("email"),
                sms_kinds=p.getlist("sms"),
                digest=p.get("digest") == "1",
                digest_hour=p.get("digest_hour", 8),
                quiet=p.get("quiet") == "1",
                quiet_start=p.get("quiet_start", 22),
                quiet_end=p.get("quiet_end", 7),
            )
        except DubanError as exc:
            messages.error(request, exc.message)
            status = 422
        else:
            messages.success(request, _("消息设置已保存"))
            return HttpResponseRedirect(reverse("notify:preferences"))
    prefs = selectors.preferences(request.user)
    rows = [
        {
            "code": k.code,
            "label": k.label,
            "email": prefs.wants(Channel.EMAIL, k.code),
            "sms": prefs.wants(Channel.SMS, k.code),
        }
        for k in KINDS.values()
    ]
    return render(
        request,
        "notify/preferences.html",
        {
            "rows": rows,
            "prefs": prefs,
            "hours": range(24),
            "email_on": channels.email_enabled(),
            "sms_on": channels.sms_enabled(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_settings(request):
    _allowed(request, "notify_settings")
    unit = request.user.unit
    status = 200
    if request.method == "POST":
        p = request.POST
        kind = p.get("kind", "")
        try:
            if p.get("reset") == "1":
                services.reset_kind_setting(actor=request.user, unit=unit, kind=kind)
            else:
                services.save_kind_setting(
                    actor=request.user,
                    unit=unit,
                    kind=kind,
                    enabled=p.get("enabled") == "1",
                    audiences=p.getlist("audience"),
                )
        except DubanError as exc:
            messages.error(request, exc.message)
            status = 422
        else:
            messages.success(request, _("“%(k)s”的提醒设置已保存") % {"k": selectors.kind_label(kind)})
            return HttpResponseRedirect(reverse("notify:unit_settings") + f"#kind-{kind}")
    return render(
        request,
        "notify/unit_settings.html",
        {
            "unit": unit,
            "rows": selectors.kind_table(unit),
            "audiences": [(k, v) for k, v in AUDIENCES.items() if k != "admins"],
            "robots": selectors.robots(request.user, unit),
            "kinds": KINDS,
            "tab": "notify",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def robot_edit(request, robot_id: int | None = None):
    _allowed(request, "notify_settings")
    unit = request.user.unit
    robot = None
    if robot_id is not None:
        try:
            robot = selectors.get_robot(request.user, robot_id)
        except NotFound:
            raise Http404(_("群机器人不存在")) from None
    status = 200
    form = None
    if request.method == "POST":
        p = request.POST
        form = p
        try:
            services.save_robot(
                actor=request.user,
                unit=unit,
                robot_id=robot_id,
                name=p.get("name", ""),
                flavour=p.get("flavour", ""),
                url=p.get("url", ""),
                secret=p.get("secret", ""),
                keep_secret=p.get("keep_secret") == "1",
                kinds=p.getlist("kinds"),
                enabled=p.get("enabled") == "1",
            )
        except DubanError as exc:
            messages.error(request, exc.message)
            status = 422
        else:
            messages.success(request, _("群机器人已保存"))
            return HttpResponseRedirect(reverse("notify:unit_settings") + "#robots")
    return render(
        request,
        "notify/robot_edit.html",
        {
            "robot": robot,
            "form": form,
            "flavours": Flavour.choices,
            "kinds": [k for k in KINDS.values() if k.code != "calendar.missing"],
            "chosen": set(form.getlist("kinds")) if form else set(robot.kinds if robot else []),
            "tab": "notify",
        },
        status=status,
    )


@login_required
@require_POST
def robot_delete(request, robot_id: int):
    _allowed(request, "notify_settings")
    _act(
        request,
        lambda: services.delete_robot(actor=request.user, robot_id=robot_id),
        done=_("群机器人已删除"),
        missing=_("群机器人不存在"),
    )
    return HttpResponseRedirect(reverse("notify:unit_settings") + "#robots")


@login_required
def deliveries(request):
    _allowed(request, "deliveries")
    state = request.GET.get("state", "")
    if state not in DeliveryState.values:
        state = ""
    page = _page(request, selectors.deliveries(request.user, state=state))
    page.object_list = list(page.object_list)
    for d in page.object_list:
        d.retryable = not rules.retry_refusal(d)  # the button shows what the service allows
    return render(
        request,
        "notify/deliveries.html",
        {
            "page": page,
            "state": state,
            "states": DeliveryState.choices,
            "query": f"state={state}" if state else "",
            "tab": "deliveries",
        },
    )


@login_required
@require_POST
def retry(request, delivery_id: int):
    _allowed(request, "deliveries")
    _act(
        request,
        lambda: services.retry_delivery(actor=request.user, delivery_id=delivery_id),
        done=_("已重新排队，将在一分钟内发送"),
        missing=_("发送记录不存在"),
    )
    back = reverse("notify:deliveries")
    state = request.POST.get("state", "")
    if state in DeliveryState.values:  # back to the tab the admin was on
        back += "?state=" + state
    return HttpResponseRedirect(back)
