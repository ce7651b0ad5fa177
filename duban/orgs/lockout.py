"""Login throttling on django-axes: an account is locked after DUBAN_LOGIN_MAX_FAILURES wrong
passwords, an address after DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS (higher: a whole office may sit
behind one NAT address), each for DUBAN_LOGIN_LOCKOUT_MINUTES after the last failure, or until an
admin unlocks the account (``services.unlock_login``).

Axes compares one failure count with one limit; ``Handler.get_failures`` folds the two limits
into that count and notes on the request which of them tripped, so the refusal can say whether
the account or the address is locked. Axes' times are replaced by the system clock so that the
cool-off follows ``travel_to`` like everything else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render

from duban.core.clock import now


def account_limit() -> int:
    return settings.AXES_FAILURE_LIMIT


def address_limit() -> int:
    return settings.DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS


def cool_off() -> dt.timedelta:
    return settings.AXES_COOLOFF_TIME


def _recent(qs, at: dt.datetime):
    return qs.filter(attempt_time__gt=at - cool_off())


class Handler(AxesDatabaseHandler):
    def _stamp(self, request) -> None:
        if request is not None and not getattr(request, "duban_clock", False):
            request.axes_attempt_time = now()
            request.duban_clock = True

    def is_allowed(self, request, credentials=None) -> bool:
        self._stamp(request)
        return super().is_allowed(request, credentials)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        self._stamp(request)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        self._stamp(request)
        return super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        self._stamp(request)
        return super().user_logged_out(sender, request, user, **kwargs)

    def get_failures(self, request, credentials=None) -> int:
        self._stamp(request)
        at = request.axes_attempt_time
        username = get_client_username(request, credentials)
        by_account = 0
        if username:
            by_account = (
                _recent(AccessAttempt.objects.filter(username=username), at).aggregate(
                    n=Sum("failures_since_start")
                )["n"]
                or 0
            )
        by_address = 0
        if request.axes_ip_address:
            by_address = (
                _recent(AccessAttempt.objects.filter(ip_address=request.axes_ip_address), at).aggregate(
                    n=Sum("failures_since_start")
                )["n"]
                or 0
            )
        if by_account >= account_limit():
            request.duban_lock = "account"
            return by_account
        if by_address >= address_limit():
            request.duban_lock = "address"
            return max(by_account, account_limit())
        return by_account


def lockout_message(kind: str) -> str:
    minutes = int(cool_off().total_seconds() // 60)
    if kind == "address":
        return f"该地址登录失败次数过多，已暂停从此地址登录，请 {minutes} 分钟后再试。"
    return f"连续 {account_limit()} 次密码错误，账号已被锁定。请 {minutes} 分钟后再试，或联系管理员解除锁定。"


def lockout_response(request, original_response=None, credentials=None):
    """The login page again with why it refused (AXES_LOCKOUT_CALLABLE)."""
    return render(
        request,
        "web/login.html",
        {
            "lockout": lockout_message(getattr(request, "duban_lock", "account")),
            "username": get_client_username(request, credentials) or "",
            "next": request.POST.get("next", ""),
        },
        status=429,
    )


# ---------------------------------------------------------------------------------------------
# Reads for the admins' pages


@dataclass(frozen=True)
class LockState:
    failures: int
    locked: bool
    last_at: dt.datetime | None
    addresses: tuple[str, ...]
    until: dt.datetime | None


def lock_state(username: str, at: dt.datetime | None = None) -> LockState:
    at = at or now()
    rows = _recent(AccessAttempt.objects.filter(username=username), at)
    agg = rows.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    failures = agg["n"] or 0
    addresses = tuple(sorted({a for a in rows.values_list("ip_address", flat=True) if a}))[:20]
    locked = failures >= account_limit()
    return LockState(
        failures=failures,
        locked=locked,
        last_at=agg["last"],
        addresses=addresses,
        until=agg["last"] + cool_off() if locked and agg["last"] else None,
    )


def locked_usernames(usernames: list[str], at: dt.datetime | None = None) -> set[str]:
    """Which of ``usernames`` are locked now: one grouped query for a page of people."""
    at = at or now()
    rows = (
        _recent(AccessAttempt.objects.filter(username__in=usernames), at)
        .values("username")
        .annotate(n=Sum("failures_since_start"))
    )
    return {r["username"] for r in rows if r["n"] >= account_limit()}


def forwarded_address(request) -> str | None:
    """The client's address behind DUBAN_PROXY_COUNT reverse proxies (AXES_CLIENT_IP_CALLABLE).

    Each proxy appends the address it saw to X-Forwarded-For, so the client is the entry that
    many places from the right; anything further left was written by the client and is not
    trusted."""
    count = settings.DUBAN_PROXY_COUNT
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if count and len(hops) >= count:
        return hops[-count][:45]
    return request.META.get("REMOTE_ADDR")
