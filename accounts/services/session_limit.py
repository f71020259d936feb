"""Live sessions per user (``MAX_SESSIONS_PER_USER``, default 100): a new session evicts the oldest.

A sign-in that would exceed the bound revokes the user's oldest live
sessions, like any other revocation (API.md: evictions are revocations, in
the feed too), so no script can grow one user's session list without limit.
"""

from datetime import datetime

from django.db import transaction

from accounts import audit, conf
from accounts.client import ClientInfo
from accounts.models import Session, User
from accounts.services.revoking import revoke_sessions


def live_sessions_bound(
    *,
    user: User,
    session: Session,
    client: ClientInfo,
    now: datetime,
) -> int:
    """Revokes ``user``'s oldest live sessions so that, with ``session``, at most ``MAX_SESSIONS_PER_USER`` live.

    They die like any other revoked session (``revoking.revoke_sessions``, in
    the caller's transaction); each is audited (``session_revoked``, ``"by": "session_limit"``)
    once the transaction commits. One query when nothing is over the bound.
    """
    keep = conf.MAX_SESSIONS_PER_USER - 1  # besides the new one
    older = Session.objects.live().filter(user=user).exclude(pk=session.pk).order_by("-created_at", "-pk")
    excess = list(older.values_list("pk", flat=True)[keep:])
    if not excess:
        return 0
    revoked = len(revoke_sessions(Session.objects.filter(pk__in=excess), now))
    transaction.on_commit(lambda: _audit_evicted(user, session, client, excess))
    return revoked


def _audit_evicted(user: User, session: Session, client: ClientInfo, session_ids: list) -> None:
    for session_id in session_ids:
        audit.audit(
            audit.SESSION_REVOKED,
            client=client,
            user_id=user.pk,
            session_id=session_id,
            by="session_limit",
            for_session_id=str(session.pk),
        )
