"""Login sessions: creation, refresh rotation, re-issue, revocation. The rules live here.

A session is one login on one device (``accounts.Session``). simplejwt's
``OutstandingToken`` records every refresh token issued, without its text
(only claims, which mint nothing without the signing key);
``BlacklistedToken`` records every one rotated away or revoked. The session
row is what refresh trusts: it is locked and checked in one query; a token
blacklisted by anyone else revokes its session (accounts/revocation/blacklist.py).
"""

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import conf, limits, selectors, signals, sql
from accounts.client import ClientInfo
from accounts.exceptions import (
    InvalidRefreshToken,
    RefreshTokenReused,
    SessionExpired,
    SessionRevoked,
    UserInactive,
)
from accounts.models import Session, User
from accounts.revocation import runtime as revocations
from accounts.tokens import (
    PASSWORD,
    Claims,
    IssuedTokens,
    decode_access,
    decode_refresh,
    encode_access,
    encode_refresh,
    new_jti,
    whole_seconds,
)


def session_create(
    *,
    user: User,
    client: ClientInfo,
    remember: bool = True,
    amr: Sequence[str] = (PASSWORD,),
    sign_in: bool = True,
) -> IssuedTokens:
    """Starts a login session for ``user``, authenticated now by ``amr``, and issues its first token pair.

    A sign-in (not a registration, ``sign_in=False``) sends ``signals.signed_in``
    once committed, saying whether the device (user agent and IP) is new to the user.
    """
    now = timezone.now()
    session = Session(
        id=uuid.uuid4(),
        user=user,
        created_at=now,
        last_used_at=now,
        user_agent=client.user_agent,
        ip_address=client.ip_address,
        remember=remember,
        auth_time=whole_seconds(now),
        amr=" ".join(amr),
    )
    new_device = sign_in and not selectors.device_seen(user=user, client=client, since=now - conf.session_max_age())
    with transaction.atomic():
        refresh = _refresh_claims(session, user, now)
        _make_current(session, refresh, sql.insert_refresh_token(refresh))
        session.save(force_insert=True)
        User.objects.filter(pk=user.pk).update(last_login=now)
        limits.live_sessions_bound(
            user=user, session=session, client=client, now=now, revoke=lambda older, at: len(_revoke(older, at))
        )
        if sign_in:
            transaction.on_commit(
                lambda: signals.signed_in.send(
                    sender=Session, user=user, session=session, client=client, new_device=new_device
                )
            )
    return _issue(session, refresh, now)


def session_refresh(*, raw_refresh: str) -> IssuedTokens:
    """Rotates a refresh token: the presented one is blacklisted, its one successor issued.

    A token rotated less than ``REFRESH_REUSE_GRACE`` ago, whose successor is
    still current, gets that same successor back (two tabs refreshing at
    once). Any other rotated token is reuse: the whole session is revoked and
    ``RefreshTokenReused`` raised. The session row is locked for the whole
    transaction, so of N concurrent refreshes exactly one rotates.
    """
    claims = _decode(raw_refresh)
    now = timezone.now()
    with transaction.atomic():
        session = sql.lock_session(claims.sid, claims.user_id)
        if session is None:
            raise InvalidRefreshToken()
        about = {"session_id": claims.sid, "user_id": claims.user_id}
        if session.revoked_at is not None:
            raise SessionRevoked(**about)
        if not session.user.is_active:
            raise UserInactive(**about)
        if session.current_jti == claims.jti:
            if claims.ver != session.user.token_version:
                raise SessionRevoked(**about)
            refresh = _rotate(session, now)
        elif _within_grace(session, claims, now):
            refresh = _current_claims(session)
        else:
            _revoke(Session.objects.filter(pk=session.pk), now)
            refresh = None
    if refresh is None:
        raise RefreshTokenReused(**about)
    # Signed after COMMIT: the write lock is held for the database work alone.
    return _issue(session, refresh, now)


def session_reissue(
    *, user: User, session_id: str, now: datetime, authenticated: Sequence[str] | None = None
) -> IssuedTokens:
    """Rotates the live session ``session_id`` of ``user`` and issues its new pair (within the caller's transaction).

    With ``authenticated`` (the methods the user just proved themselves with)
    the session's ``auth_time`` becomes ``now``: a re-authentication.
    Raises ``SessionRevoked`` when the session is not the user's or not live.
    """
    session = (
        Session.objects.select_for_update(of=("self",))
        .filter(pk=session_id, user_id=user.pk, revoked_at__isnull=True)
        .first()
    )
    if session is None:
        raise SessionRevoked(session_id=session_id, user_id=user.pk)
    session.user = user
    if authenticated is not None:
        session.auth_time = whole_seconds(now)
        session.amr = " ".join(authenticated)
    refresh = _rotate(session, now)
    return _issue(session, refresh, now)


def session_revoke_by_token(*, raw_refresh: str) -> Claims | None:
    """Revokes the session a refresh token belongs to; its claims, or ``None`` if none was live."""
    return _revoke_by_claims(_decode(raw_refresh))


def session_revoke_by_access_token(*, raw_access: str) -> Claims | None:
    """``session_revoke_by_token`` with an unexpired access token (logout without a refresh cookie)."""
    return _revoke_by_claims(_decode(raw_access, decode_access))


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
        return _revoke(sessions, timezone.now())


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
        revoked = _revoke(Session.objects.filter(pk__in=ids), timezone.now())
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


