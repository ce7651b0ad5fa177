"""Logins, failed logins and logouts in the journal: who came in, from where, and who tried.

Django announces each with a signal; every receiver writes one journal row in its own
transaction. A failed login has no actor (nobody proved who they are): the attempted username
and the address go in the payload, and the account, if there is one, is the row's object."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from duban.core.clock import now
from duban.journal.services import record

from .models import User

SESSION_LOGIN_AT = "duban_login_at"
SESSION_SEEN_AT = "duban_seen_at"


def _address(request) -> str | None:
    if request is None:
        return None
    try:
        return get_client_ip_address(request)
    except Exception:  # noqa: BLE001 — a malformed forwarded header must not fail the login
        return request.META.get("REMOTE_ADDR")


@receiver(user_logged_in, dispatch_uid="duban.orgs.login")
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # Where the idle and absolute limits count from (duban.orgs.middleware).
        stamp = now().timestamp()
        request.session[SESSION_LOGIN_AT] = stamp
        request.session[SESSION_SEEN_AT] = stamp
    with transaction.atomic():
        record(actor=user, action="user.login", obj=user, payload={"address": _address(request)})


@receiver(user_login_failed, dispatch_uid="duban.orgs.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "")[:150]
    account = User.objects.filter(username=username).first() if username else None
    with transaction.atomic():
        record(
            actor=None,
            action="user.login_failed",
            obj=account,
            payload={
                "username": username,
                "address": _address(request),
                "locked": bool(getattr(request, "axes_locked_out", False)),
            },
        )


@receiver(user_logged_out, dispatch_uid="duban.orgs.logout")
def on_logout(sender, request, user, **kwargs):
    if user is None:  # logging out without a session: nothing happened
        return
    reason = getattr(request, "duban_logout_reason", "") if request is not None else ""
    payload = {"address": _address(request)}
    if reason:
        payload["reason"] = reason
    with transaction.atomic():
        record(actor=user, action="user.logout", obj=user, payload=payload)
