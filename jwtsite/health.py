"""What ``/healthz`` checks: each check answers ``"ok"`` or says what is wrong.

``conf.HEALTH_CHECKS`` maps a name to a check's dotted path; the database
is the one check whose failure makes the site unavailable (503), any other
failing check makes it ``degraded`` (still 200: the site keeps serving). A check
may also return ``(result, details)``: the details go in the body under its name
(``"mail": {"dead": 0, "stalled": 0}``).
"""

from collections.abc import Callable
from functools import cache

from django.core.cache import cache as default_cache
from django.db import DatabaseError, connection
from django.utils.module_loading import import_string

from jwtsite import conf

OK = "ok"
UNAVAILABLE = "unavailable"
CRITICAL = frozenset({"database"})


def database() -> str:
    """A real round trip: ``SELECT 1``."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return UNAVAILABLE
    return OK


def shared_cache() -> str:
    """A write and a read of the default cache (throttle counters live there).

    jwtsite/cache.py's Redis backend answers from memory while Redis is down,
    so it is asked directly instead (``ping``).
    """
    if (ping := getattr(default_cache, "ping", None)) is not None:
        return OK if ping() else UNAVAILABLE
    try:
        default_cache.set("jwtsite:healthz", 1, 5)
        return OK if default_cache.get("jwtsite:healthz") == 1 else UNAVAILABLE
    except Exception:  # any backend error (a refused connection, a timeout) means "not usable"
        return UNAVAILABLE


@cache
def _check(path: str) -> Callable[[], str]:
    return import_string(path)


def run_checks() -> tuple[int, dict]:
    """``(status code, body)`` of ``/healthz``."""
    checks, details = {}, {}
    for name, path in conf.HEALTH_CHECKS.items():
        result = _check(path)()
        if isinstance(result, tuple):
            result, details[name] = result
        checks[name] = result
    if any(checks[name] != OK for name in CRITICAL if name in checks):
        return 503, {"status": "unavailable", "checks": checks, **details}
    status = OK if all(result == OK for result in checks.values()) else "degraded"
    return 200, {"status": status, "checks": checks, **details}
