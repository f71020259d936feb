"""Writes of accounts. The rules live here; callers import them from ``accounts.services``.

- ``issuing``: a login session's start, refresh rotation, re-issue.
- ``revoking``: every way a session ends (one, any queryset, all of a user's; deletion).
- ``session_limit``: live sessions per user; a new one evicts the oldest.
- ``cleanup``: deleting expired sessions and token records.
- ``users``: the user's account (registration, password, re-authentication, deletion).
"""

from accounts.services.cleanup import sessions_delete_expired
from accounts.services.issuing import session_bind, session_create, session_refresh, session_reissue
from accounts.services.revoking import (
    RevokedSession,
    session_revoke,
    session_revoke_by_access_token,
    session_revoke_by_token,
    session_revoke_one,
    sessions_delete,
    user_sessions_revoke_all,
    users_sessions_revoke_all,
)
from accounts.services.users import (
    user_delete,
    user_other_sessions_end,
    user_password_change,
    user_password_reset,
    user_reauthenticate,
    user_register,
    user_username_change,
    users_sessions_clear,
)

__all__ = [
    "RevokedSession",
    "session_bind",
    "session_create",
    "session_refresh",
    "session_reissue",
    "session_revoke",
    "session_revoke_by_access_token",
    "session_revoke_by_token",
    "session_revoke_one",
    "sessions_delete",
    "sessions_delete_expired",
    "user_delete",
    "user_other_sessions_end",
    "user_password_change",
    "user_password_reset",
    "user_reauthenticate",
    "user_register",
    "user_sessions_revoke_all",
    "user_username_change",
    "users_sessions_clear",
    "users_sessions_revoke_all",
]
