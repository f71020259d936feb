"""Single-use challenges in the shared cache, each bound to one session and one purpose (registration or refresh).

Every server process must see them (a browser's registration may reach another
worker than its sign-in): they live in the ``default`` cache, which the site
shares (jwtsite/settings.py, CACHES).
"""

import secrets
import time

from django.core.cache import cache

from dbsc import conf

REGISTRATION = "register"
REFRESH = "refresh"
KEY_PREFIX = "dbsc:challenge:"
MAX_LENGTH = 128


def issue(*, session_id: str, purpose: str) -> str:
    """A new challenge for ``session_id``, usable once within ``DBSC_CHALLENGE_TTL`` seconds."""
    challenge = secrets.token_urlsafe(32)
    # The deadline travels with the entry: the cache's own expiry is only its clean-up.
    deadline = int(time.time()) + conf.DBSC_CHALLENGE_TTL
    cache.set(KEY_PREFIX + challenge, f"{purpose}:{session_id}:{deadline}", timeout=conf.DBSC_CHALLENGE_TTL + 1)
    return challenge


def redeem(challenge: str, *, session_id: str, purpose: str) -> bool:
    """Whether ``challenge`` was issued for ``session_id`` and ``purpose`` and still unused; used up either way.

    The delete is the single use: of two requests racing with one challenge,
    only the one whose delete removed it wins.
    """
    if not isinstance(challenge, str) or not 0 < len(challenge) <= MAX_LENGTH:
        return False
    key = KEY_PREFIX + challenge
    owner = cache.get(key)
    if owner is None or not cache.delete(key):
        return False
    owner_purpose, owner_session, deadline = owner.split(":")
    return (owner_purpose, owner_session) == (purpose, session_id) and time.time() <= int(deadline)
