"""The HTTP API (``/api/v1/…``): a thin skin over ``items.selectors`` and ``items.services``.

Reads go through the selectors (so visibility is decided in one place), writes through the
services (one transaction, journaled); this module only translates HTTP to keyword arguments
and model rows to JSON. A refused action surfaces as the service's ``DubanError``, rendered as
``{"code", "message", "detail"}`` with its HTTP status.
"""

import datetime as dt
import json

from django.core.exceptions import RequestDataTooBig
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest
from ninja import Field, File, Form, NinjaAPI, Query, Router, Schema, Status, UploadedFile
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import paginate
from ninja.parser import Parser

from duban.core import cleaning
from duban.core.clock import SHANGHAI, now
from duban.core.errors import DubanError, InvalidInput, NotFound
from duban.items import rules, selectors, services, status
from duban.items.models import Attachment, Extension, Item, Node, Report, Track, Urge
from duban.notify import selectors as notify_selectors
from duban.notify import services as notify_services
from duban.orgs.models import OrgUnit, User, subtree_filter
from duban.workcal.calendar import standard_nodes

from . import schemas as s
from .auth import session_auth, token_auth
from .paging import CappedLimitOffset


class _Parser(Parser):
    """Reads bodies and forms, refusing control characters in any string (the query string,
    path and cookies were checked by ``duban.core.middleware.InputGuard``; the API's forms are
    left to this parser so a multipart body is parsed only when the operation reads it)."""

    def parse_body(self, request: HttpRequest):
        # A plain HTML/curl form is read as flat fields and "POST /sign" with an empty body is as
        # good as "{}", so the simplest scripts need not build JSON. Anything raised here ninja
        # reports as a 400 whose cause ``_http_error`` renders.
        if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            data = request.POST.dict()
        elif not request.body.strip():
            return {}
        else:
            data = super().parse_body(request)
        if found := cleaning.find_in(data):
            raise cleaning.refusal(*found)
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        for name, values in data.lists():
            texts = [getattr(v, "name", v) for v in values]  # an upload is checked by its file name
            if found := cleaning.find_in({name: [t for t in texts if isinstance(t, str)]}):
                raise cleaning.refusal(found[0].split(".")[0] or name, found[1], where="form")
        return super().parse_querydict(data, list_fields, request)


api = NinjaAPI(
    title="Duban 13710 督办 API",
    version="1",
    description=(
        "督办事项的立项、交办、签收、报送、审核、延期、催办与查询。"
        "脚本使用 `Authorization: Bearer <token>`（`duban create-token USERNAME` 生成）；"
        "浏览器使用登录会话，非安全方法须带 CSRF 令牌。"
    ),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
    auth=[token_auth, session_auth],
    parser=_Parser(),
)
v1 = Router()

ERRORS = s.ERRORS


# ---------------------------------------------------------------------------------------------
# Errors


def _error(request, status_code: int, code: str, message: str, detail=None):
    return api.create_response(
        request, {"code": code, "message": message, "detail": detail}, status=status_code
    )


@api.exception_handler(DubanError)
def _duban_error(request, exc: DubanError):
    return _error(request, exc.status, exc.code, exc.message, exc.details)


