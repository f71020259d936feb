"""Login sessions' tokens: a session's start, refresh rotation, re-issue. The rules live here.

A session is one login on one device (``accounts.Session``). simplejwt's
``OutstandingToken`` records every refresh token issued, without its text
(only claims, which mint nothing without the signing key);
``BlacklistedToken`` records every one rotated away or revoked. The session
row is what refresh trusts: it is locked and checked in one query; a token
blacklisted by anyone else revokes its session (accounts/revocation/blacklist.py).
Ending sessions is ``revoking.py``.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts import conf, selectors, signals, sql
from accounts.binding import DPOP, KeyProof
from accounts.client import ClientInfo
from accounts.exceptions import (
    InvalidRefreshToken,
    KeyProofRequired,
    RefreshTokenReused,
    SessionExpired,
    SessionRevoked,
    UserInactive,
)
from accounts.models import Session, User
from accounts.services.revoking import decode_session_token, revoke_sessions
from accounts.services.session_limit import live_sessions_bound
from accounts.tokens import (
    PASSWORD,
    Claims,
    IssuedTokens,
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
    bound_to: KeyProof | None = None,
) -> IssuedTokens:
    """Starts a login session for ``user``, authenticated now by ``amr``, and issues its first token pair.

    With ``bound_to`` (a DPoP proof on the sign-in request) the session is bound
    to that key from birth.

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
    if bound_to is not None:
        _bind(session, bound_to)
    new_device = sign_in and not selectors.device_seen(user=user, client=client, since=now - conf.session_max_age())
    with transaction.atomic():
        refresh = _refresh_claims(session, user, now)
        _make_current(session, refresh, sql.insert_refresh_token(refresh))
        session.save(force_insert=True)
        User.objects.filter(pk=user.pk).update(last_login=now)
        live_sessions_bound(user=user, session=session, client=client, now=now)
        if sign_in:
            transaction.on_commit(
                lambda: signals.signed_in.send(
                    sender=Session, user=user, session=session, client=client, new_device=new_device
                )
            )
    return _issue(session, refresh, now)


def session_refresh(*, raw_refresh: str, proof: KeyProof | None = None) -> IssuedTokens:
    """Rotates a refresh token: the presented one is blacklisted, its one successor issued.

    A token rotated less than ``REFRESH_REUSE_GRACE`` ago, whose successor is
    still current, gets that same successor back (two tabs refreshing at
    once). Any other rotated token is reuse: the whole session is revoked and
    ``RefreshTokenReused`` raised. The session row is locked for the whole
    transaction, so of N concurrent refreshes exactly one rotates.

    A bound session rotates only with ``proof`` of its own key
    (``KeyProofRequired`` otherwise); an unbound one ignores ``proof``.
    """
    claims = decode_session_token(raw_refresh)
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
        if session.binding and (proof is None or not proof.matches(session.binding, session.bound_jkt)):
            raise KeyProofRequired(**about)
        if session.current_jti == claims.jti:
            if claims.ver != session.user.token_version:
                raise SessionRevoked(**about)
            refresh = _rotate(session, now)
        elif _within_grace(session, claims, now):
            refresh = _current_claims(session)
        else:
            revoke_sessions(Session.objects.filter(pk=session.pk), now)
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


def session_bind(*, session_id: str, user_id: int, proof: KeyProof) -> Session:
    """Binds the live, unbound session ``session_id`` of ``user_id`` to ``proof``'s key (DBSC registration).

    A session is bound once: binding it again (to any key) raises
    ``KeyProofRequired``, so a stolen refresh cookie cannot re-bind a session to
    the thief's key. Raises ``SessionRevoked`` when the session is not live.
    """
    about = {"session_id": session_id, "user_id": user_id}
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .filter(pk=session_id, user_id=user_id, revoked_at__isnull=True)
            .first()
        )
        if session is None:
            raise SessionRevoked(**about)
        if session.binding:
            raise KeyProofRequired(**about)
        _bind(session, proof)
        session.save(update_fields=["binding", "bound_key", "bound_jkt"])
    return session


# Internals ---------------------------------------------------------------------


def _bind(session: Session, proof: KeyProof) -> None:
    session.binding = proof.binding
    session.bound_key = proof.jwk or None
    session.bound_jkt = proof.jkt


def _dpop_jkt(session: Session) -> str | None:
    """A DPoP-bound session's tokens name its key (``cnf.jkt``); DBSC binds the refresh alone."""
    return session.bound_jkt if session.binding == DPOP else None


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
        jkt=_dpop_jkt(session),
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
        jkt=_dpop_jkt(session),
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
        jkt=refresh.jkt,
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
        jkt=access.jkt,
    )
