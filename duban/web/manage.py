"""管理: the admins' pages for what changes who sees what — people, units, the holiday calendar
and the lead-unit vocabulary. Every form calls a journaled service; a refusal shows the service's
Chinese message and changes nothing. Which pages a user gets is ``rules.user_actions``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from duban.core.clock import local_today
from duban.core.errors import DubanError, InvalidInput, NotFound
from duban.items.rules import user_actions
from duban.orgs import lockout as org_lockout
from duban.orgs import rules as org_rules
from duban.orgs import selectors as org_selectors
from duban.orgs import services as org_services
from duban.orgs.models import OrgUnit, Role, UnitKind
from duban.plans import selectors as plan_selectors
from duban.plans import services as plan_services
from duban.workcal import selectors as cal_selectors
from duban.workcal import services as cal_services
from duban.workcal.notice import DayEntry


def _allowed(request, action: str) -> None:
    if action not in user_actions(request.user):
        raise Http404(_("页面不存在"))


def _unit_in_reach(request, code: str | None) -> OrgUnit:
    unit = org_selectors.managed_units(request.user).filter(code=(code or "").strip()).first()
    if unit is None:
        raise InvalidInput(_("请选择本级或下级单位"), code="bad_unit", field="unit")
    return unit


@login_required
def home(request):
    allowed = user_actions(request.user)
    for action, name in (
        ("manage_users", "web:manage_users"),
        ("manage_calendar", "web:manage_calendar"),
        ("notify_settings", "notify:unit_settings"),
    ):
        if action in allowed:
            return HttpResponseRedirect(reverse(name))
    raise Http404(_("页面不存在"))


# ---------------------------------------------------------------------------------------------
# People


@login_required
@require_http_methods(["GET", "POST"])
def users(request):
    _allowed(request, "manage_users")
    status = 200
    form = {}
    if request.method == "POST":
        p = request.POST
        form = p
        try:
            user = org_services.create_user(
                actor=request.user,
                username=p.get("username", ""),
                display_name=p.get("display_name", ""),
                phone=p.get("phone", ""),
                email=p.get("email", ""),
                unit=_unit_in_reach(request, p.get("unit")),
                role=p.get("role", ""),
                password=p.get("password") or None,
            )
        except DubanError as exc:
            messages.error(request, exc.message)
            status = exc.status if exc.status != 404 else 422
        else:
            messages.success(request, _("已创建用户 %(u)s") % {"u": user.username})
            return HttpResponseRedirect(reverse("web:manage_users"))
    q = request.GET.get("q", "")
    unit = org_selectors.managed_units(request.user).filter(code=request.GET.get("unit", "")).first()
    rows = org_selectors.managed_users(request.user, q=q, unit=unit)
    return render(
        request,
        "web/manage/users.html",
        {
            "rows": rows,
            "locked": org_lockout.locked_usernames([u.username for u in rows]),
            "q": q,
            "unit_filter": unit,
            "roles": Role.choices,
            "form": form,
            "tab": "users",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id: int):
    _allowed(request, "manage_users")
    try:
        person = org_selectors.get_managed_user(request.user, user_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    status = 200
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "password":
                org_services.set_password(
                    actor=request.user, user_id=person.pk, password=p.get("password", "")
                )
                messages.success(request, _("已重设密码"))
            elif p.get("action") == "unlock":
                org_services.unlock_login(actor=request.user, user_id=person.pk)
                messages.success(request, _("已解除登录锁定"))
            else:
                org_services.update_user(
                    actor=request.user,
                    user_id=person.pk,
                    display_name=p.get("display_name", ""),
                    phone=p.get("phone", ""),
                    email=p.get("email", ""),
                    unit=_unit_in_reach(request, p.get("unit")),
                    role=p.get("role", ""),
                    is_active=p.get("is_active") == "on",
                )
                messages.success(request, _("已保存"))
        except DubanError as exc:
            messages.error(request, exc.message)
            status = exc.status if exc.status != 404 else 422
        else:
            return HttpResponseRedirect(reverse("web:manage_user", args=[person.pk]))
        person = org_selectors.get_managed_user(request.user, user_id)
    lock = org_lockout.lock_state(person.username)
    return render(
        request,
        "web/manage/user_edit.html",
        {
            "person": person,
            "roles": Role.choices,
            "tab": "users",
            "lock": lock,
            "person_actions": org_rules.person_actions(request.user, person, lock),
            "password_rules": password_validators_help_texts(),
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# Units


@login_required
@require_http_methods(["GET", "POST"])
def units(request):
    _allowed(request, "manage_units")
    status = 200
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "rename":
                unit = _unit_in_reach(request, p.get("code"))
                org_services.rename_unit(
                    actor=request.user,
                    unit_id=unit.pk,
                    name=p.get("name", ""),
                    short_name=p.get("short_name", ""),
                )
                messages.success(request, _("已更名为 %(n)s") % {"n": p.get("name", "").strip()})
            else:
                dept = org_services.create_department(
                    actor=request.user,
                    government=_unit_in_reach(request, p.get("government")),
                    name=p.get("name", ""),
                    short_name=p.get("short_name", ""),
                    dept_kind=p.get("dept_kind", ""),
                )
                messages.success(
                    request, _("已添加部门 %(n)s（编码 %(c)s）") % {"n": dept.name, "c": dept.code}
                )
        except DubanError as exc:
            messages.error(request, exc.message)
            status = exc.status if exc.status != 404 else 422
        else:
            return HttpResponseRedirect(reverse("web:manage_units") + "?" + request.GET.urlencode())
    root = request.user.unit
    under = (
        org_selectors.managed_units(request.user).filter(code=request.GET.get("under", "")).first() or root
    )
    children = org_selectors.children_of(under)
    return render(
        request,
        "web/manage/units.html",
        {
            "under": under,
            "trail": org_selectors.ancestors_in_reach(request.user, under),
            "children": children,
            "governments": [under] if under.kind != UnitKind.DEPARTMENT else [],
            "tab": "units",
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# The lead-unit vocabulary


@login_required
@require_http_methods(["GET", "POST"])
def vocabulary(request):
    _allowed(request, "manage_vocabulary")
    gov = request.user.unit.government
    status = 200
    if request.method == "POST":
        try:
            unit = _unit_in_reach(request, request.POST.get("unit"))
            plan_services.set_vocabulary(
                actor=request.user, unit=unit, keywords=request.POST.get("keywords", "")
            )
        except DubanError as exc:
            messages.error(request, exc.message)
            status = exc.status if exc.status != 404 else 422
        else:
            messages.success(request, _("已保存 %(u)s 的关键词") % {"u": unit.name})
            return HttpResponseRedirect(reverse("web:manage_vocabulary") + f"#unit-{unit.code}")
    depts = org_selectors.departments_of(gov)
    words = plan_selectors.vocabulary_of(depts)
    for d in depts:
        d.keywords = words.get(d.pk, "")
    return render(
        request,
        "web/manage/vocabulary.html",
        {"government": gov, "depts": depts, "tab": "vocabulary"},
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# The holiday calendar


@login_required
def calendar_home(request):
    _allowed(request, "manage_calendar")
    return HttpResponseRedirect(reverse("web:manage_calendar_year", args=[local_today().year + 1]))


@login_required
@require_http_methods(["GET", "POST"])
def calendar_year(request, year: int):
    _allowed(request, "manage_calendar")
    if year not in cal_services.YEARS:
        raise Http404(_("年度超出范围"))
    status = 200
    notice = ""
    if request.method == "POST":
        p = request.POST
        action = p.get("action")
        try:
            if action == "days":
                result = _save_days(request, year)
                messages.success(
                    request,
                    _("已修改 %(n)d 天，%(m)d 个未完成节点的期限随之调整")
                    % {"n": result["changed"], "m": result["moved"]},
                )
            elif action == "import":
                notice = p.get("notice", "")
                result = cal_services.import_notice(
                    actor=request.user,
                    text=notice,
                    year=year,
                    complete=p.get("complete") == "on",
                    source=p.get("source", "")[:200],
                )
                messages.success(
                    request,
                    _("已读入 %(e)d 天，其中 %(n)d 天有变化，%(m)d 个未完成节点的期限随之调整")
                    % {"e": result["entries"], "n": result["changed"], "m": result["moved"]},
                )
            elif action in ("complete", "incomplete"):
                cal_services.set_year_complete(
                    actor=request.user,
                    year=year,
                    complete=action == "complete",
                    source=p.get("source", "")[:200],
                )
                messages.success(
                    request,
                    _("已标记 %(y)d 年安排为已完整录入") % {"y": year}
                    if action == "complete"
                    else _("已取消 %(y)d 年的完整标记") % {"y": year},
                )
            else:
                raise InvalidInput(_("未知操作"))
        except DubanError as exc:
            messages.error(request, exc.message)
            status = exc.status if exc.status != 404 else 422
        else:
            return HttpResponseRedirect(reverse("web:manage_calendar_year", args=[year]))
    return render(
        request,
        "web/manage/calendar.html",
        {
            "year": year,
            "months": cal_selectors.year_months(year),
            "status": cal_selectors.year_status(year),
            "notice": notice,
            "years": [year - 1, year, year + 1],
            "tab": "calendar",
        },
        status=status,
    )


def _save_days(request, year: int) -> dict:
    """The year grid posts one checkbox per working day; entries are the days that differ from
    what the system counts now (names kept)."""
    working = set(request.POST.getlist("working"))
    entries = []
    for day in cal_selectors.year_days(year):
        wanted = day.date.isoformat() in working
        if wanted != day.is_working:
            name = (request.POST.get(f"name-{day.date.isoformat()}") or day.name)[:50]
            entries.append(DayEntry(day.date, wanted, name))
    if not entries:
        return {"changed": 0, "moved": 0}
    return cal_services.set_days(actor=request.user, entries=entries, source=_("年度日历页面"))