_RANGE = {"greater_than_equal", "less_than_equal"}


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    # Pydantic may put exception objects in "ctx"; round-trip through str to stay JSON.
    detail = json.loads(json.dumps(exc.errors, default=str))
    if detail and all(e.get("loc", ("",))[0] == "path" and e.get("type") in _RANGE for e in detail):
        # An id no row can have (0, or past the bigint range) names nothing, like a missing one.
        return _error(request, 404, "not_found", "不存在或无权查看")
    message = "请求参数无效"
    for e in detail:
        if e.get("type") == "date_out_of_range":  # schemas.Day: say which date, in Chinese
            field = ".".join(str(part) for part in e.get("loc", ())[1:] if part != "payload")
            message += f"：“{field}”{e.get('msg', '')}"
            break
    return _error(request, 422, "validation_error", message, detail)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", "请先登录或提供有效的访问令牌")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", "不存在或无权查看")


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    # A body without a declared length, read past DATA_UPLOAD_MAX_MEMORY_SIZE.
    return _error(request, 413, "too_large", "请求过大，请缩小附件或分批提交", {})


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, DubanError):  # raised while the body was parsed (``_Parser``)
        return _duban_error(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return _too_large(request, cause)
    if isinstance(cause, ValueError):  # json.JSONDecodeError, UnicodeDecodeError
        return _error(request, 400, "bad_request", "请求体不是有效的 JSON（须为 UTF-8 编码）")
    code = "bad_request" if exc.status_code == 400 else f"http_{exc.status_code}"
    return _error(request, exc.status_code, code, str(exc.message))


# ---------------------------------------------------------------------------------------------
# Serialisation: model rows → plain dicts the schemas validate


def _unit(u: OrgUnit | None) -> dict | None:
    return {"code": u.code, "name": u.name} if u is not None else None


def _user(u) -> dict | None:
    if u is None:
        return None
    return {"id": u.pk, "username": u.username, "display_name": str(u)}


def _unit_full(u: OrgUnit) -> dict:
    parent_code = u.path.rstrip("/").rsplit("/", 1)[0].rsplit("/", 1)[-1] if u.parent_id else None
    return {
        "code": u.code,
        "name": u.name,
        "short_name": u.short_name,
        "kind": u.kind,
        "path": u.path,
        "parent_code": parent_code,
    }


def _node(node: Node, track: Track, at: dt.datetime, cutoff: dt.datetime) -> dict:
    light, st = status.node_light(node, track, at, cutoff)
    return {
        "kind": node.kind,
        "seq": node.seq,
        "due_at": node.due_at,
        "original_due_at": node.original_due_at,
        "done_at": node.done_at,
        "late_seconds": int(st.late_by.total_seconds()) if st.late_by else 0,
        "light": light,
        "assumed_calendar": node.assumed_calendar,
    }


def _summary(track: Track, at: dt.datetime) -> dict:
    return {
        "id": track.pk,
        "item_id": track.item_id,
        "item_title": track.item.title,
        "unit": _unit(track.unit),
        "role": track.role,
        "parent_id": track.parent_id,
        "state": track.state,
        "light": status.track_light(track, at),
        "next_due_at": track.next_due_at,
        "last_urged_at": track.last_urged_at,
        "version": track.version,
    }


def _actions(actions) -> list[dict]:
    return [
        {"name": a.name, "allowed": a.allowed, "code": a.code, "reason": a.reason} for a in actions.values()
    ]


def _track(track: Track, at: dt.datetime, cutoff: dt.datetime, user) -> dict:
    return {
        **_summary(track, at),
        "actions": _actions(rules.track_actions(user, track, at)),
        "assignee": _user(track.assignee),
        "assigned_at": track.assigned_at,
        "signed_at": track.signed_at,
        "closed_at": track.closed_at,
        "rating": track.rating,
        "nodes": [_node(n, track, at, cutoff) for n in track.nodes.all()],
    }


def _attachment(a: Attachment) -> dict:
    return {
        "id": a.pk,
        "name": a.name,
        "size": a.size,
        "content_type": a.content_type,
        "sha256": a.sha256,
        "uploaded_at": a.uploaded_at,
    }


def _report(r: Report) -> dict:
    node = r.node
    return {
        "id": r.pk,
        "kind": r.kind,
        "done": r.done,
        "next_steps": r.next_steps,
        "problems": r.problems,
        "support_needed": r.support_needed,
        "author": _user(r.author),
        "created_at": r.created_at,
        "late": bool(node is not None and node.done_at and node.done_at > node.due_at),
        "attachments": [_attachment(a) for a in r.attachments.all()],
    }


def _extension(e: Extension) -> dict:
    return {
        "id": e.pk,
        "track_id": e.track_id,
        "node_kind": e.node.kind,
        "reason": e.reason,
        "proposed_due": e.proposed_due,
        "state": e.state,
        "requested_by": _user(e.requested_by),
        "requested_at": e.requested_at,
        "decided_by": _user(e.decided_by),
        "decided_at": e.decided_at,
        "decision_note": e.decision_note,
    }


def _urge(u: Urge) -> dict:
    return {"id": u.pk, "message": u.message, "by": _user(u.by), "created_at": u.created_at}


def _track_detail(track: Track, at: dt.datetime, cutoff: dt.datetime, user) -> dict:
    return {
        **_track(track, at, cutoff, user),
        "reports": [_report(r) for r in track.reports.all()],
        "reviews": [
            {
                "id": r.pk,
                "decision": r.decision,
                "rating": r.rating,
                "comment": r.comment,
                "reviewer": _user(r.reviewer),
                "created_at": r.created_at,
            }
            for r in track.reviews.all()
        ],
        "extensions": [_extension(e) for e in track.extensions.all()],
        "urges": [_urge(u) for u in track.urges.all()],
    }


def _clock() -> tuple[dt.datetime, dt.datetime]:
    at = now()
    return at, selectors.yellow_cutoff(at)


def _load_track(user, pk: int) -> Track:
    """A visible track (404 otherwise) with what ``_track`` shows."""
    return selectors.get_track(user, pk, clock=True)


def _track_out(user, pk: int) -> dict:
    at, cutoff = _clock()
    return _track(_load_track(user, pk), at, cutoff, user)


def _item_detail(user, pk: int) -> dict:
    item = selectors.item_detail(user, pk)
    tracks = item.track_list
    at, cutoff = _clock()
    return {
        "id": item.pk,
        "title": item.title,
        "body": item.body,
        "source": item.source,
        "category": item.category,
        "issuer": _unit(item.issuer_unit),
        "created_by": _user(item.created_by),
        "created_at": item.created_at,
        "assigned_at": item.assigned_at,
        "final_due": item.final_due,
        "progress_days": list(item.progress_days),
        "external_id": item.external_id,
        "actions": _actions(rules.item_actions(user, item)),
        "light": status.item_light(tracks, at),
        "version": item.version,
        "attachments": [_attachment(a) for a in item.attachment_list],
        "instructions": [
            {"id": i.pk, "text": i.text, "by": _user(i.by), "created_at": i.created_at}
            for i in item.instruction_list
        ],
        "tracks": [_track_detail(t, at, cutoff, user) for t in tracks],
    }


def _units(codes: list[str], field: str) -> list[OrgUnit]:
    """Resolve unit codes, keeping the caller's order; an unknown code is a 422."""
    wanted = [c.strip() for c in codes if c and c.strip()]
    found = {u.code: u for u in OrgUnit.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise InvalidInput(
            f"未知的单位编码：{'、'.join(missing)}", code="unknown_unit", field=field, codes=missing
        )
    return [found[c] for c in wanted]


def _auth_kind(request: HttpRequest) -> str:
    return getattr(request, "duban_auth", "session")


# ---------------------------------------------------------------------------------------------
# Who am I, reference data


@v1.get("/me", response={200: s.MeOut, **ERRORS}, tags=["me"], summary="当前用户")
def me(request):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": str(user),
        "role": user.role,
        "unit": _unit_full(user.unit) if user.unit_id else None,
        "can_register": "register" in rules.user_actions(user),
        "auth": _auth_kind(request),
    }


@v1.get("/units", response={200: list[s.UnitOut], **ERRORS}, tags=["reference"], summary="查找单位")
def units(request, q: str = "", under: str | None = None, kind: str | None = None, limit: int = 20):
    """Org units whose name, short name or code matches ``q`` (the tree is public reference data)."""
    limit = max(1, min(limit, 200))
    qs = OrgUnit.objects.all()
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__startswith=q))
    if under:
        [root] = _units([under], "under")
        qs = qs.filter(subtree_filter("path", root.path))
    if kind:
        qs = qs.filter(kind=kind)
    return [_unit_full(u) for u in qs.order_by("depth", "path")[:limit]]


