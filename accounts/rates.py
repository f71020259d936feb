"""Rates counted in the shared cache with atomic increments, so processes racing each other count exactly.

DRF's ``SimpleRateThrottle`` reads a list of timestamps, then writes it back:
two workers reading the same list at once both let their request through.
Here each attempt is one atomic ``incr`` of a counter per fixed window (Redis
``INCR``, one SQLite transaction in the embedded cache, a lock in local
memory), and the rate is checked over a sliding window: the current window's
count plus the previous window's, weighted by how much of it still lies
within the last ``period`` seconds. Sustained, no key gets more than the rate;
a burst timed around a window boundary can reach at most twice the rate
within one period (docs/limits.md). A refused attempt is taken back, as DRF
does not count it either.
"""

import contextlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    """At most ``count`` attempts per ``period`` seconds."""

    count: int
    period: int

    @classmethod
    def parse(cls, rate: str) -> "Rate":
        """``"5/min"``, ``"20/hour"``, ``"100/s"``: DRF's notation."""
        try:
            count, period = rate.split("/")
            return cls(int(count), PERIODS[period.strip()[0]])
        except (ValueError, KeyError, IndexError, AttributeError) as exc:
            raise ImproperlyConfigured(f"a rate must look like '5/min', not {rate!r}") from exc


def increment(key: str, timeout: float) -> int:
    """Adds one to the counter ``key`` (created with ``timeout``), atomically; its new value."""
    try:
        return cache.incr(key)
    except ValueError:  # no such counter yet; of two racing adds, one creates it
        cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired in between: start it again
        cache.set(key, 1, timeout)
        return 1


def hit(key: str, rate: Rate) -> float | None:
    """Counts one attempt under ``key``; ``None`` when within ``rate``, else the seconds to wait (not counted)."""
    now = time.time()
    window = int(now // rate.period)
    into = (now - window * rate.period) / rate.period  # 0 <= into < 1
    previous = cache.get(f"{key}:{window - 1}") or 0
    current_key = f"{key}:{window}"
    current = increment(current_key, 2 * rate.period)
    if previous * (1 - into) + current <= rate.count:
        return None
    with contextlib.suppress(ValueError):  # the counter expired meanwhile: nothing to take back
        cache.decr(current_key)
    return _wait(rate, previous, current - 1, into)


def _wait(rate: Rate, previous: int, current: int, into: float) -> float:
    """Seconds until one more attempt fits, given the counts without this one."""
    if current + 1 <= rate.count and previous:
        # Within this window, once enough of the previous one has slid out.
        needed = 1 - (rate.count - 1 - current) / previous
        return max((needed - into) * rate.period, 1.0)
    # In the next window, where this one's count becomes the previous.
    rest = (1 - into) * rate.period
    needed = 1 - (rate.count - 1) / current if current else 0.0
    return max(rest + max(needed, 0.0) * rate.period, 1.0)
