from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("duban.api.urls")),
    path("plans/", include("duban.plans.urls")),
    path("targets/", include("duban.targets.urls")),
    path("ledgers/", include("duban.ledgers.urls")),
    path("public/", include("duban.ledgers.public_urls")),
    path("workbench/", include("duban.workbench.urls")),
    path("bulletins/", include("duban.bulletins.urls")),
    path("dashboard/", include("duban.dashboard.urls")),
    path("", include("duban.notify.urls")),
    path("", include("duban.web.urls")),
]