@v1.get(
    "/deadlines", response={200: list[s.DeadlineOut], **ERRORS}, tags=["reference"], summary="13710 期限计算"
)
def deadlines(request, assigned: str = "", category: s.CategoryIn = "general"):
    """The same JSON as ``duban deadlines --assigned … --category …``."""
    try:
        moment = dt.datetime.fromisoformat(assigned.strip())
    except ValueError:
        raise InvalidInput(f"无法识别的日期：{assigned}（应为 YYYY-MM-DD）", code="bad_date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    cleaning.check_year(moment.date(), "assigned")
    nodes = standard_nodes(moment, category)
    return [{"node": n.node, "due": n.due.astimezone(SHANGHAI).isoformat()} for n in nodes]


# ---------------------------------------------------------------------------------------------
# Items


class ItemFilters(Schema):
    unit: str | None = None
    light: s.Light | None = None
    category: s.CategoryIn | None = None
    source: s.SourceIn | None = None
    due_from: s.Day | None = None
    due_to: s.Day | None = None
    q: str | None = Field(None, max_length=200)
    order: str = Field("-created_at", max_length=40)


@v1.get("/items", response={200: list[s.ItemRow], **ERRORS}, tags=["items"], summary="事项列表")
@paginate(CappedLimitOffset)
def list_items(request, filters: Query[ItemFilters]):
    f = filters
    unit = _units([f.unit], "unit")[0] if f.unit else None
    request.duban_at = now()
    return (
        selectors.filtered_items(
            request.auth,
            unit=unit,
            light=f.light,
            category=f.category,
            source=f.source,
            due_from=f.due_from,
            due_to=f.due_to,
            q=(f.q or "").strip() or None,
            order=f.order,
        )
        .select_related("issuer_unit")
        .prefetch_related(selectors.row_tracks())
    )


@v1.post("/items", response={201: s.ItemDetail, **ERRORS}, tags=["items"], summary="立项（可同时交办）")
def register(request, payload: s.RegisterIn):
    fields = dict(
        title=payload.title,
        body=payload.body,
        source=payload.source,
        category=payload.category,
        final_due=payload.final_due,
        progress_days=payload.progress_days,
        external_id=payload.external_id,
        not_classified=payload.not_classified,
    )
    if payload.lead or payload.coop:
        lead, coop = _units(payload.lead, "lead"), _units(payload.coop, "coop")
        item = services.register_and_assign(actor=request.auth, lead=lead, coop=coop, **fields)
    else:
        item = services.register_item(actor=request.auth, **fields)
    return Status(201, _item_detail(request.auth, item.pk))


@v1.get("/items/{item_id}", response={200: s.ItemDetail, **ERRORS}, tags=["items"], summary="事项详情")
def item_detail(request, item_id: s.PathId):
    return _item_detail(request.auth, item_id)


@v1.get(
    "/items/{item_id}/journal", response={200: list[s.EventOut], **ERRORS}, tags=["items"], summary="事项痕迹"
)
def item_journal(request, item_id: s.PathId):
    events = selectors.item_journal(request.auth, item_id)
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "action": e.action,
            "actor": _user(e.actor),
            "actor_unit": _unit(e.actor_unit),
            "track_id": e.track_id,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "old": e.old,
            "new": e.new,
            "payload": e.payload,
        }
        for e in events
    ]


