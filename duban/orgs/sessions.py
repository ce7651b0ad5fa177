"""Django's database sessions, with the one read every request makes written by hand.

Loading the session is the first query of every page; the ORM's compilation of it cost several
times the lookup by primary key (see ``core.sqlrows``). Writes — login, logout, the idle
limit's once-a-minute touch — stay Django's own."""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.utils import timezone

from duban.core import sqlrows


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        q = connection.ops.quote_name
        try:
            key = self.session_key
            rows = sqlrows.query(
                f"SELECT {q('session_data')} FROM {q(model._meta.db_table)} "
                f"WHERE {q('session_key')} = %s AND {q('expire_date')} > %s",
                [key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
        except SuspiciousOperation as e:  # pragma: no cover - the same guard as Django's
            logging.getLogger(f"django.security.{e.__class__.__name__}").warning(str(e))
            rows = []
        if not rows:
            self._session_key = None
            return None
        return model(session_key=key, session_data=rows[0][0])
