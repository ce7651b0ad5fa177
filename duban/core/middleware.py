"""Bounds and error shapes that hold before (and around) any view.

``RequestSizeLimit`` refuses a body larger than any form or API call accepts, before reading it:
Django reads a multipart body into memory or temporary files before a view can say no; a 1 GiB
anonymous POST to /login/ was written to disk first. The declared length is checked here, first
in the chain, and the connection is answered without touching the body.

``ApiErrors`` makes every error under /api/ the API's JSON (``{"code", "message", "detail"}``),
whoever produced it: Django's 404/405/500 pages, a bad multipart body, a middleware's refusal.

``InputGuard`` refuses control characters (NUL first: PostgreSQL fails on it as a server error)
in the path, the query string, the cookies, the headers and a page's form fields, for every page
and API call, so no view or selector has to remember to. The API's JSON bodies and forms are
checked by its parser.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

from . import cleaning

API_PREFIX = "/api/"

# Bodies the API reads; anything else is refused with 415 instead of being parsed as JSON.
API_BODY_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def api_error(status: int, code: str, message: str, detail: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message, "detail": detail or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


class RequestSizeLimit:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DUBAN_MAX_REQUEST_BYTES
        if request.content_type != "multipart/form-data":
            # Only a multipart body carries files; any other (JSON, a plain form) is read into
            # memory whole, so it is held to Django's in-memory cap, still unread.
            limit = min(limit, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or limit)
        if length > limit:
            mb = max(limit // 1024 // 1024, 1)
            message = f"请求过大（上限 {mb} MB），请缩小附件或分批提交"
            if _is_api(request):
                response = api_error(413, "too_large", message)
            else:
                response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
            response["Connection"] = "close"  # the unread body must not be taken for a next request
            return response
        return self.get_response(request)


# The API's answer for an error response some other layer produced, by status.
_API_ERRORS = {
    400: ("bad_request", "请求格式无效"),
    401: ("unauthenticated", "请先登录或提供有效的访问令牌"),
    403: ("forbidden", "无权进行此操作"),
    404: ("not_found", "接口不存在"),
    405: ("method_not_allowed", "该接口不支持此请求方法"),
    413: ("too_large", "请求过大"),
    415: ("unsupported_media_type", "请求体须为 JSON、multipart/form-data 或表单编码"),
    500: ("server_error", "服务器出现错误，操作未完成。请稍后重试；如果问题持续，请联系管理员"),
}


def _is_json(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


class ApiErrors:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if _is_api(request) and (refused := self._unsupported_body(request)):
            return refused
        response = self.get_response(request)
        if not _is_api(request) or response.status_code < 400 or _is_json(response):
            return response
        # The exception behind a 500 was logged where it happened (django.request).
        status = response.status_code
        code, message = _API_ERRORS.get(status, (f"http_{status}", "请求未能完成"))
        out = api_error(status, code, message, {"path": request.path} if status in (404, 405) else None)
        for header in ("Allow", "Connection", "Retry-After", "WWW-Authenticate"):
            if header in response:
                out[header] = response[header]
        return out

    @staticmethod
    def _unsupported_body(request):
        if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        kind = request.content_type or ""
        if length and not (kind in API_BODY_TYPES or kind.endswith("+json")):
            code, message = _API_ERRORS[415]
            return api_error(415, code, message, {"content_type": kind[:100]})
        return None


# The refusal page: plain like 500.html (no template: nothing may fail on the way to it).
_PAGE = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>提交未成功 · 13710 电子督办</title></head>"
    '<body style="font-family:sans-serif;padding:24px"><h1>提交未成功</h1><p>{message}</p>'
    "<p>请用浏览器的“后退”返回上一页，修改后重新提交（从其他文档粘贴的文字，可先粘贴到记事本再复制）。</p>"
    '<p><a href="/">返回首页</a></p></body></html>'
)


class InputGuard:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        found = self._find(request)
        if found is None:
            return self.get_response(request)
        field, char, where = found
        if _is_api(request):
            error = cleaning.refusal(field, char, where=where)
            return api_error(error.status, error.code, error.message, error.details)
        error = cleaning.refusal(field, char, where=where, label=cleaning.LABELS.get(field, field))
        return HttpResponse(_PAGE.format(message=escape(error.message)), status=400)

    @staticmethod
    def _find(request) -> tuple[str, str, str] | None:
        if char := cleaning.bad_character(request.path):
            return ("path", char, "path")
        if found := cleaning.find_in_pairs(_pairs(request.GET)):
            return (*found, "query")
        if found := cleaning.find_in_pairs(request.COOKIES.items()):
            return (*found, "cookie")
        # No header may carry a control character either (HTTP allows none but tab); some are
        # stored, such as the User-Agent of a failed login.
        headers = (
            (k[5:].replace("_", "-").title(), v) for k, v in request.META.items() if k.startswith("HTTP_")
        )
        if found := cleaning.find_in_pairs((name, v) for name, v in headers if isinstance(v, str)):
            return (*found, "header")
        # The API's forms are checked as its operations read them (a multipart body parsed here
        # could no longer be read as JSON there); a page's form is read by CSRF checks anyway.
        if request.method == "POST" and request.content_type in FORM_TYPES and not _is_api(request):
            if found := cleaning.find_in_pairs(_pairs(request.POST)):
                return (*found, "form")
            names = [(name, f.name or "") for name, files in request.FILES.lists() for f in files]
            if found := cleaning.find_in_pairs(names):
                return (*found, "form")
        return None


def _pairs(querydict):
    for name, values in querydict.lists():
        for value in values:
            yield name, value
