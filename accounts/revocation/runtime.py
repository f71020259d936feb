"""This process's revocation view: recording revocations, checking tokens, and what "stale" means.

``record_*`` run inside the revoking transaction (accounts/services/revoking.py calls
them): the rows are written there, and on commit the entries reach this
process's view at once and are announced to the others (Redis). ``check``
runs on every authenticated request: a dict look-up. When the view is stale
(no sync for ``REVOCATION_STALE_AFTER`` seconds):

- a process on the auth server's database asks the database about the
  token's session on each request (always correct, one query more);
- a verifying-only server on its own database follows
  ``REVOCATION_STALE_POLICY``: ``honour`` tokens until they expire (as
  without a feed), or ``refuse`` them (503 ``revocations_unavailable``);

and ``/healthz`` says ``degraded``; the ERROR is logged once per outage.
"""

import logging
import os
import threading
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts import conf, users_cache
from accounts.revocation import store
from accounts.revocation.follower import RECONCILE_INTERVAL, DatabaseSource, FeedSource, Follower, RedisAnnouncer
from accounts.revocation.revoked_set import RevocationView

logger = logging.getLogger("jwtsite.revocations")

FIRST_SYNC_WAIT = 1.0  # seconds a process's first request waits for its view's first sync
STALE = "stale"
HONOUR, REFUSE = "honour", "refuse"


class TokenRevoked(AuthenticationFailed):
    default_detail = _("Token has been revoked.")
    default_code = "token_revoked"


class RevocationsUnavailable(exceptions.APIException):
    """A verifying-only server that refuses tokens while it cannot follow revocations."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("Revocations cannot be checked right now; try again shortly.")
    default_code = "revocations_unavailable"
    wait = 1


def feed_mode() -> bool:
    """Whether this server follows the auth server's feed (a verifying-only server on its own database)."""
    return bool(conf.REVOCATION_FEED_URL)


def check(sid: str, user_id: int, ver: int) -> bool:
    """Raises ``TokenRevoked`` if the token of session ``sid``, user ``user_id``, version ``ver`` is revoked.

    Returns whether the view is current: whether what it keeps honest (the
    user cache, accounts/users_cache.py) may be trusted for this request.
    """
    view = current_view()
    if view.rejects(sid, user_id, ver):
        raise TokenRevoked()
    if view.is_current():
        return True
    _process.report_stale()
    if feed_mode():
        if conf.REVOCATION_STALE_POLICY == REFUSE:
            raise RevocationsUnavailable()
        return False
    # The user's floor is checked by the user row, which authentication reads from the database meanwhile.
    if store.session_revoked(sid):
        raise TokenRevoked()
    return False


def record_sessions(sessions: QuerySet, now: datetime) -> None:
    """Records that ``sessions`` were revoked ``now`` (inside the revoking transaction)."""
    _on_commit(store.record_sessions(sessions, now))


def record_users(users: QuerySet, now: datetime) -> None:
    """Records that every token of ``users`` below their current ``token_version`` is revoked."""
    _on_commit(store.record_users(users, now))


def sessions_revoked_by_database(session_ids: Iterable[str]) -> None:
    """Sessions a database trigger revoked in this transaction (accounts/revocation/blacklist.py).

    The trigger recorded them; on commit they reach this process's view at once and the others are woken.
    """
    until = store.epoch(store.until_for(timezone.now()))
    _on_commit(store.Entries(sessions=dict.fromkeys(session_ids, until)))


def announce() -> None:
    """Tells the other processes to read the revocations table now (Redis), after a commit that wrote to it."""
    _process.revoked(store.Entries())


def health() -> str:
    """``/healthz``'s ``revocations`` check: ``"ok"``, or ``"stale"`` while the view cannot be trusted alone."""
    if current_view().is_current():
        return "ok"
    _process.report_stale()
    return STALE


def current_view() -> RevocationView:
    """This process's view, its follower started on first use (after a fork, the child starts its own)."""
    # Not ``view or start()``: an empty view is falsy (``__len__``), and starting takes a lock.
    view = _process.view
    return view if view is not None else _process.start()


def reset() -> RevocationView:
    """Stops the follower and starts over with an empty view (tests; after a fork)."""
    _process.stop()
    return current_view()


# Internals ---------------------------------------------------------------------


def _on_commit(entries: store.Entries) -> None:
    if entries:
        # This process's cached users now (the rest of the request, a test's next one), the view on commit.
        _users_changed(entries.users)
        transaction.on_commit(lambda: _process.revoked(entries), robust=True)


