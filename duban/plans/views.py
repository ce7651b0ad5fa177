"""Pages for decomposing a work report: list + upload, and the two-pane review page.

Views only read through ``selectors`` and write through ``services``; a refused action shows
the service's Chinese message and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from duban.core.clock import local_today
from duban.core.errors import DubanError, NotFound
from duban.items.models import Category
from duban.items.rules import user_actions
from duban.targets.models import Kind as TargetKind
from duban.targets.models import Period as TargetPeriod

from . import selectors, services
from .display import reference
from .forms import TaskForm, UploadForm
from .fulfilment import plan_fulfilment, previous_plan
from .models import PlanTask


def _plan_or_404(user, plan_id):
    try:
        return selectors.get_plan(user, plan_id)
    except NotFound:
        raise Http404(_("报告分解不存在或无权查看")) from None


def _task_or_404(plan, task_id) -> PlanTask:
    task = PlanTask.objects.filter(plan=plan, pk=task_id).first()
    if task is None:
        raise Http404(_("任务不存在"))
    return task


# A long plan is shown a page of tasks at a time: one page of a 3,000-task plan is a few MB of
# HTML, where the whole plan would be a hundred and more.
TASKS_PER_PAGE = 200
MAX_PAGE_PARAM = 6


def _page_of(plan, task_pk) -> int:
    """The page of the unfiltered task list that shows the task (the order of plan_tasks)."""
    task = PlanTask.objects.filter(plan=plan, pk=task_pk).only("position").first()
    if task is None:
        return 1
    before = PlanTask.objects.filter(plan=plan).filter(
        Q(position__lt=task.position) | Q(position=task.position, pk__lt=task.pk)
    )
    return before.count() // TASKS_PER_PAGE + 1


def _back(plan, task_pk=None, edit=False) -> HttpResponseRedirect:
    url = reverse("plans:detail", args=[plan.pk])
    params = []
    page = _page_of(plan, task_pk) if task_pk else 1
    if page > 1:
        params.append(f"page={page}")
    if edit and task_pk:
        params.append(f"edit={task_pk}")
    if params:
        url += "?" + "&".join(params)
    if task_pk:
        url += f"#task-{task_pk}"
    return HttpResponseRedirect(url)


def _paginate(tasks: list, shown: list, filters: dict, params, edit_pk=None) -> dict:
    """The page of ``shown`` (the filtered tasks) to render, links to the others with the
    filters kept, and for every task of the plan the link that reaches it (on this page, on
    its page of the filtered list, or — hidden by the filters — on its page of the whole)."""
    per = TASKS_PER_PAGE
    pages = max(1, -(-len(shown) // per))
    raw = str(params.get("page") or "")[:MAX_PAGE_PARAM]
    if raw.isdigit():
        page = min(max(int(raw), 1), pages)
    elif edit_pk is not None:
        at = next((i for i, t in enumerate(shown) if str(t.pk) == str(edit_pk)), 0)
        page = at // per + 1
    else:
        page = 1
    page_tasks = shown[(page - 1) * per : page * per]
    here = {t.pk for t in page_tasks}
    base = filters["query"]

    def query(n: int) -> str:
        parts = [base] if base else []
        if n > 1:
            parts.append(f"page={n}")
        return "&".join(parts)

    filtered_page = {t.pk: i // per + 1 for i, t in enumerate(shown)}
    for i, t in enumerate(tasks):
        if t.pk in here:
            t.href = f"#task-{t.pk}"
        elif t.pk in filtered_page:
            t.href = f"?{query(filtered_page[t.pk])}#task-{t.pk}"
        else:
            n = i // per + 1
            t.href = (f"?page={n}" if n > 1 else "?") + f"#task-{t.pk}"
    # Every page when there are few; else the first, the last and those around this one.
    numbers = [n for n in range(1, pages + 1) if pages <= 12 or n in (1, pages) or abs(n - page) <= 3]
    links = []
    for n in numbers:
        if links and n - links[-1]["n"] > 1:
            links.append({"n": None})
        links.append({"n": n, "href": "?" + query(n), "on": n == page})
    return {
        "tasks": page_tasks,
        "page": page,
        "pages": pages,
        "links": links if pages > 1 else [],
        "prev": "?" + query(page - 1) if page > 1 else "",
        "next": "?" + query(page + 1) if page < pages else "",
        "first": (page - 1) * per + 1 if page_tasks else 0,
        "last": (page - 1) * per + len(page_tasks),
        "total": len(shown),
        # The query of this very page (filters and page), for links that should come back here.
        "query": query(page),
    }


def _refused(request, exc: DubanError):
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    messages.error(request, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request):
    can_upload = "import_report" in user_actions(request.user)
    form = UploadForm()
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                plan, created = services.import_report(
                    actor=request.user,
                    data=form.cleaned_data["report"],
                    name=form.cleaned_data["report"].name,
                    year=form.cleaned_data.get("year"),
                )
            except DubanError as exc:
                _refused(request, exc)
                status = 422
            else:
                if created:
                    messages.success(
                        request,
                        _("已导入《%(title)s》，识别出 %(n)d 项任务，请逐项核对后批量立项交办")
                        % {"title": plan.title or plan.name, "n": plan.tasks.count()},
                    )
                    _mention_previous(request, plan)
                else:
                    messages.info(request, _("该报告此前已导入，已打开原有分解稿（之前的修改均已保留）"))
                if form.cleaned_data.get("year") is None and plan.plan_year != local_today().year:
                    # Not this year's plan and no year chosen: say so before the review starts.
                    return HttpResponseRedirect(reverse("plans:list") + f"?year_check={plan.pk}")
                return HttpResponseRedirect(reverse("plans:detail", args=[plan.pk]))
        else:
            status = 422
    return render(
        request,
        "plans/plan_list.html",
        {
            "plans": selectors.plan_list(request.user),
            "form": form,
            "can_upload": can_upload,
            "year_check": _year_check(request),
        },
        status=status,
    )


def _mention_previous(request, plan) -> None:
    """After an import: when last year's plan is on file, point at the fulfilment table."""
    previous = previous_plan(request.user, plan)
    if previous is not None:
        messages.info(
            request,
            _("已找到本单位 %(year)d 年的报告分解，可在“上年目标完成情况”中对照上年目标的完成情况")
            % {"year": previous.plan_year},
        )


