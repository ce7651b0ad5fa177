from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # The admin site's own password form would change a password unjournaled: 修改密码 instead.
    path("admin/password_change/", RedirectView.as_view(url="/account/password/", permanent=False)),
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
