"""Reads of users' login sessions, and of the audit log."""

from datetime import datetime

from django.db import connection
from django.db.models import QuerySet

from accounts.client import ClientInfo
from accounts.models import AuditEvent, Session, User

MAX_EVENT_NAMES = 200


def session_list_live(*, user: User) -> QuerySet[Session]:
    """The user's live (not revoked, not expired) sessions, newest first."""
    return Session.objects.live().filter(user=user).order_by("-created_at", "-pk")


def session_get_live(*, user: User, session_id: str) -> Session | None:
    """One of the user's live sessions, or ``None`` (someone else's id included)."""
    return session_list_live(user=user).filter(pk=session_id).first()


def device_seen(*, user: User, client: ClientInfo, since: datetime) -> bool:
    """Whether a session of ``user`` started since ``since`` came from the same user agent and IP."""
    return Session.objects.filter(
        user=user, created_at__gte=since, user_agent=client.user_agent, ip_address=client.ip_address
    ).exists()


def audit_event_names() -> list[str]:
    """The event names in the audit log, sorted: one probe of the event index per name, however many rows.

    A loose index scan (a recursive query asking for the next name above the
    last one), where ``SELECT DISTINCT`` would read every row.
    """
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    column = connection.ops.quote_name(AuditEvent._meta.get_field("event").column)
    statement = (
        f"WITH RECURSIVE names(name) AS ("  # noqa: S608 - quoted identifiers only
        f" SELECT MIN({column}) FROM {table}"
        f" UNION ALL"
        f" SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > names.name)"
        f" FROM names WHERE names.name IS NOT NULL"
        f") SELECT name FROM names WHERE name IS NOT NULL LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [MAX_EVENT_NAMES])
        return [name for (name,) in cursor.fetchall()]
