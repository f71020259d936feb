"""WebAuthn challenges: single-use, bound to the browser that asked (and its session), dead after 2 minutes.

The browser holds a random secret in the httpOnly ``webauthn_challenge``
cookie; the row is found by its SHA-256 and deleted as it is read, so each
challenge gets exactly one answer, right or wrong, even from two requests at once.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from accounts import cookies
from accounts.models import User
from mfa.exceptions import ChallengeInvalid
from mfa.models import WebAuthnChallenge

CHALLENGE_LIFETIME = timedelta(minutes=2)
COOKIE_NAME = "webauthn_challenge"
COOKIE_PATH = "/api/auth/"  # the ceremonies' endpoints and /api/auth/reauthenticate/
SECRET_MAX_LENGTH = 128

Purpose = WebAuthnChallenge.Purpose


def challenge_create(
    *,
    purpose: str,
    challenge: bytes,
    user: User | None = None,
    session_id: str | None = None,
    user_handle: bytes = b"",
    pending: dict | None = None,
) -> str:
    """Records ``challenge`` for one ``purpose`` ceremony; the secret the browser keeps in its cookie."""
    now = timezone.now()
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Challenges nobody answered: their rows go as new ones come (indexed, usually none).
        WebAuthnChallenge.objects.filter(expires_at__lte=now).delete()
        WebAuthnChallenge.objects.create(
            id=_digest(secret),
            purpose=purpose,
            challenge=challenge,
            user=user,
            session_id=uuid.UUID(session_id) if session_id else None,
            user_handle=user_handle,
            pending=pending or {},
            expires_at=now + CHALLENGE_LIFETIME,
        )
    return secret


def challenge_consume(
    *, secret: str | None, purpose: str, user: User | None = None, session_id: str | None = None
) -> WebAuthnChallenge:
    """The live challenge ``secret`` names, deleted as it is read; ``ChallengeInvalid`` if there is none.

    One made for another purpose, or (with ``user``) for another user or
    session, counts as none: it is spent all the same.
    """
    if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX_LENGTH:
        raise ChallengeInvalid()
    rows = WebAuthnChallenge.objects.filter(pk=_digest(secret))
    row = rows.first()
    # Only the request whose DELETE removed the row may use it.
    if row is None or rows.delete()[0] == 0:
        raise ChallengeInvalid()
    if (
        row.expires_at <= timezone.now()
        or row.purpose != purpose
        or (user is not None and row.user_id != user.pk)
        or (session_id is not None and str(row.session_id) != str(session_id))
    ):
        raise ChallengeInvalid()
    return row


def set_challenge_cookie(response: HttpResponse, secret: str) -> None:
    cookies.set_private_cookie(
        response, COOKIE_NAME, secret, max_age=int(CHALLENGE_LIFETIME.total_seconds()), path=COOKIE_PATH
    )


def clear_challenge_cookie(response: HttpResponse) -> None:
    cookies.expire_cookie(response, COOKIE_NAME, path=COOKIE_PATH)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
