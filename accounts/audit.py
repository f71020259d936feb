"""The audit trail: one JSON line per security event on the ``jwtsite.audit`` logger, and a row for the admin.

Lines carry who (user id), which session, and from where (IP, user agent);
never a token or a password. Every event but the ones in ``NOT_STORED`` is
also kept as an ``AuditEvent`` row, which the admin's audit log reads.
"""

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import conf
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
USERNAME_CHANGED = "username_changed"


# Logged, never stored. A refresh happens every ACCESS_TOKEN_LIFETIME per signed-in
# client and already shows as the session's "last used"; a row each would be most
# of the table and a write on the hottest write path. Throttled and failed refreshes
# are what an attacker can make as many of as they like, one cheap request each.
NOT_STORED = frozenset({REFRESHED, REFRESH_FAILED, THROTTLED, LOGIN_THROTTLED})


def audit(
    event: str,
    *,
    client: ClientInfo | None = None,
    user_id: int | None = None,
    session_id: str | None = None,
    **details: Any,
) -> None:
    """Writes one audit line, and its row once the transaction commits; ``details`` must never hold a credential.

    The row is written after COMMIT (at once outside a transaction): an event
    whose transaction rolls back is only in the log. A failing write is logged
    and never fails the request.
    """
    record = {
        "event": event,
        "user_id": user_id,
        "session_id": str(session_id) if session_id else None,
        "ip": client.ip_address if client else None,
        "user_agent": client.user_agent if client else None,
        **details,
    }
    line = json.dumps(record, default=str, ensure_ascii=False)
    logger.info(line, extra={"audit": record})
    if event not in NOT_STORED:
        row, at = json.loads(line), timezone.now()

        def store_row() -> None:
            _store(row, at)

        transaction.on_commit(store_row, robust=True)


def audit_events_delete_expired(*, batch_size: int = 5000, now: datetime | None = None) -> int:
    """Deletes audit rows older than ``AUDIT_LOG_RETENTION_DAYS``, ``batch_size`` at a time; how many.

    Each batch is its own short statement, so a large backlog never holds
    a long lock (run it daily with the other clean-ups).
    """
    from accounts.models import AuditEvent

    cutoff = (now or timezone.now()) - timedelta(days=conf.AUDIT_LOG_RETENTION_DAYS)
    deleted = 0
    while ids := list(AuditEvent.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:batch_size]):
        deleted += AuditEvent.objects.filter(pk__in=ids)._raw_delete(AuditEvent.objects.db)
    return deleted


def _store(record: dict[str, Any], at: datetime) -> None:
    from accounts.models import AuditEvent  # audit.py is imported by models' neighbours

    event, user_id, session_id = record.pop("event"), record.pop("user_id"), record.pop("session_id")
    ip_address, user_agent = record.pop("ip"), record.pop("user_agent")
    admin_id = record.get("admin_id") if record.get("by") == "admin" else None
    AuditEvent.objects.create(
        at=at,
        event=event,
        user_id=user_id,
        session_id=session_id,
        admin_id=admin_id,
        ip_address=ip_address,
        user_agent=user_agent or "",
        details=record,
    )
