from django.contrib.auth import views as auth_views
from django.urls import path

from . import account, manage, views

app_name = "web"
urlpatterns = [
    path("", views.queue, name="queue"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", account.password, name="password"),
    path("account/tokens/", account.tokens, name="tokens"),
    path("items/", views.item_list, name="items"),
    path("items/export.xlsx", views.item_export, name="export"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/instruct/", views.instruct, name="instruct"),
    path("tracks/<int:track_id>/<slug:action>/", views.track_action, name="track_action"),
    path("extensions/<int:extension_id>/decide/", views.decide_extension, name="decide_extension"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("board/", views.board, name="board"),
    path("manage/", manage.home, name="manage"),
    path("manage/users/", manage.users, name="manage_users"),
    path("manage/users/<int:user_id>/", manage.user_edit, name="manage_user"),
    path("manage/tokens/", account.manage_tokens, name="manage_tokens"),
    path("manage/units/", manage.units, name="manage_units"),
    path("manage/vocabulary/", manage.vocabulary, name="manage_vocabulary"),
    path("manage/calendar/", manage.calendar_home, name="manage_calendar"),
    path("manage/calendar/<int:year>/", manage.calendar_year, name="manage_calendar_year"),
]
