"""Reads of users' login sessions."""

from datetime import datetime

from django.db.models import QuerySet

from accounts.client import ClientInfo
from accounts.models import Session, User


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
