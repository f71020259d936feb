"""WebAuthn challenges: single-use, bound to the browser that asked (and its session), dead after 2 minutes.

The browser holds the secret in the httpOnly ``webauthn_challenge`` cookie.
Each challenge gets exactly one answer, right or wrong, even from two requests at once:

- Bound ones (registration, re-authentication, sign-up, the second factor) are
  a row found by the secret's SHA-256 and deleted as it is read.
- Sign-in's (``login``), which /login/'s passkey autofill asks for on every
  visit, write nothing when they are handed out: the secret is the challenge
  itself, signed with the site's key (Django's signing) and stamped with its
  time. The answer records it as spent, a row keyed by the same digest, so a
  second answer finds it taken. A page view costs no database write, and an
  anonymous client cannot fill the table by asking for options.
"""

import base64
import binascii
import hashlib
import secrets
import uuid
from datetime import timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from accounts import cookies
from accounts.models import User
from mfa.exceptions import ChallengeInvalid
from mfa.models import WebAuthnChallenge

CHALLENGE_LIFETIME = timedelta(minutes=2)
COOKIE_NAME = "webauthn_challenge"
COOKIE_PATH = "/api/auth/"  # the ceremonies' endpoints and /api/auth/reauthenticate/
SECRET_MAX_LENGTH = 256  # a signed challenge is about 130 characters; a random secret 43
SIGNED_SALT = "mfa.passkeys.challenge"
SIGNED_PURPOSES = frozenset({WebAuthnChallenge.Purpose.LOGIN})  # bound to no user or session

Purpose = WebAuthnChallenge.Purpose


def _signed(purpose: str, user: User | None, session_id: str | None) -> bool:
    """Whether a challenge travels signed (bound to nobody: sign-in) rather than as a row."""
    return purpose in SIGNED_PURPOSES and user is None and not session_id


def challenge_issue(*, purpose: str, challenge: bytes, user: User | None = None, session_id: str | None = None) -> str:
    """The secret for a request ceremony's ``challenge``: signed for sign-in (no row), else ``challenge_create``'s."""
    if not _signed(purpose, user, session_id):
        return challenge_create(purpose=purpose, challenge=challenge, user=user, session_id=session_id)
    encoded = base64.urlsafe_b64encode(challenge).rstrip(b"=").decode()
    return signing.dumps({"p": purpose, "c": encoded}, salt=SIGNED_SALT)


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
    if _signed(purpose, user, session_id):
        return _spend_signed(secret, purpose)
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


def _spend_signed(secret: str, purpose: str) -> WebAuthnChallenge:
    """The challenge a signed secret holds, recorded as spent; ``ChallengeInvalid`` if forged, old or spent."""
    try:
        payload = signing.loads(secret, salt=SIGNED_SALT, max_age=CHALLENGE_LIFETIME)
        challenge = base64.urlsafe_b64decode(payload["c"] + "=" * (-len(payload["c"]) % 4))
    except (signing.BadSignature, binascii.Error, KeyError, TypeError, ValueError) as exc:
        raise ChallengeInvalid() from exc
    if payload.get("p") != purpose:
        raise ChallengeInvalid()
    try:
        with transaction.atomic():  # a savepoint: the losing request of two at once sees the conflict, nothing more
            # Kept as long as the secret could still be answered; the periodic cleanup removes it after.
            return WebAuthnChallenge.objects.create(
                id=_digest(secret), purpose=purpose, challenge=challenge, expires_at=timezone.now() + CHALLENGE_LIFETIME
            )
    except IntegrityError as exc:  # answered before
        raise ChallengeInvalid() from exc


def set_challenge_cookie(response: HttpResponse, secret: str) -> None:
    cookies.set_private_cookie(
        response, COOKIE_NAME, secret, max_age=int(CHALLENGE_LIFETIME.total_seconds()), path=COOKIE_PATH
    )


def clear_challenge_cookie(response: HttpResponse) -> None:
    cookies.expire_cookie(response, COOKIE_NAME, path=COOKIE_PATH)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
