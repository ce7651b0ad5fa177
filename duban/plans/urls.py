from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/due/", views.set_due, name="set_due"),
    path("<int:plan_id>/year/", views.plan_year, name="year"),
    path("<int:plan_id>/source/", views.source, name="source"),
    path("<int:plan_id>/fulfilment/", views.fulfilment_page, name="fulfilment"),
    path("<int:plan_id>/batch/", views.batch, name="batch"),
    path("<int:plan_id>/tasks/<int:task_id>/edit/", views.task_edit, name="task_edit"),
    path("<int:plan_id>/tasks/<int:task_id>/split/", views.task_split, name="task_split"),
    path("<int:plan_id>/tasks/<int:task_id>/drop/", views.task_drop, name="task_drop"),
]