@v1.post("/items/{item_id}/assign", response={200: s.AssignOut, **ERRORS}, tags=["items"], summary="交办")
def assign(request, item_id: s.PathId, payload: s.AssignIn):
    lead, coop = _units(payload.lead, "lead"), _units(payload.coop, "coop")
    tracks = services.assign_item(actor=request.auth, item_id=item_id, lead=lead, coop=coop)
    item = Item.objects.only("version").get(pk=item_id)
    return {
        "item_id": item_id,
        "item_version": item.version,
        "tracks": [_track_out(request.auth, t.pk) for t in tracks],
    }


@v1.post(
    "/items/{item_id}/instructions",
    response={201: s.InstructionOut, **ERRORS},
    tags=["items"],
    summary="领导批示",
)
def add_instruction(request, item_id: s.PathId, payload: s.InstructionIn):
    ins = services.add_instruction(actor=request.auth, item_id=item_id, text=payload.text)
    return Status(201, {"id": ins.pk, "text": ins.text, "by": _user(ins.by), "created_at": ins.created_at})


# ---------------------------------------------------------------------------------------------
# Tracks: the handling unit's and the issuer's steps


@v1.get(
    "/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    tags=["items"],
    summary="下载附件（佐证材料）",
    openapi_extra={
        "responses": {200: {"description": "文件内容", "content": {"application/octet-stream": {}}}}
    },
)
def attachment_download(request, attachment_id: s.PathId):
    att = selectors.get_attachment(request.auth, attachment_id)
    try:
        fh = att.file.open("rb")
    except FileNotFoundError:
        raise NotFound("附件文件已丢失，请联系管理员", code="file_missing") from None
    return FileResponse(fh, as_attachment=True, filename=att.name, content_type=att.content_type)


