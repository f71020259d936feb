"""The keys that protect two-factor secrets at rest: TOTP secrets encrypted, recovery codes digested.

Keys come from ``MFA_ENCRYPTION_KEYS`` or, when it is empty, from
``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``; none of them is in the database,
so a database read alone yields neither a TOTP secret nor a recovery code.
Each configured key is stretched into one key per purpose (HMAC-SHA256 with a
purpose-specific salt: Django's ``salted_hmac``), never used as it is.

Rotation: the first key encrypts and digests new secrets, every key still
reads old ones (``MultiFernet``). ``manage.py mfa_rotate_keys`` re-encrypts
every TOTP secret with the first key, after which the old key can go, except
for recovery codes made under it: a digest cannot be re-keyed, so they keep
working only while their key is listed (or until the user makes new ones).
"""

import base64
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

from mfa import conf

TOTP_SECRET_SALT = "jwtsite.mfa.totp-secret"
RECOVERY_CODE_SALT = "jwtsite.mfa.recovery-code"


class SecretUnreadable(Exception):
    """A stored secret was encrypted with a key that is no longer configured."""


def configured_keys() -> tuple[str, ...]:
    """The configured key material, newest first (read at call time)."""
    keys = [key for key in conf.MFA_ENCRYPTION_KEYS if key]
    if not keys:
        keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return tuple(keys)


def encrypt_secret(secret: str) -> str:
    """``secret`` encrypted with the newest key (a Fernet token: authenticated, with a random IV)."""
    return _fernet(configured_keys()).encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    """The secret in ``token``, read with whichever configured key made it; ``SecretUnreadable`` if none did."""
    try:
        return _fernet(configured_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable() from exc


def reencrypt_secret(token: str) -> str:
    """``token`` encrypted again with the newest key (key rotation)."""
    try:
        return _fernet(configured_keys()).rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable() from exc


def code_digest(code: str) -> str:
    """The digest a new recovery code is stored as: HMAC-SHA256 under the newest key."""
    return code_digests(code)[0]


def code_digests(code: str) -> list[str]:
    """``code``'s digest under every configured key, newest first: any one may match a stored code."""
    return [
        hmac.new(key, code.encode(), "sha256").hexdigest() for key in _derived(configured_keys(), RECOVERY_CODE_SALT)
    ]


@cache
def _derived(keys: tuple[str, ...], salt: str) -> tuple[bytes, ...]:
    return tuple(salted_hmac(salt, "key", secret=key, algorithm="sha256").digest() for key in keys)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in _derived(keys, TOTP_SECRET_SALT)])
