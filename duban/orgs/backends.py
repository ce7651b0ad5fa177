"""Authentication: Django's model backend, loading the user's unit with the user.

Every page and API call reads ``request.user.unit`` (visibility is a range on its path, the
header shows its name), so fetching it in the same query saves one query per request."""

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from duban.core import sqlrows

from .models import OrgUnit, User

_USER, _UNIT = sqlrows.ModelRows(User), sqlrows.ModelRows(OrgUnit)


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        # Hand-written (core.sqlrows): this is the second query of every page.
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        q = connection.ops.quote_name
        rows = sqlrows.query(
            f"SELECT {_USER.columns('x')}, {_UNIT.columns('u')} FROM {q(User._meta.db_table)} x "
            f"LEFT JOIN {q(OrgUnit._meta.db_table)} u ON u.{q('id')} = x.{q('unit_id')} WHERE x.{q('id')} = %s",
            [pk],
        )
        if not rows:
            return None
        user = _USER.make(rows[0])
        user.unit = _UNIT.make(rows[0], _USER.width)
        return user if self.user_can_authenticate(user) else None