def sessions_delete_expired(*, batch_size: int = 5000, now: datetime | None = None) -> dict[str, int]:
    """Deletes expired sessions and expired token records in batches of ``batch_size``.

    Memory stays bounded by one batch, however many rows expired; simplejwt's
    ``flushexpiredtokens`` loads them all through its cascade.
    """
    now = now or timezone.now()
    deleted = {"sessions": 0, "outstanding_tokens": 0, "blacklisted_tokens": 0}
    while ids := list(Session.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch_size]):
        # Expired: no token of theirs is honoured any more, so nothing to revoke.
        deleted["sessions"] += Session.objects.filter(pk__in=ids).delete_revoked()[0]
    while ids := list(OutstandingToken.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            deleted["blacklisted_tokens"] += BlacklistedToken.objects.filter(token_id__in=ids).delete()[0]
            Session.objects.filter(current_token_id__in=ids).update(current_token=None)
            # Nothing refers to these rows any more: one plain DELETE, instead of
            # the collector loading the batch and deleting it 100 rows at a time.
            deleted["outstanding_tokens"] += OutstandingToken.objects.filter(pk__in=ids)._raw_delete(
                OutstandingToken.objects.db
            )
    return deleted


# Internals ---------------------------------------------------------------------


def _decode(raw: str, decode: Callable[[str], Claims] = decode_refresh) -> Claims:
    try:
        claims = decode(raw)
        uuid.UUID(claims.sid)
    except (TokenError, ValueError) as exc:
        raise InvalidRefreshToken() from exc
    return claims


def _session_ends_at(session: Session) -> datetime:
    return session.created_at + conf.session_max_age()


def _refresh_claims(session: Session, user: User, now: datetime) -> Claims:
    """A new refresh token of ``session``, issued ``now``: its claims, to record and sign."""
    return Claims(
        user_id=user.pk,
        sid=str(session.pk),
        ver=user.token_version,
        jti=new_jti(),
        issued_at=whole_seconds(now),
        expires_at=whole_seconds(min(now + conf.refresh_lifetime(), _session_ends_at(session))),
        auth_time=session.auth_time,
        amr=tuple(session.amr.split()),
    )


def _make_current(session: Session, refresh: Claims, token_id: int) -> None:
    session.current_token_id = token_id
    session.current_jti = refresh.jti
    session.expires_at = refresh.expires_at


def _rotate(session: Session, now: datetime) -> Claims:
    """Records the session's next refresh token (the locked row's); its claims, to sign after COMMIT."""
    if _session_ends_at(session) <= now + timedelta(seconds=1):
        raise SessionExpired(session_id=str(session.pk), user_id=session.user_id)
    refresh = _refresh_claims(session, session.user, now)
    replaced_token_id = session.current_token_id
    session.previous_jti = session.current_jti
    _make_current(session, refresh, sql.insert_refresh_token(refresh))
    session.rotated_at = session.last_used_at = now
    sql.save_rotation(session, replaced_token_id, now)
    return refresh


def _within_grace(session: Session, claims: Claims, now: datetime) -> bool:
    return (
        bool(session.previous_jti)
        and session.previous_jti == claims.jti
        and session.rotated_at is not None
        and now - session.rotated_at <= conf.reuse_grace()
        and session.current_token_id is not None
        and session.expires_at > now
    )


def _current_claims(session: Session) -> Claims:
    """The session's current refresh token's claims, to sign it again byte for byte."""
    return Claims(
        user_id=session.user_id,
        sid=str(session.pk),
        ver=session.user.token_version,
        jti=session.current_jti,
        issued_at=session.current_token.created_at,
        expires_at=session.current_token.expires_at,
        auth_time=session.auth_time,
        amr=tuple(session.amr.split()),
    )


def _issue(session: Session, refresh: Claims, now: datetime) -> IssuedTokens:
    """Signs ``refresh`` and a fresh access token of the same session, issued at ``now``."""
    now = whole_seconds(now)
    access = Claims(
        user_id=refresh.user_id,
        sid=refresh.sid,
        ver=refresh.ver,
        jti=new_jti(),
        issued_at=now,
        expires_at=whole_seconds(min(now + conf.access_lifetime(), _session_ends_at(session))),
        auth_time=refresh.auth_time,
        amr=refresh.amr,
    )
    return IssuedTokens(
        user_id=session.user_id,
        session_id=str(session.pk),
        access=encode_access(access),
        refresh=encode_refresh(refresh),
        issued_at=now,
        access_expires=access.expires_at,
        refresh_expires=refresh.expires_at,
        persistent=session.remember,
    )


def _revoke_users(user_ids: list[int], now: datetime) -> int:
    """Bumps the users' token version, records it as their floor and revokes their sessions; how many sessions."""
    if not user_ids:
        return 0
    with transaction.atomic():
        User.objects.update_by_ids(user_ids, token_version=F("token_version") + 1)
        # One floor per user covers every token of every session: no per-session records.
        revocations.record_users(User.objects.filter(pk__in=user_ids), now)
        return len(_revoke(Session.objects.filter(user_id__in=user_ids), now, record=False))


# Sessions per UPDATE and INSERT ... SELECT: their ids travel as parameters.
REVOKE_BATCH = 5000


def _revoke(sessions: QuerySet[Session], now: datetime, *, record: bool = True) -> list[RevokedSession]:
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
