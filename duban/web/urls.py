from django.urls import path
from django.views.generic import RedirectView

app_name = "web"
# Placeholder names so the base template renders; the web UI replaces these views.
urlpatterns = [
    path("", RedirectView.as_view(url="/admin/"), name="queue"),
    path("items/", RedirectView.as_view(url="/admin/"), name="items"),
    path("board/", RedirectView.as_view(url="/admin/"), name="board"),
    path("logout/", RedirectView.as_view(url="/admin/"), name="logout"),
    path("login/", RedirectView.as_view(url="/admin/"), name="login"),
]
