"""A per-process cache of verified access tokens: the signature check runs once per token per process.

Keyed by the exact token string, so a hit is a token whose every byte was
verified before; bounded (least recently used entries go first); an entry
lives only while the token itself would still pass: from ``max(iat, nbf) -
leeway`` until ``exp + leeway``, as PyJWT and simplejwt judge it, and expired
entries leave as new ones come, so memory follows the tokens live in one
access-token lifetime, not the bound. Each cache
belongs to one key-ring backend (accounts/tokens/keys.py), which is rebuilt, with an
empty cache, whenever the keys or the verification settings (algorithm, keys,
JWKS URL, leeway, issuer, audience) change.

It caches verification only. Whether the token is revoked, and whether its
user may still use it, is checked on every request after the cache
(accounts/authentication.py).
"""

import threading
import time
from collections import OrderedDict

from rest_framework_simplejwt.tokens import Token


class VerifiedTokenCache:
    """``get(raw)`` → the validated token verified earlier, or ``None``; ``put(raw, token)`` after verifying.

    ``max_size`` 0 turns it off.
    """

    def __init__(self, *, max_size: int, leeway: float) -> None:
        self.max_size = max_size
        self.leeway = leeway
        self._entries: OrderedDict[str, tuple[Token, float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, raw: str) -> Token | None:
        entry = self._entries.get(raw)
        if entry is None:
            return None
        token, valid_from, valid_until = entry
        if not valid_from <= time.time() < valid_until:
            with self._lock:
                self._entries.pop(raw, None)
            return None
        # A hit takes no lock: the LRU bump is one atomic C call, and a key
        # another thread dropped meanwhile simply stays dropped.
        try:  # noqa: SIM105 - the hot path: contextlib.suppress costs more than the bump
            self._entries.move_to_end(raw)
        except KeyError:
            pass
        return token

    def put(self, raw: str, token: Token) -> None:
        if self.max_size <= 0:
            return
        payload = token.payload
        starts = [payload[claim] for claim in ("iat", "nbf") if isinstance(payload.get(claim), int)]
        valid_from = max(starts, default=0) - self.leeway
        valid_until = payload["exp"] + self.leeway
        now = time.time()
        with self._lock:
            self._entries[raw] = (token, valid_from, valid_until)
            self._entries.move_to_end(raw)
            # The least recently used go first: over the bound, or expired. A
            # replaced token (after a refresh) is never read again, so without
            # this it would stay until the bound pushed it out.
            while self._entries and (
                len(self._entries) > self.max_size or next(iter(self._entries.values()))[2] <= now
            ):
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, raw: str) -> bool:
        return raw in self._entries
