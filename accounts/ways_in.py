"""How many ways into an account it has: the count behind "never remove the last way in".

accounts knows one way in, a usable password. Each app that adds another (mfa's passkeys,
providers' linked identities) registers a counter in its ``ready()``, so every rule that removes
a way in counts them all: a passkey may go when a linked identity remains, and the reverse.
Callers lock the user's row first (``select_for_update``), so two removals at once leave one.
"""

from collections.abc import Callable

from accounts.models import User

WayInCounter = Callable[[User], int]

_counters: dict[str, WayInCounter] = {}


def register(kind: str, counter: WayInCounter) -> None:
    """Counts ``kind`` (e.g. ``"passkey"``) among ``user``'s ways in; registering ``kind`` again replaces it."""
    _counters[kind] = counter


def ways_in(user: User) -> int:
    """How many ways ``user`` can sign in: a usable password, and whatever each app counts."""
    return int(user.has_usable_password()) + sum(counter(user) for counter in _counters.values())
