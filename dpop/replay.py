"""Each proof is good once: its ``jti`` is remembered in the shared cache (``CACHE_URL``) while its ``iat`` is.

Keyed by the key's thumbprint and the ``jti`` (hashed: a client picks the
``jti``, the key stays short), so two clients never collide and a replay on
another process or machine of the same site is refused too. An entry lives
as long as a proof with that ``iat`` could pass (``DPOP_IAT_WINDOW`` plus the
leeway), then goes by itself.
"""

import hashlib

from django.core.cache import cache

KEY_PREFIX = "dpop:jti:"


def first_use(jkt: str, jti: str, *, keep_for: int) -> bool:
    """Records the proof ``jkt``/``jti``; ``False`` when it was recorded before (a replay)."""
    digest = hashlib.sha256(f"{jkt}\n{jti}".encode()).hexdigest()
    return cache.add(KEY_PREFIX + digest, 1, timeout=keep_for)
