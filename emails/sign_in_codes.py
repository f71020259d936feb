"""One-time sign-in codes by email (``EMAIL_SIGN_IN``): asked for from one browser, usable only from it.

``POST /api/auth/login/code/`` gives the browser a fresh random *binding*
secret in the httpOnly ``sign_in_code`` cookie and promises a mail
(emails/outbox.py) — the same answer, cookie and statements whatever the
address. The worker (emails/compose.py ``sign_in_code``) finds the active
account with that address, if any, makes the code and its row, and mails it.
``POST /api/auth/login/code/confirm/`` takes the code with that cookie: the
row is found by the binding, so a code read over someone's shoulder is
useless from another browser. A code is single-use, lives ``lifetime()``
(``EMAIL_SIGN_IN_CODE_LIFETIME``, 10 minutes), dies after ``MAX_FAILURES``
wrong guesses, and each wrong one counts toward the failed-sign-in ceiling
(accounts/failed_sign_ins.py). Asking again replaces the browser's code.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from emails import conf, outbox
from emails.models import SignInCode

# No 0/O, 1/I: read from a phone and typed on a laptop without doubt. 32 symbols, 8 of them: 40 bits.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8
MAX_FAILURES = 5
COOKIE_NAME = "sign_in_code"
COOKIE_PATH = "/api/auth/login/code/"
SECRET_MAX_LENGTH = 128
CODE_INVALID = "code_invalid"
CODE_INVALID_DETAIL = _("This code is not valid, or it has expired or been used. Ask for a new one.")


def enabled() -> bool:
    return bool(conf.EMAIL_SIGN_IN)


def lifetime() -> timedelta:
    return timedelta(seconds=conf.EMAIL_SIGN_IN_CODE_LIFETIME)


def code_request(*, email: str) -> str:
    """Promises a sign-in code for ``email`` bound to a new browser secret, which is returned (for the cookie).

    One promise whatever the address: whether an account has it is decided in the worker.
    """
    secret = secrets.token_urlsafe(32)
    expires_at = timezone.now() + lifetime()
    outbox.promise("sign_in_code", email=email, binding=_digest(secret), expires_at=expires_at.isoformat())
    return secret


def code_make(*, user: User, binding: str, expires_at: datetime) -> str | None:
    """In the worker: a new code for ``user`` bound to ``binding`` (replacing one made before); ``None`` if too late."""
    now = timezone.now()
    if expires_at <= now:
        return None  # the mail went out after the code would have died
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    with transaction.atomic():
        SignInCode.objects.filter(expires_at__lte=now).delete()  # codes nobody used go as new ones come
        SignInCode.objects.filter(binding=binding).delete()  # a retried delivery mails a new code
        SignInCode.objects.create(
            binding=binding, code_digest=_code_digest(binding, code), user=user, expires_at=expires_at
        )
    return code


def normalize(code: str) -> str:
    """The code as typed (lower case, spaces, a dash in the middle) as it was made."""
    return "".join(code.split()).replace("-", "").upper()


def code_of_browser(*, secret: str | None) -> SignInCode | None:
    """The live code bound to the browser whose cookie holds ``secret``, with its user."""
    if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX_LENGTH:
        return None
    return (
        SignInCode.objects.select_related("user").filter(binding=_digest(secret), expires_at__gt=timezone.now()).first()
    )


@dataclass(frozen=True)
class Checked:
    """What a code check found: ``user`` when right (the code is spent); else how many guesses are left."""

    user: User | None
    failures_left: int = 0


def code_check(*, row: SignInCode, code: str) -> Checked:
    """Checks ``code`` on ``row``, locked: right, it is deleted; wrong, one guess fewer (dead at the last).

    Call inside a transaction: of two requests racing with one code, one wins.
    """
    locked = SignInCode.objects.select_for_update().filter(pk=row.pk, expires_at__gt=timezone.now()).first()
    if locked is None:
        return Checked(None)
    if hmac.compare_digest(locked.code_digest, _code_digest(locked.binding, normalize(code))):
        locked.delete()
        return Checked(row.user)
    failures = locked.failures + 1
    if failures >= MAX_FAILURES:
        locked.delete()
    else:
        SignInCode.objects.filter(pk=locked.pk).update(failures=failures)
    return Checked(None, MAX_FAILURES - failures)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _code_digest(binding: str, code: str) -> str:
    # Keyed: 40 bits would fall to a brute force of a plain hash read from a database copy.
    key = hashlib.sha256(f"jwtsite.emails.sign_in_code:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{binding}:{code}".encode(), hashlib.sha256).hexdigest()
