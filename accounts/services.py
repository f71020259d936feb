"""Login sessions: creation, refresh rotation, revocation. The rules live here.

A session is one login on one device (``accounts.Session``). simplejwt's
``OutstandingToken`` records every refresh token issued, without its text
(only claims, which mint nothing without the signing key);
``BlacklistedToken`` records every one rotated away or revoked. The session
row is what refresh trusts: it is locked and checked in one query.
"""

import uuid
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import conf
from accounts.client import ClientInfo
from accounts.exceptions import (
    USERNAME_TAKEN,
    InvalidRefreshToken,
    RefreshTokenReused,
    SessionExpired,
    SessionRevoked,
    UserInactive,
)
from accounts.models import Session, User
from accounts.tokens import (
    Claims,
    IssuedTokens,
    decode_refresh,
    encode_access,
    encode_refresh,
    new_jti,
    whole_seconds,
)


def user_register(*, username: str, password: str, email: str = "", client: ClientInfo) -> tuple[User, IssuedTokens]:
    """Creates a user and logs them in: a new session and its first token pair."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
            tokens = session_create(user=user, client=client)
    except IntegrityError as exc:
        # Lost a race with another registration of the same name.
        raise ValidationError({"username": [USERNAME_TAKEN]}) from exc
    return user, tokens


def session_create(*, user: User, client: ClientInfo, remember: bool = True) -> IssuedTokens:
    """Starts a login session for ``user`` and issues its first token pair."""
    now = timezone.now()
    session = Session(
        id=uuid.uuid4(),
        user=user,
        created_at=now,
        last_used_at=now,
        user_agent=client.user_agent,
        ip_address=client.ip_address,
        remember=remember,
    )
    with transaction.atomic():
        refresh = _record_refresh_token(session, user, now)
        session.save(force_insert=True)
        User.objects.filter(pk=user.pk).update(last_login=now)
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
        # Only the user is joined: on PostgreSQL a row lock that waited for a
        # concurrent rotation re-reads the session, but a joined token row
        # would still come from the old snapshot (and miss the successor).
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=claims.sid, user_id=claims.user_id)
            .first()
        )
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
            return _rotate(session, now)
        if _within_grace(session, claims, now):
            return _issue(session, _current_claims(session), now)
        _revoke(Session.objects.filter(pk=session.pk), now)
    raise RefreshTokenReused(**about)


def session_revoke_by_token(*, raw_refresh: str) -> Claims | None:
    """Revokes the session a refresh token belongs to; its claims, or ``None`` if none was live."""
    claims = _decode(raw_refresh)
    revoked = session_revoke(sessions=Session.objects.filter(pk=claims.sid, user_id=claims.user_id))
    return claims if revoked else None


def session_revoke_one(*, session: Session) -> bool:
    """Revokes one session (logout on another device, the sessions API)."""
    return session_revoke(sessions=Session.objects.filter(pk=session.pk)) > 0


def session_revoke(*, sessions: QuerySet[Session]) -> int:
    """Revokes ``sessions``: their refresh tokens die at once, access tokens on expiry."""
    with transaction.atomic():
        return _revoke(sessions, timezone.now())


def user_sessions_revoke_all(*, user: AbstractBaseUser) -> int:
    """Logs a user out everywhere: every session revoked, every issued token rejected.

    A constant number of statements, however many sessions the user has.
    """
    return users_sessions_revoke_all(users=User.objects.filter(pk=user.pk))


def users_sessions_revoke_all(*, users: QuerySet[User]) -> int:
    """``user_sessions_revoke_all`` for many users at once (the admin's action)."""
    with transaction.atomic():
        user_ids = users.values("pk")
        User.objects.filter(pk__in=user_ids).update(token_version=F("token_version") + 1)
        return _revoke(Session.objects.filter(user_id__in=user_ids), timezone.now())


def user_password_change(*, user: User, session_id: str, new_password: str) -> IssuedTokens:
    """Sets a new password, revokes every other session and re-issues this one's tokens."""
    now = timezone.now()
    with transaction.atomic():
        user.set_password(new_password)
        user.token_version = F("token_version") + 1
        user.save(update_fields=["password", "token_version"])
        user.refresh_from_db(fields=["token_version"])
        _revoke(Session.objects.filter(user_id=user.pk).exclude(pk=session_id), now)
        session = (
            Session.objects.select_for_update(of=("self",))
            .filter(pk=session_id, user_id=user.pk, revoked_at__isnull=True)
            .first()
        )
        if session is None:
            raise SessionRevoked()
        session.user = user
        return _rotate(session, now)


def sessions_delete_expired(*, batch_size: int = 5000, now: datetime | None = None) -> dict[str, int]:
    """Deletes expired sessions and expired token records in batches of ``batch_size``.

    Memory stays bounded by one batch, however many rows expired; simplejwt's
    ``flushexpiredtokens`` loads them all through its cascade.
    """
    now = now or timezone.now()
    deleted = {"sessions": 0, "outstanding_tokens": 0, "blacklisted_tokens": 0}
    while ids := list(Session.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch_size]):
        deleted["sessions"] += Session.objects.filter(pk__in=ids).delete()[0]
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


