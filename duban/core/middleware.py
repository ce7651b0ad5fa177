"""Refuse a request body larger than any form or API call accepts, before reading it.

Django reads a multipart body into memory or temporary files before a view can say no; a 1 GiB
anonymous POST to /login/ was written to disk first. The declared length is checked here, first
in the chain, and the connection is answered without touching the body.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse


class RequestSizeLimit:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DUBAN_MAX_REQUEST_BYTES
        if length > limit:
            mb = limit // 1024 // 1024
            message = f"请求过大（上限 {mb} MB），请缩小附件或分批提交"
            if request.path.startswith("/api/"):
                response = JsonResponse({"code": "too_large", "message": message, "detail": {}}, status=413)
            else:
                response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
            response["Connection"] = "close"  # the unread body must not be taken for a next request
            return response
        return self.get_response(request)
