"""A trip to the provider and back: the authorization request kept server-side, the answer checked once.

``login_start`` keeps a ``PendingLogin`` (state, nonce, PKCE verifier) whose
secret the browser holds in an httpOnly cookie; ``login_finish`` takes it
back exactly once (deleted in the transaction that finds it), trades the
code, checks the ID token (providers/oidc.py) and says whom it proves: a
``ProvenIdentity``, which providers/services.py resolves to an account.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.tokens import ONE_TIME_CODE, PROVIDER_ASSERTED_METHODS
from providers import oidc
from providers.conf import Provider
from providers.exceptions import FlowInvalid
from providers.models import PendingLogin

PENDING_LIFETIME = timedelta(minutes=10)
SECRET_MAX_LENGTH = 128


@dataclass(frozen=True)
class ProvenIdentity:
    """What the provider vouched for: its ``sub``, the claims, and the methods it asserts (``amr``)."""

    provider: Provider
    subject: str
    claims: dict
    amr: tuple[str, ...]

    @property
    def email(self) -> str:
        value = self.claims.get("email")
        if not isinstance(value, str) or not value:
            return ""
        try:
            return User.normalize_email(value)
        except ValidationError:
            return ""

    @property
    def email_verified(self) -> bool:
        # Only a JSON true: "true" or 1 from a sloppy provider proves nothing.
        return self.claims.get("email_verified") is True


@dataclass(frozen=True)
class FinishedLogin:
    identity: ProvenIdentity
    next_path: str
    user: User | None  # set: a signed-in user started the trip (to link this identity, or to re-authenticate)
    session_id: str = ""  # set: ``user`` re-authenticates this session of theirs
    started_at: datetime | None = None
    auth_time: Any = None  # the ID token's own ``auth_time`` as it came (a number from a sound provider), else None

    @property
    def linking_user(self) -> User | None:
        return None if self.session_id else self.user


def login_start(
    *, provider: Provider, next_path: str = "", user: User | None = None, session_id: str = ""
) -> tuple[str, str]:
    """A new trip to ``provider``: the URL to send the browser to, and the secret for its cookie.

    With ``session_id`` (and its ``user``) the trip re-authenticates that
    session: the provider is asked to make the user sign in again.
    """
    request = oidc.authorization(provider, fresh_sign_in=bool(session_id))
    secret, now = secrets.token_urlsafe(32), timezone.now()
    with transaction.atomic():
        PendingLogin.objects.filter(expires_at__lte=now).delete()  # trips never finished
        PendingLogin.objects.create(
            id=_digest(secret),
            provider_id=provider.id,
            state=request.state,
            nonce=request.nonce,
            code_verifier=request.code_verifier,
            next_path=next_path,
            user=user,
            session_id=session_id,
            created_at=now,
            expires_at=now + PENDING_LIFETIME,
        )
    return request.url, secret


def login_finish(*, provider: Provider, secret: str | None, state: str, code: str) -> FinishedLogin:
    """Checks the provider's answer against the trip this browser started; whom it proves.

    ``FlowInvalid`` when no live trip of this browser has this ``state``
    (forged, another browser's, replayed, expired); an ``oidc.OidcError``
    when the code or the ID token is refused or the provider is down.
    """
    pending = _pending_take(provider=provider, secret=secret, state=state)
    token = oidc.exchange(provider, code=code, code_verifier=pending.code_verifier)
    claims = oidc.id_token_claims(provider, id_token=token["id_token"], nonce=pending.nonce)
    # Taken before UserInfo fills gaps: when the user signed in is the ID token's word alone (signed).
    auth_time = claims.get("auth_time")
    if ("email" not in claims or "email_verified" not in claims) and isinstance(token.get("access_token"), str):
        extra = oidc.userinfo(provider, access_token=token["access_token"], subject=claims["sub"])
        claims = {**{k: v for k, v in extra.items() if k not in claims}, **claims}
    amr = asserted_methods(claims.get("amr"))
    proven = ProvenIdentity(provider=provider, subject=claims["sub"], claims=claims, amr=amr)
    return FinishedLogin(
        identity=proven,
        next_path=pending.next_path,
        user=pending.user,
        session_id=pending.session_id,
        started_at=pending.created_at,
        auth_time=auth_time,
    )


def begun_signed_in(*, provider: Provider, secret: str | None, state: str) -> bool:
    """Whether this browser's live trip with ``state`` was begun by a signed-in user; it stays unanswered."""
    if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX_LENGTH:
        return False
    return PendingLogin.objects.filter(
        pk=_digest(secret), provider_id=provider.id, state=state, user__isnull=False, expires_at__gt=timezone.now()
    ).exists()


def asserted_methods(asserted) -> tuple[str, ...]:
    """What the provider says it checked (its ``amr``), as the session's ``amr`` may carry it after ``ext``.

    Only RFC 8176's registered values, each once. The provider's ``otp`` is
    told as ``mfa``: in this site's ``amr``, ``otp`` means *our* second
    factor, which a sensitive action may ask for (mfa/permissions.py), and a
    code typed at the provider is not that.
    """
    if not isinstance(asserted, list):
        return ()
    methods = []
    for each in asserted:
        method = "mfa" if each == ONE_TIME_CODE else each
        if isinstance(method, str) and method in PROVIDER_ASSERTED_METHODS and method not in methods:
            methods.append(method)
    return tuple(methods)


def _pending_take(*, provider: Provider, secret: str | None, state: str) -> PendingLogin:
    if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX_LENGTH:
        raise FlowInvalid()
    with transaction.atomic():
        pending = (
            PendingLogin.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=_digest(secret), provider_id=provider.id, expires_at__gt=timezone.now())
            .first()
        )
        if pending is None:
            raise FlowInvalid()
        # One answer per trip, whatever it is: a second callback finds nothing, and of two at once (SQLite
        # takes no row lock) the one whose DELETE comes second deletes nothing.
        if PendingLogin.objects.filter(pk=pending.pk).delete()[0] == 0:
            raise FlowInvalid()
    if not secrets.compare_digest(pending.state, state or ""):
        raise FlowInvalid()
    return pending


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
