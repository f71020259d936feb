"""The shared cache (Redis) with a way out: when Redis cannot be reached, each process serves from its own memory.

Everything that uses Django's cache goes through this backend (settings
chooses it when ``CACHE_URL`` is ``redis://``), so the login throttles, and
any throttle or cached value added later, survive an outage without knowing
about it: brute-force limits then count per process instead of per cluster.

- Every Redis call has short connect and read timeouts (``OPTIONS``), so a
  dead or hung Redis costs a request at most one timeout.
- On a Redis error the call is answered by a per-process local-memory cache,
  and Redis is left alone for ``retry_interval`` seconds; the first call after
  that tries it again, so reconnection is automatic.
- The outage is logged at ERROR at most once per ``log_interval`` per process,
  never per request, and its end at WARNING.
- ``ping()`` asks Redis directly (``/healthz``'s ``cache`` check): it reports
  the outage that the other calls hide.

With ``CACHE_OUTAGE_POLICY=closed`` the calls raise ``CacheUnavailableError``
instead of falling back; the API answers 503 ``cache_unavailable``
(jwtsite/exceptions.py).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from jwtsite import conf

logger = logging.getLogger("jwtsite.cache")

OPEN, CLOSED = "open", "closed"
OUTAGE_POLICIES = (OPEN, CLOSED)
# Seconds. Redis answers in well under a millisecond on a healthy network; a
# request must never wait long for a cache that is gone.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
# Throttle counters for this many keys (usernames, IPs) at most, per process.
FALLBACK_MAX_ENTRIES = 10_000


def monotonic() -> float:
    """The clock the outage bookkeeping reads (a seam for tests)."""
    return time.monotonic()


@dataclass
class Outage:
    """One Redis server's state as this process sees it (times from ``monotonic()``)."""

    down_since: float | None = None
    retry_at: float = 0.0
    logged_at: float | None = None


# Per Redis location, shared by every thread of the process.
_outages: dict[str, Outage] = {}


class CacheUnavailableError(Exception):
    """The shared cache cannot be reached and the policy is to refuse rather than fall back."""


class ResilientRedisCache(RedisCache):
    """Django's ``RedisCache`` that falls back to per-process memory while Redis is unreachable.

    Accepts the same ``LOCATION`` and ``OPTIONS`` as ``RedisCache`` (timeouts
    default to ``DEFAULT_OPTIONS``); answers every call, from Redis or, during
    an outage, from memory.
    """

    retry_interval = 1.0  # seconds between attempts to reach Redis again
    log_interval = 60.0  # seconds between two ERROR lines about one outage

    def __init__(self, server: str, params: dict) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        # Django makes one backend instance per thread; the fallback's entries
        # (LocMemCache keeps them per name) and the outage are the process's.
        location = ",".join(self._servers)
        self._fallback = LocMemCache(
            f"jwtsite-fallback:{location}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}},
        )
        self._outage = _outages.setdefault(location, Outage())

    @property
    def unavailable(self) -> bool:
        """Whether the last attempt to reach Redis failed."""
        return self._outage.down_since is not None

    def ping(self) -> bool:
        """A real round trip to Redis, whatever the outage state; a success ends the outage."""
        try:
            self._cache.get_client(write=False).ping()
        except RedisError as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        outage = self._outage
        if outage.down_since is None or monotonic() >= outage.retry_at:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except RedisError as exc:
                self._failed(exc)
            else:
                self._recovered()
                return result
        if conf.CACHE_OUTAGE_POLICY == CLOSED:
            raise CacheUnavailableError("the shared cache is unavailable")
        return getattr(self._fallback, name)(*args, **kwargs)

    def _failed(self, exc: RedisError) -> None:
        outage, now = self._outage, monotonic()
        if outage.down_since is None:
            outage.down_since = now
        outage.retry_at = now + self.retry_interval
        if outage.logged_at is None or now - outage.logged_at >= self.log_interval:
            outage.logged_at = now
            logger.error(
                "Cache unavailable for %.0f s (%s: %s); %s",
                now - outage.down_since,
                type(exc).__name__,
                exc,
                "refusing requests that need it (CACHE_OUTAGE_POLICY=closed)"
                if conf.CACHE_OUTAGE_POLICY == CLOSED
                else "serving from per-process memory: throttles count per process",
            )

    def _recovered(self) -> None:
        outage = self._outage
        if outage.down_since is None:
            return
        logger.warning("Cache reachable again after %.1f s", monotonic() - outage.down_since)
        outage.down_since = outage.logged_at = None


def _resilient(name: str) -> Callable[..., Any]:
    def operation(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
        return self._call(name, *args, **kwargs)

    operation.__name__ = operation.__qualname__ = name
    operation.__doc__ = f"``RedisCache.{name}``, from per-process memory while Redis is unreachable."
    return operation


# Every operation RedisCache implements itself; BaseCache builds the rest
# (get_or_set, the async variants...) on top of these.
OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear")
for _name in OPERATIONS:
    setattr(ResilientRedisCache, _name, _resilient(_name))
