"""What keeps a process's revocation view current: a follower thread and its source.

- **Same database** (the default): the follower reads ``store.changes`` every
  ``REVOCATION_POLL_INTERVAL`` seconds (one indexed query).
- **Same database and Redis** (``CACHE_URL`` is Redis): every revocation is
  announced on a pub/sub channel after its commit, and the follower reads the
  database at once. The database stays the source of truth, so catching up
  after a reconnect is one read from the follower's cursor; while Redis is
  unreachable the follower polls as above, and with Redis up it still reads
  every ``RECONCILE_INTERVAL`` (0.5 s), in case an announcement was lost or
  a change was made outside the app.
- **Another database** (``REVOCATION_FEED_URL``): the follower polls the auth
  server's ``GET /api/auth/revocations/?after=<cursor>``.

The follower never raises into a request: a failed read is logged, retried at
the next interval, and the view grows stale (accounts/revocation/runtime.py
decides what that means for a request).
"""

import contextlib
import http.client
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode, urlsplit

from django.db import connection

from accounts.revocation import store
from accounts.revocation.revoked_set import RevocationView

logger = logging.getLogger("jwtsite.revocations")

FEED_TIMEOUT = 2.0  # seconds per feed request
REDIS_TIMEOUT = 0.5  # seconds to connect to or write to Redis
# Seconds between reads while Redis announces revocations: what nobody announced
# (a user changed outside the app: accounts/revocation/triggers.py) arrives within it.
RECONCILE_INTERVAL = 0.5
REDIS_RETRY = (0.5, 5.0)  # first and longest wait before reconnecting to Redis
MAX_PAGES = 100  # pages drained in one sync (a million revocations)


class Source(Protocol):
    """Where revocations come from; ``fetch`` raises on any failure."""

    def fetch(self, cursor: object) -> tuple[store.Entries, object, bool]:
        """``(entries, next cursor, complete)`` since ``cursor`` (``None``: everything in force)."""

    def close(self) -> None: ...


class DatabaseSource:
    """Reads the revocations table (this thread's own database connection)."""

    def fetch(self, cursor: store.Cursor | None) -> tuple[store.Entries, store.Cursor, bool]:
        changes = store.changes(cursor)
        return changes.entries, changes.cursor, changes.complete

    def close(self) -> None:
        connection.close()


