"""Writes of accounts. The rules live here: login sessions in ``sessions.py``, the user's account in ``users.py``."""

from accounts.services.sessions import (
    RevokedSession,
    session_create,
    session_refresh,
    session_reissue,
    session_revoke,
    session_revoke_by_access_token,
    session_revoke_by_token,
    session_revoke_one,
    sessions_delete,
    sessions_delete_expired,
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
    users_sessions_clear,
)

__all__ = [
    "RevokedSession",
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
    "users_sessions_clear",
    "users_sessions_revoke_all",
]
