"""The audit trail: one JSON line per security event on the ``jwtsite.audit`` logger.

Lines carry who (user id), which session, and from where (IP, user agent);
never a token or a password.
"""

import json
import logging
from typing import Any

from accounts.client import ClientInfo

logger = logging.getLogger("jwtsite.audit")

LOGIN_SUCCEEDED = "login_succeeded"
LOGIN_FAILED = "login_failed"
LOGIN_THROTTLED = "login_throttled"
LOGIN_FAILURE_CEILING_REACHED = "login_failure_ceiling_reached"
REGISTERED = "registered"
REFRESHED = "refreshed"
REFRESH_FAILED = "refresh_failed"
REUSE_DETECTED = "refresh_reuse_detected"
LOGGED_OUT = "logged_out"
LOGGED_OUT_EVERYWHERE = "logged_out_everywhere"
PASSWORD_CHANGED = "password_changed"
SESSION_REVOKED = "session_revoked"
THROTTLED = "throttled"
SIGN_IN_REFUSED = "sign_in_refused"
REAUTHENTICATED = "reauthenticated"
REAUTHENTICATION_FAILED = "reauthentication_failed"
ACCOUNT_DELETED = "account_deleted"


def audit(
    event: str,
    *,
    client: ClientInfo | None = None,
    user_id: int | None = None,
    session_id: str | None = None,
    **details: Any,
) -> None:
    """Writes one audit line; ``details`` must never hold a credential."""
    record = {
        "event": event,
        "user_id": user_id,
        "session_id": str(session_id) if session_id else None,
        "ip": client.ip_address if client else None,
        "user_agent": client.user_agent if client else None,
        **details,
    }
    logger.info(json.dumps(record, default=str, ensure_ascii=False), extra={"audit": record})
