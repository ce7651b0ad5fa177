"""Authentication: Django's model backend, loading the user's unit with the user.

Every page and API call reads ``request.user.unit`` (visibility is a range on its path, the
header shows its name), so fetching it in the same query saves one query per request."""

from django.contrib.auth.backends import ModelBackend

from .selectors import user_with_unit


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = user_with_unit(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