@v1.get("/tracks/{track_id}", response={200: s.TrackDetail, **ERRORS}, tags=["tracks"], summary="承办记录")
def track_detail(request, track_id: s.PathId):
    track = selectors.get_track(request.auth, track_id, detail=True)
    at, cutoff = _clock()
    return _track_detail(track, at, cutoff, request.auth)


@v1.post("/tracks/{track_id}/sign", response={200: s.TrackOut, **ERRORS}, tags=["tracks"], summary="签收")
def sign(request, track_id: s.PathId, payload: s.VersionIn | None = None):
    services.sign(actor=request.auth, track_id=track_id, expected_version=_version(payload))
    return _track_out(request.auth, track_id)


@v1.post(
    "/tracks/{track_id}/reports",
    response={201: s.ReportResult, **ERRORS},
    tags=["tracks"],
    summary="报送（multipart，result 即申请办结）",
)
def file_report(
    request,
    track_id: s.PathId,
    kind: Form[s.ReportKindIn],
    done: Form[str],
    next_steps: Form[str] = "",
    problems: Form[str] = "",
    support_needed: Form[str] = "",
    expected_version: Form[int | None] = None,
    files: File[list[UploadedFile] | None] = None,
):
    report = services.file_report(
        actor=request.auth,
        track_id=track_id,
        kind=kind,
        done=done,
        next_steps=next_steps,
        problems=problems,
        support_needed=support_needed,
        files=files or (),
        expected_version=expected_version,
    )
    report = Report.objects.select_related("author", "node").prefetch_related("attachments").get(pk=report.pk)
    return Status(201, {"report": _report(report), "track": _track_out(request.auth, track_id)})


@v1.post("/tracks/{track_id}/return", response={200: s.TrackOut, **ERRORS}, tags=["tracks"], summary="退回")
def return_track(request, track_id: s.PathId, payload: s.ReturnIn):
    services.return_track(
        actor=request.auth,
        track_id=track_id,
        reason=payload.reason,
        working_days=payload.working_days,
        expected_version=payload.expected_version,
    )
    return _track_out(request.auth, track_id)


@v1.post(
    "/tracks/{track_id}/close", response={200: s.TrackOut, **ERRORS}, tags=["tracks"], summary="办结评价"
)
def close_track(request, track_id: s.PathId, payload: s.CloseIn):
    services.close_track(
        actor=request.auth,
        track_id=track_id,
        rating=payload.rating,
        comment=payload.comment,
        expected_version=payload.expected_version,
    )
    return _track_out(request.auth, track_id)


@v1.post(
    "/tracks/{track_id}/extensions",
    response={201: s.ExtensionResult, **ERRORS},
    tags=["tracks"],
    summary="延期申请",
)
def request_extension(request, track_id: s.PathId, payload: s.ExtensionIn):
    ext = services.request_extension(
        actor=request.auth,
        track_id=track_id,
        reason=payload.reason,
        proposed_due=payload.proposed_due,
        expected_version=payload.expected_version,
    )
    return Status(201, _extension_result(request.auth, ext.pk))


@v1.post(
    "/extensions/{extension_id}/decide",
    response={200: s.ExtensionResult, **ERRORS},
    tags=["tracks"],
    summary="审批延期（grant / refuse）",
)
def decide_extension(request, extension_id: s.PathId, payload: s.DecideIn):
    ext = services.decide_extension(
        actor=request.auth,
        extension_id=extension_id,
        grant=payload.decision == "grant",
        note=payload.note,
        due=payload.due,
        expected_version=payload.expected_version,
    )
    return _extension_result(request.auth, ext.pk)


def _extension_result(user, ext_pk: int) -> dict:
    ext = Extension.objects.select_related("node", "requested_by", "decided_by").get(pk=ext_pk)
    return {"extension": _extension(ext), "track": _track_out(user, ext.track_id)}


