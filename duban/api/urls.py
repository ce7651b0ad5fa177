from django.urls import path

from .api import api

# Mounted at "api/": the versioned routes live under /api/v1/, the docs at /api/docs and the
# schema at /api/openapi.json.
urlpatterns = [path("api/", api.urls)]
