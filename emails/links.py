"""The tokens in emailed links: password reset, and email verification (of the address or of a new one).

Both expire after ``PASSWORD_RESET_TIMEOUT`` and work once. A reset token is
Django's ``PasswordResetTokenGenerator``'s, which dies when the password or
``last_login`` changes, prefixed with the user's id. A verification token is
signed data naming the user and the address, bound to the account's state
(address, whether verified, password): following it changes that state, so it
cannot be followed twice, and a password change kills links still out.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.identity import email_key
from accounts.models import User
from accounts.tokens import MAX_DB_INTEGER

SEPARATOR = "."
VERIFICATION_SALT = "jwtsite.emails.verification"


class PasswordResetTokens(PasswordResetTokenGenerator):
    key_salt = "jwtsite.emails.links.PasswordResetTokens"


password_reset_tokens = PasswordResetTokens()


def password_reset_token(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{uid}{SEPARATOR}{password_reset_tokens.make_token(user)}"


def user_of_reset_token(token: str, users=None) -> User | None:
    """The active user a valid, unused, unexpired reset token belongs to, else ``None``.

    ``users``: where to look (a locking queryset, say); all users by default.
    """
    uid, _, secret = token.partition(SEPARATOR)
    try:
        user_id = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        return None
    if not 0 < user_id < MAX_DB_INTEGER:
        return None
    user = (users if users is not None else User.objects).filter(pk=user_id, is_active=True).first()
    if user is None or not password_reset_tokens.check_token(user, secret):
        return None
    return user


@dataclass(frozen=True)
class Verification:
    """What a verification link asks: that ``user`` holds ``address``."""

    user: User
    address: str


class LinkExpired(Exception):
    """A link that was right but is too old."""


def verification_token(user: User, address: str) -> str:
    """A link token that verifies ``address`` for ``user`` (their address, or the one they want instead)."""
    return signing.dumps({"u": user.pk, "a": address, "s": _state(user)}, salt=VERIFICATION_SALT, compress=True)


def verification_of(token: str, users=None) -> Verification | None:
    """What a valid, unused verification token asks, or ``None``; raises ``LinkExpired`` for an old one."""
    try:
        payload = signing.loads(token, salt=VERIFICATION_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.SignatureExpired as exc:
        raise LinkExpired() from exc
    except signing.BadSignature:
        return None
    if (
        not isinstance(payload, dict)
        or type(payload.get("u")) is not int
        or not 0 < payload["u"] < MAX_DB_INTEGER
        or not isinstance(payload.get("a"), str)
    ):
        return None
    user = (users if users is not None else User.objects).filter(pk=payload["u"], is_active=True).first()
    if user is None or not constant_time_compare(str(payload.get("s")), _state(user)):
        return None
    return Verification(user=user, address=payload["a"])


def already_verified_by(token: str) -> User | None:
    """The user whose verified address a genuine verification token names (used or expired), else ``None``.

    A link followed twice (a double click, a mail scanner) then says so
    instead of calling itself invalid; it changes nothing.
    """
    try:
        payload = signing.loads(token, salt=VERIFICATION_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or type(payload.get("u")) is not int or not 0 < payload["u"] < MAX_DB_INTEGER:
        return None
    user = User.objects.filter(pk=payload["u"], is_active=True, email_verified=True).first()
    address = payload.get("a")
    if user is None or not isinstance(address, str) or email_key(address) != email_key(user.email):
        return None
    return user


def _state(user: User) -> str:
    state = f"{user.email}\n{user.email_verified}\n{user.password}"
    return salted_hmac(VERIFICATION_SALT, state, algorithm="sha256").hexdigest()[:32]
