"""Periodic work without cron: the worker's scheduler enqueues each ``PERIODIC_TASKS`` entry once per period.

Time is cut into slots of each entry's period (``now // every``); the first
worker to see a slot takes it with ``cache.add`` on the shared cache (Redis on
several machines) and enqueues the task, so however many workers and machines
run it, each slot runs once. A slot is taken when a worker sees it, so a daily
cleanup also runs soon after the first start.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.core.cache import cache
from django.utils.module_loading import import_string

from jobs import conf

logger = logging.getLogger("jwtsite.jobs")
TICK_SECONDS = 5


def enqueue_due(now: float | None = None) -> list[str]:
    """Enqueues every periodic task whose current slot no one has taken yet; their names."""
    now = time.time() if now is None else now
    enqueued = []
    for name, (path, every) in conf.PERIODIC_TASKS.items():
        slot = int(now // every)
        if not cache.add(f"jobs:periodic:{name}:{slot}", 1, timeout=every + TICK_SECONDS):
            continue
        try:
            import_string(path).enqueue()
        except Exception:  # the queue unreachable: the next slot tries again
            logger.exception("Could not enqueue periodic task %s", name)
            continue
        enqueued.append(name)
    return enqueued


def run_scheduler(stop: threading.Event, every_tick: Callable[[], object] | None = None) -> None:
    """Enqueues due periodic tasks every few seconds, and calls ``every_tick`` every second, until ``stop`` is set."""
    from django.db import close_old_connections

    last_periodic = last_error = 0.0
    while not stop.is_set():
        try:
            if every_tick is not None:
                every_tick()
            if time.monotonic() - last_periodic >= TICK_SECONDS:
                last_periodic = time.monotonic()
                enqueue_due()
        except Exception:  # a cache, database or Redis outage: tried again at the next tick, logged once a minute
            if time.monotonic() - last_error >= 60:
                last_error = time.monotonic()
                logger.exception("Scheduling failed")
        finally:
            close_old_connections()
        stop.wait(1.0)
