"""Ending login sessions: one, any queryset of them, all of a user's; deleting them. Every way a session ends.

Each revocation marks the sessions revoked, blacklists their current refresh
tokens (simplejwt's ledger) and records itself in the revocations table in
the same transaction (accounts/revocation/), so every server process rejects
their access tokens within a second.
"""

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError

from accounts import sql
from accounts.exceptions import InvalidRefreshToken
from accounts.models import Session, User
from accounts.revocation import runtime as revocations
from accounts.tokens import Claims, decode_access, decode_refresh


def session_revoke_by_token(*, raw_refresh: str) -> Claims | None:
    """Revokes the session a refresh token belongs to; its claims, or ``None`` if none was live."""
    return _revoke_by_claims(decode_session_token(raw_refresh))


def session_revoke_by_access_token(*, raw_access: str) -> Claims | None:
    """``session_revoke_by_token`` with an unexpired access token (logout without a refresh cookie)."""
    return _revoke_by_claims(decode_session_token(raw_access, decode_access))


def _revoke_by_claims(claims: Claims) -> Claims | None:
    revoked = session_revoke(sessions=Session.objects.filter(pk=claims.sid, user_id=claims.user_id))
    return claims if revoked else None


def session_revoke_one(*, session: Session) -> bool:
    """Revokes one session (logout on another device, the sessions API)."""
    return bool(session_revoke(sessions=Session.objects.filter(pk=session.pk)))


class RevokedSession(NamedTuple):
    """A session a revocation ended (for the audit: which, whose)."""

    session_id: uuid.UUID
    user_id: int


def session_revoke(*, sessions: QuerySet[Session]) -> list[RevokedSession]:
    """Revokes ``sessions``, whatever the queryset carries (filters, a slice, ordering, ``distinct``).

    Their refresh tokens die at once; every server rejects their access tokens
    within a second (the revocation record). Returns the sessions this call
    revoked; those revoked before are left as they were.
    """
    with transaction.atomic():
        return revoke_sessions(sessions, timezone.now())


class DeletedSessions(NamedTuple):
    """What ``sessions_delete`` did: the sessions it revoked first, and the deletion's counts."""

    revoked: list[RevokedSession]  # those that were still live
    deleted: tuple[int, dict[str, int]]  # what ``QuerySet.delete()`` returns


def sessions_delete(*, sessions: QuerySet[Session]) -> DeletedSessions:
    """Revokes ``sessions``, then deletes them: no row goes while its tokens are still honoured.

    ``Session.delete()`` and the sessions' ``QuerySet.delete()`` come here.
    """
    with transaction.atomic():
        ids = list(_session_rows(sessions))
        revoked = revoke_sessions(Session.objects.filter(pk__in=ids), timezone.now())
        return DeletedSessions(revoked, Session.objects.filter(pk__in=ids).delete_revoked())


def user_sessions_revoke_all(*, user: AbstractBaseUser) -> int:
    """Logs a user out everywhere: every session revoked, every issued token rejected.

    A constant number of statements, however many sessions the user has.
    """
    return _revoke_users([user.pk], timezone.now())


def users_sessions_revoke_all(*, users: QuerySet[User] | list[int]) -> int:
    """``user_sessions_revoke_all`` for many users (a queryset, or their ids) at once; how many sessions it revoked.

    A queryset is resolved to ids first: bumping the users' version must not
    change which users the later statements see, whatever it filters on.
    """
    user_ids = users if isinstance(users, list) else list(users.values_list("pk", flat=True))
    return _revoke_users(user_ids, timezone.now())


# For issuing.py and session_limit.py, then internals -------------------------------


def decode_session_token(raw: str, decode: Callable[[str], Claims] = decode_refresh) -> Claims:
    """The claims of a refresh (or, with ``decode_access``, an access) token; ``InvalidRefreshToken`` if unusable."""
    try:
        claims = decode(raw)
        uuid.UUID(claims.sid)
    except (TokenError, ValueError) as exc:
        raise InvalidRefreshToken() from exc
    return claims


def _revoke_users(user_ids: list[int], now: datetime) -> int:
    """Bumps the users' token version, records it as their floor and revokes their sessions; how many sessions."""
    if not user_ids:
        return 0
    with transaction.atomic():
        User.objects.update_by_ids(user_ids, token_version=F("token_version") + 1)
        # One floor per user covers every token of every session: no per-session records.
        revocations.record_users(User.objects.filter(pk__in=user_ids), now)
        return len(revoke_sessions(Session.objects.filter(user_id__in=user_ids), now, record=False))


# Sessions per UPDATE and INSERT ... SELECT: their ids travel as parameters.
REVOKE_BATCH = 5000


def revoke_sessions(sessions: QuerySet[Session], now: datetime, *, record: bool = True) -> list[RevokedSession]:
    """Revokes the live sessions among ``sessions``: marked revoked, current refresh tokens blacklisted, recorded.

    Every way a session ends comes here. The sessions are resolved to their
    ids first (one SELECT), and every later statement names those ids: the
    caller's queryset may filter on what the UPDATE changes (``revoked_at IS
    NULL``, the admin's "Live" filter), be sliced or ordered, and is never
    evaluated again. Then, per ``REVOKE_BATCH`` sessions, three statements.
    The UPDATE row-locks the sessions, so a concurrent revocation finds them
    revoked and blacklists nothing twice; the INSERTs pick the sessions
    stamped with this ``now``. The record (accounts/revocation/) makes every
    server process reject the sessions' access tokens within a second;
    ``record=False`` when a user-wide record already covers them.
    """
    rows = _session_rows(sessions)
    live = [pk for pk, (_, revoked_at) in rows.items() if revoked_at is None]
    revoked: list[RevokedSession] = []
    for batch in _batches(live, REVOKE_BATCH):
        count = Session.objects.filter(pk__in=batch, revoked_at__isnull=True).update(revoked_at=now)
        if not count:
            continue
        stamped = Session.objects.filter(pk__in=batch, revoked_at=now)
        if count != len(batch):  # a concurrent revocation took some of them: keep only ours
            batch = list(stamped.values_list("pk", flat=True))
        sql.blacklist_current_tokens(stamped.filter(current_token__isnull=False), now)
        if record:
            revocations.record_sessions(stamped, now)
        revoked.extend(RevokedSession(pk, rows[pk][0]) for pk in batch)
    return revoked


def _session_rows(sessions: QuerySet[Session]) -> dict[uuid.UUID, tuple[int, datetime | None]]:
    """``{id: (user_id, revoked_at)}`` of every session ``sessions`` selects, as it selects them now."""
    if not sessions.query.is_sliced:
        sessions = sessions.order_by()  # the default ordering would only cost a sort
    return {
        pk: (user_id, revoked_at) for pk, user_id, revoked_at in sessions.values_list("pk", "user_id", "revoked_at")
    }


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
