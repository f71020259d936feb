"""Recovery codes: what they look like, how they are made and read back.

A code is 12 characters from a 31-letter alphabet with no look-alikes
(0/o, 1/l/i), shown in groups of four: about 59 bits of randomness, far
beyond what online guessing can reach under the code throttles. It is stored
as a keyed digest (``mfa/crypto.py``): the database alone cannot yield it,
and checking one is a few HMACs rather than a slow password hash per code.
"""

import secrets

COUNT = 10
LENGTH = 12
GROUP = 4
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_ALLOWED = frozenset(ALPHABET)


def generate() -> list[str]:
    """``COUNT`` new codes, formatted for people (``xxxx-xxxx-xxxx``)."""
    return [_formatted("".join(secrets.choice(ALPHABET) for _ in range(LENGTH))) for _ in range(COUNT)]


def normalize(code: str) -> str | None:
    """``code`` as stored (case, spaces and dashes ignored), or ``None`` when it cannot be a code."""
    compact = "".join(code.split()).replace("-", "").lower()
    if len(compact) != LENGTH or not set(compact) <= _ALLOWED:
        return None
    return compact


def _formatted(code: str) -> str:
    return "-".join(code[start : start + GROUP] for start in range(0, LENGTH, GROUP))
