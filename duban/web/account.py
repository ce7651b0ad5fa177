"""Everyone's own account pages — 修改密码 and 我的令牌 — and the admins' list of their
subtree's API tokens (管理 → 令牌). Every form calls a journaled service in duban.orgs; a
refusal shows the service's Chinese message and changes nothing. Which buttons show is
``orgs.rules``; the views only render what it decided."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from duban.core.clock import now
from duban.core.errors import DubanError, InvalidInput
from duban.items.rules import user_actions
from duban.orgs import rules as org_rules
from duban.orgs import selectors as org_selectors
from duban.orgs import services as org_services

STATE_LABELS = {"active": "有效", "expired": "已过期", "revoked": "已吊销"}


def _status(exc: DubanError) -> int:
    return exc.status if exc.status != 404 else 422


@login_required
@require_http_methods(["GET", "POST"])
def password(request):
    status = 200
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("password", "") != p.get("password2", ""):
                raise InvalidInput("两次输入的新密码不一致", code="mismatch", field="password2")
            user = org_services.change_own_password(
                actor=request.user,
                old_password=p.get("old_password", ""),
                new_password=p.get("password", ""),
            )
        except DubanError as exc:
            messages.error(request, exc.message)
            status = _status(exc)
        else:
            # The password is part of the session's hash: keep this login, end the others.
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改")
            return HttpResponseRedirect(reverse("web:password"))
    return render(
        request,
        "web/account/password.html",
        {"rules": password_validators_help_texts()},
        status=status,
    )


def _rows(actor, tokens) -> list[dict]:
    at = now()
    return [
        {
            "token": t,
            "state": t.state_at(at),
            "state_label": STATE_LABELS[t.state_at(at)],
            "actions": org_rules.token_actions(actor, t),
        }
        for t in tokens
    ]


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    status = 200
    created = None
    form = {}
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "revoke":
                token = org_services.revoke_token(actor=request.user, token_id=_int(p.get("token")))
                messages.success(request, f"已吊销令牌“{token.name}”")
            else:
                form = p
                token, raw = org_services.create_token(
                    actor=request.user, user=request.user, name=p.get("name", ""), days=p.get("days")
                )
                # Shown in this response only: the page after a reload no longer has it.
                created = {"token": token, "raw": raw}
                form = {}
                status = 201
        except DubanError as exc:
            messages.error(request, exc.message)
            status = _status(exc)
        else:
            if created is None:
                return HttpResponseRedirect(reverse("web:tokens"))
    return render(
        request,
        "web/account/tokens.html",
        {
            "rows": _rows(request.user, org_selectors.tokens_of(request.user)),
            "created": created,
            "form": form,
            "default_days": org_rules.TOKEN_DAYS_DEFAULT,
            "max_days": org_rules.TOKEN_DAYS_MAX,
            "can_create": org_rules.may_create_token(request.user, request.user) is None,
        },
        status=status,
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput("请选择令牌", code="required", field="token") from None


@login_required
@require_http_methods(["GET", "POST"])
def manage_tokens(request):
    # Part of 人员 management: whoever keeps a subtree's people keeps their tokens.
    if "manage_users" not in user_actions(request.user):
        raise Http404("页面不存在")
    status = 200
    if request.method == "POST":
        try:
            token = org_services.revoke_token(actor=request.user, token_id=_int(request.POST.get("token")))
        except DubanError as exc:
            messages.error(request, exc.message)
            status = _status(exc)
        else:
            messages.success(request, f"已吊销 {token.user.username} 的令牌“{token.name}”")
            return HttpResponseRedirect(reverse("web:manage_tokens") + "?" + request.GET.urlencode())
    q = request.GET.get("q", "")
    state = "active" if request.GET.get("state") == "active" else ""
    return render(
        request,
        "web/manage/tokens.html",
        {
            "rows": _rows(request.user, org_selectors.managed_tokens(request.user, q=q, state=state)),
            "q": q,
            "state": state,
            "tab": "tokens",
        },
        status=status,
    )
