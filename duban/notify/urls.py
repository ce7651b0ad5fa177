from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.read_all, name="read_all"),
    path("inbox/unread.json", views.unread, name="unread"),
    path("inbox/<int:notification_id>/open/", views.open_message, name="open"),
    path("inbox/settings/", views.preferences, name="preferences"),
    path("manage/notify/", views.unit_settings, name="unit_settings"),
    path("manage/notify/robots/", views.robot_edit, name="robot_new"),
    path("manage/notify/robots/<int:robot_id>/", views.robot_edit, name="robot_edit"),
    path("manage/notify/robots/<int:robot_id>/delete/", views.robot_delete, name="robot_delete"),
    path("manage/deliveries/", views.deliveries, name="deliveries"),
    path("manage/deliveries/<int:delivery_id>/retry/", views.retry, name="retry"),
]