def _users_changed(user_ids: Iterable[int] | None) -> None:
    """A floor (a revocation, or any change to a user: triggers.py) drops its user from the user cache.

    ``None``: every user (the view is current again after being stale).
    """
    cache = users_cache.current()
    if cache is None:
        return
    if user_ids is None:
        cache.clear()
    elif user_ids:
        cache.evict(user_ids)


class _Process:
    """The process-wide view, its follower and its Redis announcer."""

    def __init__(self) -> None:
        self.view: RevocationView | None = None
        self.follower: Follower | None = None
        self.announcer: RedisAnnouncer | None = None
        self.stale_reported = False
        self._lock = threading.Lock()

    def start(self) -> RevocationView:
        with self._lock:
            if self.view is not None:
                return self.view
            following = conf.REVOCATION_FOLLOW
            view = RevocationView(stale_after=conf.REVOCATION_STALE_AFTER, following=following, on_users=_users_changed)
            if following:
                self._start_follower(view)
            self.view = view
        if self.follower is not None:
            self.follower.first_sync.wait(FIRST_SYNC_WAIT)
        return view

    def _start_follower(self, view: RevocationView) -> None:
        redis_url = None if feed_mode() else _redis_url()
        source = FeedSource(conf.REVOCATION_FEED_URL, conf.REVOCATION_FEED_KEY) if feed_mode() else DatabaseSource()
        if redis_url:
            self.announcer = RedisAnnouncer(redis_url, _channel(redis_url), on_announcement=self._wake)
        announcer = self.announcer
        self.follower = Follower(
            view,
            source,
            interval=conf.REVOCATION_POLL_INTERVAL,
            slow_interval=lambda: RECONCILE_INTERVAL if announcer is not None and announcer.listening else None,
            on_stale=lambda reason: self.report_stale(reason),
            on_current=self.report_current,
        ).start()
        if self.announcer is not None:
            self.announcer.start()

    def _wake(self) -> None:
        if self.follower is not None:
            self.follower.wake()

    def revoked(self, entries: store.Entries) -> None:
        """A revocation this process committed: into its own view now, announced to the others.

        A process without a view yet (a management command, a script) starts
        none: it only announces.
        """
        if self.view is not None:
            self.view.apply(entries)
        announcer = self.announcer or self._announcer_only()
        if announcer is not None:
            announcer.announce()

    def _announcer_only(self) -> RedisAnnouncer | None:
        if not conf.REVOCATION_FOLLOW or feed_mode() or not (redis_url := _redis_url()):
            return None
        self.announcer = RedisAnnouncer(redis_url, _channel(redis_url), on_announcement=self._wake)
        return self.announcer

    def report_stale(self, reason: str | None = None) -> None:
        if self.stale_reported:
            return
        self.stale_reported = True
        age = self.view.age() if self.view else None
        logger.error(
            "revocation view stale (%s since the last sync; source: %s): %s",
            "never synced" if age is None else f"{age:.1f} s",
            "feed " + conf.REVOCATION_FEED_URL if feed_mode() else "database",
            reason or (self.follower.last_error if self.follower else None) or "no sync within the bound",
        )

    def report_current(self) -> None:
        if self.stale_reported:
            self.stale_reported = False
            logger.warning("revocation view current again")

    def stop(self) -> None:
        with self._lock:
            if self.follower is not None:
                self.follower.stop()
            if self.announcer is not None:
                self.announcer.stop()
            self.view = self.follower = self.announcer = None
            self.stale_reported = False
        users_cache.reset()

    def forget(self) -> None:
        """In a forked child: the parent's threads did not come along; start afresh on first use."""
        self.view = self.follower = self.announcer = None
        self.stale_reported = False
        self._lock = threading.Lock()


_process = _Process()
os.register_at_fork(after_in_child=_process.forget)


def _redis_url() -> str | None:
    cache = settings.CACHES.get("default", {})
    if not cache.get("BACKEND", "").endswith("RedisCache"):
        return None
    location = cache.get("LOCATION")
    return location[0] if isinstance(location, list | tuple) else location


def _channel(redis_url: str) -> str:
    # Channels are server-wide, not per Redis database: name the database so deployments sharing a server stay apart.
    database = urlsplit(redis_url).path.strip("/") or "0"
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}jwtsite:revocations:{database}"