def _year_check(request) -> dict | None:
    """The notice after uploading a report whose plan year is not the current year."""
    raw = (request.GET.get("year_check") or "")[:12]
    if not raw.isdigit():
        return None
    try:
        plan = selectors.get_plan(request.user, int(raw))
    except NotFound:
        return None
    current = local_today().year
    if plan.plan_year == current:
        return None
    return {
        "plan": plan,
        "current": current,
        "past": plan.plan_year is not None and plan.plan_year < current,
        "editable": selectors.can_edit(request.user, plan),
    }


@login_required
@require_POST
def plan_year(request, plan_id: int):
    """Choose the year to supervise: decompose the report again as that year's plan."""
    plan = _plan_or_404(request.user, plan_id)
    try:
        plan = services.reparse_plan(actor=request.user, plan_id=plan.pk, year=request.POST.get("year"))
    except DubanError as exc:
        _refused(request, exc)
        return HttpResponseRedirect(reverse("plans:list") + f"?year_check={plan.pk}")
    messages.success(
        request,
        _("已按 %(year)d 年度重新分解，识别出 %(n)d 项任务")
        % {"year": plan.plan_year, "n": plan.tasks.count()},
    )
    return HttpResponseRedirect(reverse("plans:detail", args=[plan.pk]))


def _detail_context(request, plan, *, edit_pk=None, bound_form=None) -> dict:
    tasks = selectors.plan_tasks(plan)
    filters = selectors.task_filters(tasks, request.GET)
    shown = selectors.filter_tasks(tasks, filters["active"])
    pager = _paginate(tasks, shown, filters, request.GET, edit_pk=edit_pk)
    page_tasks = pager["tasks"]
    codes = {c for t in page_tasks for c in t.lead_codes + t.coop_codes}
    names = selectors.units_by_code(codes)
    editable = selectors.can_edit(request.user, plan)
    edit_task = None
    form = None
    if editable and edit_pk:
        edit_task = next((t for t in page_tasks if str(t.pk) == str(edit_pk) and not t.assigned), None)
        if edit_task is not None:
            choices = selectors.unit_choices(plan, edit_task.lead_codes + edit_task.coop_codes)
            terms = [services.with_terms(tg) for tg in edit_task.targets]
            form = bound_form or TaskForm(
                initial=TaskForm.initial_for(edit_task, terms),
                unit_choices=choices,
                targets=edit_task.targets,
            )
    kinds, periods = dict(TargetKind.choices), dict(TargetPeriod.choices)
    # Only the page's tasks are dressed for display; the counts below still cover the plan.
    for t in page_tasks:
        t.target_rows = []
        for tg in t.targets:
            terms = services.with_terms(tg)
            t.target_rows.append(
                {
                    "target": tg,
                    "kind": kinds.get(terms.get("kind"), ""),
                    "period": periods.get(terms.get("period"), ""),
                }
            )
        t.lead_units = [names[c] for c in t.lead_codes if c in names]
        t.coop_units = [names[c] for c in t.coop_codes if c in names]
        t.effective_due = services.final_due_for(t, plan)
        t.split_choices = [(p, t.text[max(0, p - 8) : p]) for p in services.split_points(t.text)]
        t.is_editing = edit_task is not None and t.pk == edit_task.pk
    live = [t for t in tasks if not t.dropped]
    shown_pks = {t.pk for t in page_tasks}
    # Chosen tasks whose dates have passed: listed together, with one new date for all.
    past_due = (
        services.past_due_tasks(plan, [t for t in tasks if t.selected and not t.dropped and not t.assigned])
        if editable
        else []
    )
    for t in past_due:
        t.effective_due = services.final_due_for(t, plan)
    return {
        "plan": plan,
        "tasks": page_tasks,
        "shown_count": len(shown),
        "pager": pager,
        "filters": filters,
        "past_due": past_due,
        "tomorrow": local_today() + dt.timedelta(days=1),
        # Ticks of tasks the filters or the page hide still count, so saving or assigning keeps them.
        "hidden_selected": [
            t.pk for t in tasks if t.selected and not t.dropped and not t.assigned and t.pk not in shown_pks
        ],
        "segments": selectors.source_segments(plan, tasks),
        "editable": editable,
        "edit_task": edit_task,
        "form": form,
        "pending": len([t for t in live if t.selected and not t.assigned]),
        "counts": {
            "total": len(tasks),
            "live": len(live),
            "dropped": len(tasks) - len(live),
            "assigned": len([t for t in tasks if t.assigned]),
            "targets": sum(len(t.targets) for t in live),
        },
        "categories": Category.choices,
    }