class FeedSource:
    """Reads the auth server's revocation feed over HTTP(S), one kept-alive connection."""

    def __init__(self, url: str, key: str, timeout: float = FEED_TIMEOUT) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"REVOCATION_FEED_URL must be an http(s) URL, not {url!r}")
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        self.path = parts.path or "/"
        self.headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def fetch(self, cursor: str | None) -> tuple[store.Entries, str, bool]:
        query = urlencode({"after": cursor, "limit": store.PAGE_SIZE} if cursor else {"limit": store.PAGE_SIZE})
        try:
            connection = self._connection or self._connect()
            connection.request("GET", f"{self.path}?{query}", headers=self.headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.status != 200:
            raise FeedError(f"the feed answered {response.status}: {body[:200]!r}")
        return parse_feed(json.loads(body))

    def _connect(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        self._connection = kind(self.host, self.port, timeout=self.timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class FeedError(Exception):
    """The feed answered, but not with revocations."""


def parse_feed(body: dict) -> tuple[store.Entries, str, bool]:
    """A feed page (API.md, "Revocation feed") as entries, its cursor, and whether it was the last page."""
    entries = store.Entries(
        sessions={item["sid"]: _epoch(item["until"]) for item in body["sessions"]},
        users={int(item["user_id"]): (int(item["min_ver"]), _epoch(item["until"])) for item in body["users"]},
    )
    return entries, str(body["cursor"]), len(entries) < store.PAGE_SIZE


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


class Follower:
    """A daemon thread that keeps ``view`` in step with ``source``.

    It syncs at once, then every ``interval`` seconds, or sooner when
    ``wake()`` is called (a Redis announcement, a commit in this process).
    While ``slow_interval()`` returns a number (Redis is announcing), it
    waits that long instead.
    """

    def __init__(
        self,
        view: RevocationView,
        source: Source,
        *,
        interval: float,
        slow_interval: Callable[[], float | None] = lambda: None,
        on_stale: Callable[[str], None] = lambda reason: None,
        on_current: Callable[[], None] = lambda: None,
    ) -> None:
        self.view, self.source = view, source
        self.interval, self.slow_interval = interval, slow_interval
        self.on_stale, self.on_current = on_stale, on_current
        self.cursor: object = None
        self.last_error: str | None = None
        self.first_sync = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="revocation-follower", daemon=True)

    def start(self) -> "Follower":
        self.thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def wake(self) -> None:
        self._wake.set()

    def sync_once(self) -> int:
        """Reads everything new (draining full pages) into the view; how many entries. Raises on failure."""
        applied = 0
        for _ in range(MAX_PAGES):
            entries, self.cursor, complete = self.source.fetch(self.cursor)
            self.view.apply(entries)
            applied += len(entries)
            if complete:
                break
        self.view.synced()
        return applied

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._run_once()
                self._wake.wait(self.slow_interval() or self.interval)
                self._wake.clear()
        finally:
            # In this thread: a database source's connection belongs to it.
            with contextlib.suppress(Exception):
                self.source.close()

    def _run_once(self) -> None:
        """One sync; a failure is logged and reported (once, by ``on_stale``) when the view is stale."""
        try:
            self.sync_once()
        except Exception as exc:  # a sync must never kill the thread: log, retry, grow stale
            self.last_error = f"{type(exc).__name__}: {exc}"
            logger.debug("revocation sync failed: %s", self.last_error)
            with contextlib.suppress(Exception):  # closing a broken connection may fail too
                self.source.close()
            if not self.view.is_current():
                self.on_stale(self.last_error)
        else:
            self.last_error = None
            self.on_current()
        finally:
            self.first_sync.set()


class RedisAnnouncer:
    """Announces revocations on a Redis pub/sub channel, and listens for them (one thread).

    ``announce()`` runs after a revoking transaction commits; a failure is
    logged at most once a minute and never raised (the database poll is the
    fallback). ``listening`` is true while the subscription is up: then the
    follower may poll slowly.
    """

    def __init__(self, url: str, channel: str, on_announcement: Callable[[], None]) -> None:
        self.url, self.channel, self.on_announcement = url, channel, on_announcement
        self.listening = False
        self._publisher = None
        self._publish_failed_at = 0.0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._listen, name="revocation-redis", daemon=True)

    def start(self) -> "RedisAnnouncer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def announce(self) -> None:
        # After a failure, skip Redis for a while: a revocation must not wait on a dead connection.
        if time.monotonic() - self._publish_failed_at < REDIS_RETRY[1]:
            return
        try:
            if self._publisher is None:
                self._publisher = self._client()
            self._publisher.publish(self.channel, b"1")
        except Exception as exc:  # Redis down or slow: subscribers fall back to polling the database
            self._publisher = None
            self._publish_failed_at = time.monotonic()
            logger.warning("could not announce a revocation on Redis (the database poll will carry it): %s", exc)

    def _client(self):
        import redis

        return redis.Redis.from_url(
            self.url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT, health_check_interval=5
        )

    def _listen(self) -> None:
        delay = REDIS_RETRY[0]
        while not self._stop.is_set():
            pubsub = None
            try:
                pubsub = self._client().pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self.listening = True
                delay = REDIS_RETRY[0]
                self.on_announcement()  # catch up on what was announced while we were away
                while not self._stop.is_set():
                    if pubsub.get_message(timeout=1.0) is not None:
                        self.on_announcement()
            except Exception as exc:  # lost Redis: poll the database meanwhile, reconnect with backoff
                if self.listening:
                    logger.warning("revocation announcements lost (polling the database meanwhile): %s", exc)
                self.listening = False
                self.on_announcement()
                self._stop.wait(delay)
                delay = min(delay * 2, REDIS_RETRY[1])
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):  # the connection may already be broken
                        pubsub.close()
        self.listening = False
