from django.urls import path

from . import views

app_name = "bulletins"
urlpatterns = [
    path("", views.bulletin_list, name="list"),
    path("new/", views.new, name="new"),
    path("publish/", views.publish, name="publish"),
    path("points/", views.points, name="points"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/docx/", views.docx, name="docx"),
    path("<int:pk>/xlsx/", views.xlsx, name="xlsx"),
]
