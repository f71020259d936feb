"""The PostgreSQL and Redis servers a test run shares (``DATABASE_URL``'s, ``CACHE_URL``'s).

Their URLs, a skip (or, under CI, a failure) when one is unreachable, the
servers' own Redis database emptied, and a throwaway PostgreSQL database
(``jwtsite_scaleout_<pid>``) migrated for the servers and dropped after, so the
servers never share the test process's database. The private servers a test may
stop or freeze are in ``harness.services``.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from urllib.parse import urlsplit, urlunsplit

from harness import REPO

# The servers' own Redis database, flushed before use (E2E_REDIS_DB keeps parallel runs
# apart; pytest-xdist's second worker takes the next one).
SERVER_REDIS_DB = int(os.environ.get("E2E_REDIS_DB", "12")) + int(
    os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
)
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def postgres_admin_url() -> str:
    """A URL to the PostgreSQL server the tests use, on its ``postgres`` maintenance database.

    ``DATABASE_URL``'s server when it is PostgreSQL, else 127.0.0.1:5432.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = os.environ.get("SCALEOUT_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    return with_path(url, "/postgres")


def redis_url() -> str:
    """``CACHE_URL``'s Redis server when it is Redis (else 127.0.0.1:6379), on database 12."""
    url = os.environ.get("CACHE_URL", "")
    if not url.startswith("redis://"):
        url = os.environ.get("SCALEOUT_REDIS_URL", DEFAULT_REDIS_URL)
    return with_path(url, f"/{SERVER_REDIS_DB}")


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def services_unreachable() -> str | None:
    """Why PostgreSQL or Redis cannot be used, or ``None`` when both answer."""
    import psycopg
    import redis

    try:
        with closing(psycopg.connect(postgres_admin_url(), connect_timeout=3)):
            pass
    except psycopg.Error as exc:
        return f"PostgreSQL unreachable at {postgres_admin_url()}: {exc}".strip()
    try:
        with closing(redis.Redis.from_url(redis_url(), socket_connect_timeout=3)) as client:
            client.ping()
    except redis.RedisError as exc:
        return f"Redis unreachable at {redis_url()}: {exc}"
    return None


def require_services(test: str) -> None:
    """Skips ``test`` when PostgreSQL or Redis is unreachable; fails it under CI, which needs both."""
    import pytest

    reason = services_unreachable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL and Redis for the {test}: {reason}")
        pytest.skip(f"the {test} needs PostgreSQL and Redis: {reason}")


def flush_redis_db() -> None:
    """Empties the servers' Redis database (only that one): no throttle counts from earlier runs."""
    import redis

    with closing(redis.Redis.from_url(redis_url())) as client:
        client.flushdb()


@contextmanager
def throwaway_database(name: str) -> Iterator[str]:
    """Creates PostgreSQL database ``name``, migrates it, yields its URL, drops it afterwards."""
    import psycopg
    from psycopg import sql

    admin_url = postgres_admin_url()
    with closing(psycopg.connect(admin_url, autocommit=True)) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_path(admin_url, f"/{name}")
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=REPO,
            env={**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "migrate-only", "DATABASE_URL": url},
            check=True,
            timeout=120,
        )
        yield url
    finally:
        with closing(psycopg.connect(admin_url, autocommit=True)) as admin:
            # FORCE ends the servers' pooled connections should one still linger.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