@login_required
@require_GET
def plan_detail(request, plan_id: int):
    plan = _plan_or_404(request.user, plan_id)
    ctx = _detail_context(request, plan, edit_pk=request.GET.get("edit"))
    return render(request, "plans/plan_detail.html", ctx)


@login_required
@require_POST
def task_edit(request, plan_id: int, task_id: int):
    plan = _plan_or_404(request.user, plan_id)
    task = _task_or_404(plan, task_id)
    choices = selectors.unit_choices(plan, task.lead_codes + task.coop_codes)
    form = TaskForm(request.POST, unit_choices=choices, targets=task.targets)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        ctx = _detail_context(request, plan, edit_pk=task.pk, bound_form=form)
        return render(request, "plans/plan_detail.html", ctx, status=422)
    d = form.cleaned_data
    try:
        services.edit_task(
            actor=request.user,
            task_id=task.pk,
            text=d["text"],
            targets=d["targets"].splitlines(),
            category=d["category"],
            due=d["due"],
            lead=d["lead"],
            coop=d["coop"],
            target_terms=form.target_terms(),
        )
    except DubanError as exc:
        _refused(request, exc)
        ctx = _detail_context(request, plan, edit_pk=task.pk, bound_form=form)
        return render(request, "plans/plan_detail.html", ctx, status=422)
    messages.success(request, _("任务 %(id)s 已保存") % {"id": reference(task)})
    return _back(plan, task.pk)


@login_required
@require_POST
def task_split(request, plan_id: int, task_id: int):
    plan = _plan_or_404(request.user, plan_id)
    task = _task_or_404(plan, task_id)
    raw = (request.POST.get("at") or "").strip()
    try:
        at = int(raw) if raw else None
    except ValueError:
        messages.error(request, _("拆分位置须是数字"))
        return _back(plan, task.pk, edit=True)
    try:
        first, second = services.split_task(actor=request.user, task_id=task.pk, at=at)
    except DubanError as exc:
        _refused(request, exc)
        return _back(plan, task.pk)
    messages.success(
        request, _("已拆分为任务 %(a)s 和 %(b)s") % {"a": reference(first), "b": reference(second)}
    )
    return _back(plan, first.pk)