def _decode(raw_refresh: str) -> Claims:
    try:
        claims = decode_refresh(raw_refresh)
        uuid.UUID(claims.sid)
    except (TokenError, ValueError) as exc:
        raise InvalidRefreshToken() from exc
    return claims


def _session_ends_at(session: Session) -> datetime:
    return session.created_at + conf.session_max_age()


def _record_refresh_token(session: Session, user: User, now: datetime) -> Claims:
    """Records a new refresh token as the session's current one (claims only, no text)."""
    expires_at = whole_seconds(min(now + conf.refresh_lifetime(), _session_ends_at(session)))
    claims = Claims(
        user_id=user.pk,
        sid=str(session.pk),
        ver=user.token_version,
        jti=new_jti(),
        issued_at=whole_seconds(now),
        expires_at=expires_at,
    )
    session.current_token = OutstandingToken.objects.create(
        user_id=user.pk, jti=claims.jti, token="", created_at=claims.issued_at, expires_at=expires_at
    )
    session.current_jti = claims.jti
    session.expires_at = expires_at
    return claims


def _rotate(session: Session, now: datetime) -> IssuedTokens:
    if _session_ends_at(session) <= now + timedelta(seconds=1):
        raise SessionExpired(session_id=str(session.pk), user_id=session.user_id)
    previous_token_id, previous_jti = session.current_token_id, session.current_jti
    claims = _record_refresh_token(session, session.user, now)
    if previous_token_id is not None:
        BlacklistedToken.objects.bulk_create([BlacklistedToken(token_id=previous_token_id)], ignore_conflicts=True)
    session.previous_jti = previous_jti
    session.rotated_at = now
    session.last_used_at = now
    session.save(
        update_fields=[
            "current_jti",
            "current_token",
            "previous_jti",
            "rotated_at",
            "last_used_at",
            "expires_at",
        ]
    )
    return _issue(session, claims, now)


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


def _revoke(sessions: QuerySet[Session], now: datetime) -> int:
    """Marks live ``sessions`` revoked and blacklists their current refresh tokens.

    Two statements whatever the count. The UPDATE runs first: it row-locks
    the sessions, so a concurrent revocation finds them revoked and
    blacklists nothing twice; the INSERT then picks exactly the sessions
    stamped with this ``now``.
    """
    count = sessions.filter(revoked_at__isnull=True).update(revoked_at=now)
    if count:
        _blacklist_current_tokens(sessions.filter(revoked_at=now, current_token__isnull=False), now)
    return count


def _blacklist_current_tokens(sessions: QuerySet[Session], now: datetime) -> None:
    # INSERT ... SELECT keeps logout-all at one statement for any number of
    # sessions; the ORM has no such bulk insert.
    token_ids_sql, params = sessions.values("current_token_id").query.sql_with_params()
    quote = connection.ops.quote_name
    blacklist = quote(BlacklistedToken._meta.db_table)
    # Only quoted names and ORM-compiled SQL are interpolated; values are parameters.
    sql = (
        f"INSERT INTO {blacklist} ({quote('token_id')}, {quote('blacklisted_at')}) "  # noqa: S608
        f"SELECT s.{quote('current_token_id')}, %s FROM ({token_ids_sql}) s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {blacklist} b "
        f"WHERE b.{quote('token_id')} = s.{quote('current_token_id')})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), *params])
