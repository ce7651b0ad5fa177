"""Session limits: a login ends after DUBAN_SESSION_IDLE_MINUTES without a request from its
person and DUBAN_SESSION_HOURS after it began, whichever comes first (0 turns a limit off).

Times come from the system clock and live in the session (set at login by ``signals.on_login``).
The last-seen time is written at most once a minute, so an active person costs one session write
a minute rather than one per request. Requests a page makes by itself (the header's unread
count polls every half minute) do not count as the person being there.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

from duban.core.clock import now

from .signals import SESSION_LOGIN_AT, SESSION_SEEN_AT

# URL names requested by a page on its own, not by the person.
PASSIVE_VIEWS = frozenset({"notify:unread"})
TOUCH_SECONDS = 60


def expiry_reason(session, at: float) -> str:
    """ "idle", "absolute" or "" for a logged-in session at epoch seconds ``at``."""
    hours = settings.DUBAN_SESSION_HOURS
    idle = settings.DUBAN_SESSION_IDLE_MINUTES
    login_at = session.get(SESSION_LOGIN_AT)
    seen_at = session.get(SESSION_SEEN_AT, login_at)
    if login_at is None:
        # A session from before the limits existed: start counting now rather than end it.
        return ""
    if hours and at - float(login_at) >= hours * 3600:
        return "absolute"
    if idle and seen_at is not None and at - float(seen_at) >= idle * 60:
        return "idle"
    return ""


def expiry_message(reason: str) -> str:
    if reason == "absolute":
        return f"登录已满 {settings.DUBAN_SESSION_HOURS} 小时，请重新登录"
    return f"{settings.DUBAN_SESSION_IDLE_MINUTES} 分钟未操作，已自动退出，请重新登录"


class SessionLimits:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        limited = settings.DUBAN_SESSION_IDLE_MINUTES or settings.DUBAN_SESSION_HOURS
        if limited and user is not None and user.is_authenticated:
            session = request.session
            at = now().timestamp()
            if session.get(SESSION_LOGIN_AT) is None:
                session[SESSION_LOGIN_AT] = session[SESSION_SEEN_AT] = at
            reason = expiry_reason(session, at)
            if reason:
                request.duban_logout_reason = reason
                logout(request)
                messages.info(request, expiry_message(reason))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.DUBAN_SESSION_IDLE_MINUTES:
            return None  # the last-seen time is only for the idle limit: no limit, no writes
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in PASSIVE_VIEWS:
            return None
        at = now().timestamp()
        seen = request.session.get(SESSION_SEEN_AT)
        if seen is None or at - float(seen) >= TOUCH_SECONDS:
            request.session[SESSION_SEEN_AT] = at
        return None
