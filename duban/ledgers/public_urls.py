"""The public progress page (公开进展): no login."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.public_index, name="index"),
    path("<int:plan_id>/", views.public_page, name="report"),
]
