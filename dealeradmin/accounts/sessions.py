"""Django's database sessions, the session row read with a statement written directly."""

from django.contrib.sessions.backends import db
from django.utils import timezone

from dealeradmin.core.rows import instances, select_rows

SESSION_FIELDS = ("session_key", "session_data", "expire_date")


class SessionStore(db.SessionStore):
    """Every signed-in request reads its session first; through the ORM, building that one
    statement cost more than the database took to run it."""

    def _get_session_from_db(self):
        rows = select_rows(self.model, SESSION_FIELDS, {"session_key": self.session_key})
        if rows and rows[0][2] > timezone.now():
            return instances(self.model, rows, SESSION_FIELDS)[0]
        self._session_key = None  # as Django's own: a missing or expired session is a new one
        return None
