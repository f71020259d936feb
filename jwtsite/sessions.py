"""The site's Django session: none. Nobody signs in through one; the admin rides on the access cookie.

Django's admin still touches ``request.session``: after a staff member sets a
password it cycles the session's key and, for their own account, stores the
password's hash there (``update_session_auth_hash``). This store keeps
nothing and never sets a cookie, so those calls change nothing; a
``sessionid`` cookie left from before is deleted. ``SessionMiddleware`` stays
only because the admin needs ``request.session`` to exist (its check admin.E410).
"""

from django.contrib.sessions.backends.base import SessionBase


class SessionStore(SessionBase):
    """Always empty: reads find nothing, writes are dropped at the end of the request, no cookie is set."""

    def exists(self, session_key: str) -> bool:
        return False

    def create(self) -> None:
        self._session_key = None

    def save(self, must_create: bool = False) -> None:
        return None

    def delete(self, session_key: str | None = None) -> None:
        return None

    def load(self) -> dict:
        return {}

    def cycle_key(self) -> None:
        return None

    def is_empty(self) -> bool:
        return True

    @classmethod
    def clear_expired(cls) -> None:
        return None
