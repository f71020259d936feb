"""A process's in-memory view of the revocations in force, checked on every authenticated request.

Two dicts: revoked session ids, and per user the lowest token version still
accepted. Checking a token is two dict look-ups, no round trip. Entries are
dropped once their ``until`` has passed (every token they could reject has
expired), so memory is bounded by the revocations of one access-token
lifetime.

The view knows when it was last brought up to date (``synced_at``); a
follower (accounts/revocation/follower.py) keeps it current, and
``is_current`` says whether it may be trusted alone.
"""

import threading
import time
from collections.abc import Callable, Iterable

from accounts.revocation.store import Entries

PRUNE_EVERY = 10  # seconds


class RevocationView:
    """Revoked sessions ``{sid: until}`` and user floors ``{user_id: (min_ver, until)}``, times in epoch seconds.

    Updates come from one follower thread and from the revoking request's
    own commit; a lock keeps them from interleaving. Reads take no lock:
    a dict look-up is atomic under the GIL, and every update only adds an
    entry or raises a floor, except pruning, which drops entries that can no
    longer match a live token.
    """

    def __init__(
        self,
        *,
        stale_after: float,
        following: bool = True,
        on_users: Callable[[Iterable[int] | None], None] = lambda user_ids: None,
    ) -> None:
        self.sessions: dict[str, int] = {}
        self.users: dict[int, tuple[int, int]] = {}
        self.stale_after = stale_after
        # Told of the users each update names (a floor: a revocation or any change to the
        # user), and with None when the view is current again after being stale.
        self.on_users = on_users
        # A view nobody follows (tests, scripts) is as current as what was applied to it.
        self.following = following
        self.synced_at: float | None = None  # time.monotonic() of the last successful sync
        self._lock = threading.Lock()
        self._pruned_at = time.time()

    def rejects(self, sid: str, user_id: int, ver: int) -> bool:
        """Whether a token of session ``sid``, user ``user_id``, version ``ver`` is revoked."""
        if sid in self.sessions:
            return True
        floor = self.users.get(user_id)
        return floor is not None and ver < floor[0]

    def apply(self, entries: Entries) -> None:
        """Adds ``entries``; never lowers a user's floor or shortens an entry."""
        with self._lock:
            sessions, users = self.sessions, self.users
            for sid, until in entries.sessions.items():
                if sessions.get(sid, 0) < until:
                    sessions[sid] = until
            for user_id, (min_ver, until) in entries.users.items():
                current = users.get(user_id)
                if current is None:
                    users[user_id] = (min_ver, until)
                else:
                    users[user_id] = (max(current[0], min_ver), max(current[1], until))
        if entries.users:
            self.on_users(entries.users.keys())

    def synced(self, now: float | None = None) -> None:
        """Marks the view up to date with its source, and drops entries past their ``until``."""
        was_current = self.is_current()
        self.synced_at = time.monotonic() if now is None else now
        if not was_current:
            # What was cached before the gap may have missed a change that is no longer in the table.
            self.on_users(None)
        if time.time() - self._pruned_at >= PRUNE_EVERY:
            self.prune()

    def prune(self, now: float | None = None) -> int:
        """Drops entries whose ``until`` has passed; how many."""
        now = time.time() if now is None else now
        with self._lock:
            self._pruned_at = now
            expired_sessions = [sid for sid, until in self.sessions.items() if until <= now]
            expired_users = [user_id for user_id, (_, until) in self.users.items() if until <= now]
            for sid in expired_sessions:
                del self.sessions[sid]
            for user_id in expired_users:
                del self.users[user_id]
        return len(expired_sessions) + len(expired_users)

    def is_current(self, now: float | None = None) -> bool:
        """Whether the view was synced within ``stale_after`` seconds (always, when nobody follows it)."""
        if not self.following:
            return True
        if self.synced_at is None:
            return False
        return (time.monotonic() if now is None else now) - self.synced_at <= self.stale_after

    def age(self) -> float | None:
        """Seconds since the last sync, ``None`` if never synced."""
        return None if self.synced_at is None else time.monotonic() - self.synced_at

    def __len__(self) -> int:
        return len(self.sessions) + len(self.users)
