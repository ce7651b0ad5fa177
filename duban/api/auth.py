"""Who is calling: a bearer token (scripts) or the browser's session (with CSRF).

Tokens are random strings shown once; only their SHA-256 is stored, so a leaked database does
not leak working tokens. Both kinds of caller reach the same services with the same user. A
token past its expiry or revoked is refused with its own code (``token_expired``,
``token_revoked``), so whoever runs the script learns what to do about it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from duban.core.clock import now
from duban.core.errors import DubanError
from duban.orgs.models import ApiToken
from duban.orgs.selectors import token_with_user

# Creating a token is an orgs service (journaled, decided by orgs.rules); the old name stays
# because scripts and tests call it from here.
from duban.orgs.services import TOKEN_PREFIX  # noqa: F401
from duban.orgs.services import create_token as issue_token  # noqa: F401
from duban.orgs.services import token_digest as digest

# Writing last_used_at on every call would turn each read into a write; a minute is precise
# enough to tell a live script from an abandoned token.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


class Unauthenticated(DubanError):
    status = 401
    code = "unauthenticated"


class CsrfFailed(DubanError):
    status = 403
    code = "csrf_failed"


def touch(token: ApiToken, at: dt.datetime) -> None:
    """Note the token's use, at most once per ``TOUCH_INTERVAL`` (not journaled: not a change
    of anything a person decided)."""
    if token.last_used_at is None or at - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
        token.last_used_at = at


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        token = token.strip()
        found = token_with_user(digest(token)) if 0 < len(token) <= 200 else None
        if found is None or not found.user.is_active:
            # A wrong token is an error even if a session cookie rides along: a script should
            # learn that its token is bad rather than silently act as whoever is logged in.
            raise Unauthenticated("访问令牌无效或已停用")
        at = now()
        state = found.state_at(at)
        if state == "revoked":
            raise Unauthenticated("访问令牌已被吊销，请重新创建", code="token_revoked")
        if state == "expired":
            raise Unauthenticated("访问令牌已过期，请重新创建", code="token_expired")
        touch(found, at)
        request.user = found.user
        request.duban_auth = "token"
        return found.user


class SessionAuth(APIKeyCookie):
    """Django's session, with Django's CSRF check on unsafe methods.

    Checked only once we know the session is logged in, so an anonymous POST is told it is
    unauthenticated (401) rather than that its CSRF token is missing.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed("CSRF 校验失败，请刷新页面后重试")
        request.duban_auth = "session"
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
