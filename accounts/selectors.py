"""Reads of users, their login sessions, and the audit log."""

from datetime import datetime

from django.db import connection
from django.db.models import Q, QuerySet

from accounts import identity
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


def username_taken(*, username: str) -> bool:
    """Whether an account has this visible name, however it is capitalised or spelled (NFKC)."""
    key = identity.username_key(username)
    return User.objects.filter(Q(username_key=key) | Q(username_key__isnull=True, username__iexact=username)).exists()


def email_holder(*, address: str, exclude_user_id: int | None = None, active_only: bool = False) -> User | None:
    """The account whose address is the mailbox of canonical ``address`` (NFKC and case folding), or ``None``.

    One query: the accounts whose address has the same local part (ASCII, so
    the database can compare it), then the fold in Python, which SQLite's
    ``LIKE`` and ``lower()`` cannot do beyond ASCII.
    """
    local, at, _ = address.rpartition("@")
    if not at:
        return None
    key = identity.email_key(address)
    candidates = User.objects.filter(email__istartswith=f"{local}@")
    if exclude_user_id is not None:
        candidates = candidates.exclude(pk=exclude_user_id)
    if active_only:
        candidates = candidates.filter(is_active=True)
    return next((user for user in candidates.order_by("pk") if identity.email_key(user.email) == key), None)


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