@v1.post("/tracks/{track_id}/urge", response={201: s.UrgeResult, **ERRORS}, tags=["tracks"], summary="催办")
def urge(request, track_id: s.PathId, payload: s.UrgeIn | None = None):
    u = services.urge(
        actor=request.auth,
        track_id=track_id,
        message=payload.message if payload else "",
        expected_version=_version(payload),
    )
    return Status(201, {"urge": _urge(u), "track": _track_out(request.auth, track_id)})


@v1.post("/tracks/{track_id}/route", response={200: s.TrackOut, **ERRORS}, tags=["tracks"], summary="批转")
def route(request, track_id: s.PathId, payload: s.RouteIn):
    assignee = User.objects.filter(username=payload.assignee.strip()).only("pk").first()
    services.route(
        actor=request.auth,
        track_id=track_id,
        # An unknown username is refused by the service, after its permission checks.
        assignee_id=assignee.pk if assignee else 0,
        expected_version=payload.expected_version,
    )
    return _track_out(request.auth, track_id)


@v1.post(
    "/tracks/{track_id}/pass-down",
    response={201: s.PassDownResult, **ERRORS},
    tags=["tracks"],
    summary="下派",
)
def pass_down(request, track_id: s.PathId, payload: s.PassDownIn):
    children = services.pass_down(
        actor=request.auth,
        track_id=track_id,
        units=_units(payload.units, "units"),
        expected_version=payload.expected_version,
    )
    return Status(
        201,
        {
            "track": _track_out(request.auth, track_id),
            "children": [_track_out(request.auth, c.pk) for c in children],
        },
    )


def _version(payload) -> int | None:
    return payload.expected_version if payload is not None else None


# ---------------------------------------------------------------------------------------------
# Queue and board


@v1.get("/queue", response={200: s.QueueOut, **ERRORS}, tags=["queue"], summary="我的待办")
def queue(request, limit: int = 20):
    """Counts of every kind, and the first ``limit`` tracks of each (soonest due first)."""
    limit = max(1, min(limit, 200))
    q = selectors.Queue(request.auth)
    counts = q.counts()
    rows = {kind: [_summary(t, q.at) for t in page] for kind, page in q.heads(counts, limit).items()}
    return {"counts": counts, "rows": rows}


@v1.get("/queue/{kind}", response={200: list[s.TrackRow], **ERRORS}, tags=["queue"], summary="某类待办")
@paginate(CappedLimitOffset)
def queue_kind(request, kind: str):
    request.duban_at = now()
    return selectors.queue(request.auth, kind, request.duban_at)


@v1.get("/board", response={200: list[s.BoardRow], **ERRORS}, tags=["queue"], summary="亮灯榜")
def board(request):
    return [
        {
            "unit": _unit(r["unit"]),
            "red": r["red"],
            "yellow": r["yellow"],
            "green": r["green"],
            "closed": r["closed"],
            "total": r["total"],
        }
        for r in selectors.light_board(request.auth)
    ]


# ---------------------------------------------------------------------------------------------
# Inbox (站内消息)


@v1.get("/inbox", response={200: list[s.InboxRow], **ERRORS}, tags=["inbox"], summary="站内消息")
@paginate(CappedLimitOffset)
def inbox(request, unread: bool = False):
    return notify_selectors.inbox(request.auth, unread=unread)


@v1.get("/inbox/unread", response={200: s.UnreadOut, **ERRORS}, tags=["inbox"], summary="未读消息数")
def inbox_unread(request):
    return {"unread": notify_selectors.unread_count(request.auth)}


@v1.post(
    "/inbox/{notification_id}/read", response={200: s.InboxRow, **ERRORS}, tags=["inbox"], summary="标为已读"
)
def inbox_read(request, notification_id: s.PathId):
    return notify_services.mark_read(actor=request.auth, notification_id=notification_id)


@v1.post("/inbox/read-all", response={200: s.UnreadOut, **ERRORS}, tags=["inbox"], summary="全部标为已读")
def inbox_read_all(request):
    notify_services.mark_all_read(actor=request.auth)
    return {"unread": notify_selectors.unread_count(request.auth)}


api.add_router("/v1/", v1)
api.add_router("/v1/", "duban.api.targets.router")  # 量化指标: duban/api/targets.py
api.add_router("/v1/", "duban.api.results.router")  # 督办工作台, 领导驾驶舱, 通报: duban/api/results.py
