"""Server nonces (``DPOP_NONCE``): stateless, so every server process and machine agrees without sharing a store.

A nonce names a time bucket (``DPOP_NONCE_LIFETIME`` seconds) and carries an
HMAC of it under a key derived from ``DJANGO_SECRET_KEY``: the current bucket's
and the previous one's are accepted. It proves the proof was made after the
server said the nonce, not that it is used once: the ``jti`` cache does that.
"""

import base64
import hmac

from django.conf import settings
from django.utils.crypto import salted_hmac

from dpop import conf

KEY_SALT = "jwtsite.dpop.nonce"
MAC_BYTES = 16


def current(now: float) -> str:
    """The nonce to hand out at ``now``."""
    bucket = int(now // conf.DPOP_NONCE_LIFETIME)
    return f"{bucket:x}.{_mac(bucket)}"


def accepted(nonce: str | None, now: float) -> bool:
    """Whether ``nonce`` is this server's, of the current bucket or the one before."""
    if not nonce or len(nonce) > 64 or "." not in nonce:
        return False
    bucket_hex, _, mac = nonce.partition(".")
    try:
        bucket = int(bucket_hex, 16)
    except ValueError:
        return False
    current_bucket = int(now // conf.DPOP_NONCE_LIFETIME)
    return bucket in (current_bucket, current_bucket - 1) and hmac.compare_digest(mac, _mac(bucket))


def _mac(bucket: int) -> str:
    digest = salted_hmac(KEY_SALT, str(bucket), secret=settings.SECRET_KEY, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:MAC_BYTES]).rstrip(b"=").decode()