@login_required
@require_POST
def task_drop(request, plan_id: int, task_id: int):
    plan = _plan_or_404(request.user, plan_id)
    task = _task_or_404(plan, task_id)
    restore = request.POST.get("restore") == "1"
    try:
        services.drop_task(actor=request.user, task_id=task.pk, dropped=not restore)
    except DubanError as exc:
        _refused(request, exc)
    return _back(plan, task.pk)


@login_required
@require_POST
def batch(request, plan_id: int):
    """The task pane's one form: select all/none, save the ticks, merge, or assign."""
    plan = _plan_or_404(request.user, plan_id)
    action = request.POST.get("action", "")
    ids = request.POST.getlist("tasks")
    try:
        if action == "all":
            services.select_tasks(actor=request.user, plan_id=plan.pk, all=True)
        elif action == "none":
            services.select_tasks(actor=request.user, plan_id=plan.pk, all=False)
        elif action == "select":
            n = services.select_tasks(actor=request.user, plan_id=plan.pk, task_ids=ids)
            messages.success(request, _("已选中 %(n)d 项任务") % {"n": n})
        elif action == "merge":
            merged = services.merge_tasks(actor=request.user, plan_id=plan.pk, task_ids=ids)
            messages.success(request, _("已合并为任务 %(id)s") % {"id": reference(merged)})
            return _back(plan, merged.pk)
        elif action == "assign":
            # The ticks are saved first so a refused batch keeps them for the next try.
            services.select_tasks(actor=request.user, plan_id=plan.pk, task_ids=ids)
            items = services.assign_batch(
                actor=request.user, plan_id=plan.pk, not_classified=request.POST.get("not_classified") == "1"
            )
            if items:
                messages.success(request, _("已立项并交办 %(n)d 项督办事项") % {"n": len(items)})
            else:
                messages.info(request, _("没有需要交办的新任务（已交办的任务不会重复创建）"))
        else:
            messages.error(request, _("未知操作"))
    except DubanError as exc:
        _refused(request, exc)
    return _back(plan)


@login_required
@require_POST
def set_due(request, plan_id: int):
    """One new due date for the chosen tasks whose dates have passed; optionally assign next."""
    plan = _plan_or_404(request.user, plan_id)
    ids = request.POST.getlist("tasks")[: services.MAX_DUE_TASKS + 1]
    try:
        tasks = services.set_due(
            actor=request.user, plan_id=plan.pk, task_ids=ids, due=request.POST.get("due")
        )
    except DubanError as exc:
        _refused(request, exc)
        return HttpResponseRedirect(reverse("plans:detail", args=[plan.pk]) + "#past-due")
    messages.success(
        request,
        _("已将 %(n)d 项任务的完成时限设为 %(due)s")
        % {"n": len(tasks), "due": tasks[0].due.isoformat() if tasks else ""},
    )
    if request.POST.get("action") == "assign":
        try:
            items = services.assign_batch(
                actor=request.user, plan_id=plan.pk, not_classified=request.POST.get("not_classified") == "1"
            )
        except DubanError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("已立项并交办 %(n)d 项督办事项") % {"n": len(items)})
    return _back(plan)


@login_required
@require_GET
def source(request, plan_id: int):
    """Jump from an item back to its source span: ``?task=<task id>`` or ``?start=&end=``."""
    plan = _plan_or_404(request.user, plan_id)
    tasks = plan.tasks.all()
    task = None
    if request.GET.get("task"):
        task = tasks.filter(task_id=request.GET["task"]).first()
    if task is None and request.GET.get("start", "").isdigit():
        start = int(request.GET["start"])
        task = tasks.filter(start__lte=start, end__gt=start).order_by("start").first()
    url = reverse("plans:detail", args=[plan.pk])
    return HttpResponseRedirect(url + (f"#src-{task.pk}" if task else ""))


@login_required
@require_GET
def fulfilment_page(request, plan_id: int):
    """上年目标完成情况: last year's targets against this year's review and the filed figures."""
    try:
        view = plan_fulfilment(request.user, plan_id)
    except NotFound:
        raise Http404(_("报告分解不存在或无权查看")) from None
    return render(request, "plans/plan_fulfilment.html", {"f": view, "plan": view.plan})
