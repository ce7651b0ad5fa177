from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:code>/", views.unit, name="unit"),
    path("<slug:code>/data.json", views.data, name="data"),
    path("<slug:code>/list/", views.listing, name="list"),
]
