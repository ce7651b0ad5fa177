from django.http import JsonResponse
from django.urls import path

from .api import api


def _unknown(request, rest):
    # Scripts get JSON for a mistyped path too, not the site's HTML 404 page.
    return JsonResponse(
        {"code": "not_found", "message": "接口不存在", "detail": {"path": request.path}}, status=404
    )


# Mounted at "api/": the versioned routes live under /api/v1/, the docs at /api/docs and the
# schema at /api/openapi.json.
urlpatterns = [
    path("api/", api.urls),
    path("api/<path:rest>", _unknown),
]
