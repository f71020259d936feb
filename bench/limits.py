"""What counting limits costs a sign-in, per cache: local memory, the embedded shared cache, Redis.

    .venv/bin/python bench/limits.py [--count 100] [--redis redis://127.0.0.1:6379/3]

In one process, on a throwaway SQLite database with the real settings (Argon2),
signs in ``count`` times with the right password and ``count`` times with a
wrong one through the real view (DRF's test client) on each cache, and counts
the cache calls each sign-in makes, the time spent in them, and what they cost
underneath: SQLite statements (the embedded cache) or Redis commands. Writes
bench/results-limits.md; docs/limits.md quotes it.
"""

import argparse
import atexit
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench" / "results-limits.md"
COLUMNS = ("ms", "calls", "cache_us", "underneath")
# decr is not wrapped: every backend here decrements through incr (one call, counted once).
OPERATIONS = ("add", "get", "set", "incr", "delete", "get_many", "touch", "has_key")


class Meter:
    """Counts and times the calls made on one cache instance, and what they run underneath."""

    def __init__(self) -> None:
        self.calls = Counter()
        self.seconds = 0.0
        self.underneath = 0

    def wrap(self, cache) -> None:
        for name in OPERATIONS:
            original = getattr(cache, name)

            def timed(*args, _original=original, _name=name, **kwargs):
                self.calls[_name] += 1
                started = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - started

            setattr(cache, name, timed)

    def reset(self) -> None:
        self.calls.clear()
        self.seconds, self.underneath = 0.0, 0


def trace_sqlite(cache, meter: Meter) -> None:
    """Counts every SQL statement the embedded cache's shards run (their connections opened first)."""
    for shard in cache._cache._shards:
        shard._con.set_trace_callback(lambda statement: setattr(meter, "underneath", meter.underneath + 1))


def trace_redis(meter: Meter) -> None:
    import redis

    original = redis.Redis.execute_command

    def counted(client, *args, **kwargs):
        meter.underneath += 1
        return original(client, *args, **kwargs)

    redis.Redis.execute_command = counted


def sign_ins(client, username: str, password: str, count: int, meter: Meter, ok: int) -> dict:
    totals, cache_us, calls, underneath = [], [], [], []
    for n in range(count):
        meter.reset()
        started = time.perf_counter()
        response = client.post(
            "/api/auth/login/",
            {"username": username, "password": password},
            format="json",
            REMOTE_ADDR=f"10.0.{n // 250}.{n % 250 + 1}",
        )
        totals.append((time.perf_counter() - started) * 1000)
        assert response.status_code == ok, response.content
        cache_us.append(meter.seconds * 1e6)
        calls.append(sum(meter.calls.values()))
        underneath.append(meter.underneath)
    return {
        "ms": statistics.median(totals),
        "cache_us": statistics.median(cache_us),
        "calls": statistics.median(calls),
        "underneath": statistics.median(underneath),
        "ops": dict(meter.calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="jwtsite-bench-limits-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="jwtsite.settings",
        DJANGO_SECRET_KEY="bench-only",
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        LOGIN_RATE_USERNAME="1000000/min",
        LOGIN_RATE_IP="1000000/min",
        LOGIN_FAILURES_USERNAME="1000000/hour",
        EMAIL_URL="dummymail://",
        DJANGO_LOG_LEVEL="ERROR",
    )
    os.environ.pop("CACHE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    from accounts.models import User
    from jwtsite import shared_cache

    logging.getLogger("django.request").setLevel(logging.ERROR)
    settings.ALLOWED_HOSTS = ["testserver"]
    # Mail is promised (an outbox row) but never delivered here: the bench measures limits, not mail.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    call_command("migrate", verbosity=0)
    User.objects.create_user(username="bench", password="a-long-bench-passphrase")
    backends = {
        "local memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "embedded (diskcache, SQLite)": shared_cache.embedded_cache(work / "db.sqlite3-cache"),
        "Redis": {"BACKEND": "jwtsite.cache.ResilientRedisCache", "LOCATION": args.redis},
    }
    rows = []
    for name, conf in backends.items():
        with override_settings(CACHES={"default": conf}):
            cache = caches["default"]
            cache.clear()
            meter = Meter()
            meter.wrap(cache)
            client = APIClient()
            client.post("/api/auth/login/", {"username": "bench", "password": "warm-up"}, format="json")
            if "embedded" in name:
                trace_sqlite(cache, meter)
            elif name == "Redis":
                trace_redis(meter)
            right = sign_ins(client, "bench", "a-long-bench-passphrase", args.count, meter, 200)
            wrong = sign_ins(client, "bench", "wrong-passphrase", args.count, meter, 401)
            rows.append((name, right, wrong))
            print(name, right, wrong, flush=True)

    lines = [
        "# What counting limits costs a sign-in (`bench/limits.py`)",
        "",
        f"{args.count} sign-ins each, one process, SQLite database, Argon2; medians per sign-in. "
        "Underneath: SQLite statements (embedded) or Redis commands.",
        "",
        "| cache | right password: total ms | cache calls | in the cache (µs) | underneath "
        "| wrong password: total ms | cache calls | in the cache (µs) | underneath |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, right, wrong in rows:
        cells = [" | ".join(f"{r[k]:.{1 if k == 'ms' else 0}f}" for k in COLUMNS) for r in (right, wrong)]
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
