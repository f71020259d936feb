"""How many ways into an account it has: the count behind "never remove the last way in".

accounts knows one way in, a usable password. Each app that adds another (mfa's passkeys,
providers' linked identities) registers a counter in its ``ready()``, so every rule that removes
a way in counts them all: a passkey may go when a linked identity remains, and the reverse.
Callers lock the user's row first (``select_for_update``), so two removals at once leave one.
Each way in is also a way to confirm it is you (re-authentication): ``kinds`` names them for the
403 ``reauthentication_required`` (accounts/permissions.py).
"""

from collections.abc import Callable

from accounts.models import User

WayInCounter = Callable[[User], int]

_counters: dict[str, WayInCounter] = {}


def register(kind: str, counter: WayInCounter) -> None:
    """Counts ``kind`` (e.g. ``"passkey"``) among ``user``'s ways in; registering ``kind`` again replaces it."""
    _counters[kind] = counter


def kinds(user: User) -> list[str]:
    """The kinds of ways in ``user`` has: ``password`` (a usable one), then each registered kind they have one of."""
    password = ["password"] if user.has_usable_password() else []
    return [*password, *(kind for kind, counter in _counters.items() if counter(user))]


def ways_in(user: User) -> int:
    """How many ways ``user`` can sign in: a usable password, and whatever each app counts."""
    return int(user.has_usable_password()) + sum(counter(user) for counter in _counters.values())
