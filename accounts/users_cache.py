"""The user rows authenticated requests need, cached per process and kept honest by the revocation feed.

Every authenticated request needs its user's ``REQUEST_USER_FIELDS`` (the
``/api/me/`` body, ``is_active``, ``token_version``, the staff flags). Reading
them is the one statement such a request used to run; here they come from a
per-process LRU keyed by user id, and a request runs none.

What keeps an entry honest:

- **Every change to those columns is a row in the revocations table**, written
  by a database trigger in the changing transaction (accounts/revocation/triggers.py):
  whatever made the change (a service, the admin, a data migration, psql).
  Every process's follower reads that table (or is told to by Redis) and drops
  the user (``RevocationView.apply``), within the revocations' bound.
- **The process that made the change drops the user at once** (``changed``: a
  ``post_save``/``post_delete`` receiver and ``UserQuerySet.update``), and
  again on commit, when it also announces it to the other processes.
- **A stale view is not trusted**: while the revocation view is stale, every
  request reads its user from the database, as before the cache; the cache is
  emptied when the view is current again.
- **No stale write-back**: a row read from the database is kept only if no
  change reached the cache while it was being read (``generation``).

``USER_CACHE_SIZE`` bounds it (least recently used first); ``0`` turns it off.
"""

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable

from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.base import ModelState

from accounts import conf, sql
from accounts.models import User
from accounts.revocation import triggers

FIELDS = sql.REQUEST_USER_FIELDS
# Only these columns are cached: a change to any other (last_login, the password hash) drops nothing.
CACHED_FIELDS = frozenset(FIELDS)


class UserCache:
    """``{user_id: row}``, rows in ``FIELDS`` order; least recently used dropped past ``max_size``.

    Reads take no lock (a dict look-up and an LRU bump are atomic under the
    GIL); writes do. ``generation`` moves on every eviction: ``put`` keeps a
    row only if it has not moved since the caller began reading it.
    """

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.generation = 0
        self._rows: OrderedDict[int, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: int) -> tuple | None:
        row = self._rows.get(user_id)
        if row is not None:
            try:  # noqa: SIM105 - the hot path: contextlib.suppress costs more than the bump
                self._rows.move_to_end(user_id)
            except KeyError:  # evicted by another thread meanwhile: the row read is still the one that was there
                pass
        return row

    def put(self, user_id: int, row: tuple, generation: int) -> bool:
        """Keeps ``row`` unless an eviction happened since ``generation`` was read; whether it was kept."""
        with self._lock:
            if generation != self.generation:
                return False
            self._rows[user_id] = row
            self._rows.move_to_end(user_id)
            while len(self._rows) > self.max_size:
                self._rows.popitem(last=False)
        return True

    def evict(self, user_ids: Iterable[int]) -> None:
        with self._lock:
            self.generation += 1
            for user_id in user_ids:
                self._rows.pop(user_id, None)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, user_id: int) -> bool:
        return user_id in self._rows


def request_user(user_id: int, *, trusted: bool) -> User | None:
    """The user ``user_id`` with ``FIELDS`` loaded (the rest deferred), or ``None`` if there is none.

    From the cache when ``trusted`` (the revocation view is current), else
    from the database; a row read from the database is cached when trusted.
    """
    cache = current()
    if cache is None or not trusted:
        row = sql.request_user_row(user_id)
        return None if row is None else build(row)
    row = cache.get(user_id)
    if row is None:
        generation = cache.generation
        row = sql.request_user_row(user_id)
        if row is None:
            return None
        cache.put(user_id, row, generation)
    return build(row)


def build(row: tuple, db: str = DEFAULT_DB_ALIAS) -> User:
    """A new ``User`` from ``row``, as ``User.from_db`` makes it with ``FIELDS`` loaded, for a fraction of the cost.

    Every request gets its own instance: a view that changes its user (or
    loads a deferred field) never changes the cached row.
    """
    user = User.__new__(User)
    user.__dict__.update(zip(FIELDS, row, strict=True))
    state = user._state = ModelState()
    state.adding, state.db = False, db
    return user


def changed(user_ids: Iterable[int]) -> None:
    """Users whose cached columns this process is changing: dropped now, and again once committed.

    Now, so that the rest of the transaction (and a test's next request) reads
    the new row; on commit, so that a row another thread read before the
    commit is not kept. The commit also wakes the other processes (Redis); the
    database trigger has recorded the change for them either way.
    """
    user_ids = frozenset(user_ids)
    if not user_ids:
        return
    if (cache := current()) is not None:
        cache.evict(user_ids)
    transaction.on_commit(lambda: _committed(user_ids), robust=True)


def _committed(user_ids: frozenset[int]) -> None:
    from accounts.revocation import runtime as revocations

    if (cache := current()) is not None:
        cache.evict(user_ids)
    revocations.announce()


# This process's cache ---------------------------------------------------------------


class _Process:
    cache: UserCache | None = None
    made = False


_process = _Process()


def current() -> UserCache | None:
    """This process's cache, made on first use with ``USER_CACHE_SIZE``; ``None`` when that is 0.

    Made again, empty, after a setting changes (tests' overrides) or a fork.
    """
    if _process.made:
        return _process.cache
    size = conf.USER_CACHE_SIZE
    # Off where no trigger tells the other processes of a change (triggers.py).
    on = size > 0 and triggers.supported(connections[DEFAULT_DB_ALIAS].vendor)
    _process.cache, _process.made = (UserCache(size) if on else None), True
    return _process.cache


def reset(**kwargs) -> None:
    """Forgets every entry (tests; a fork; a setting changed)."""
    _process.cache, _process.made = None, False


os.register_at_fork(after_in_child=reset)
setting_changed.connect(reset, dispatch_uid="accounts.users_cache.reset")


# Receivers (accounts/apps.py) -------------------------------------------------------


def on_user_saved(sender, instance: User, created: bool, update_fields=None, **kwargs) -> None:
    """``post_save`` of a user: a save that may have changed a cached column drops the user here."""
    if not created and (update_fields is None or not CACHED_FIELDS.isdisjoint(update_fields)):
        changed([instance.pk])


def on_user_deleted(sender, instance: User, **kwargs) -> None:
    """``post_delete`` of a user."""
    changed([instance.pk])
