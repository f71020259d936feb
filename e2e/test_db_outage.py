"""A lost database connection on a real gunicorn worker: one clear 503 at most, then recovery.

PostgreSQL ends the worker's kept connection (``pg_terminate_backend``, as a
restart or failover would). With ``DJANGO_CONN_HEALTH_CHECKS=0`` (the
default) the next request answers 503 ``database_unavailable`` with
``Retry-After`` and the worker reconnects for the one after; with ``1`` the
health check notices first and no request fails.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import closing
from http import HTTPStatus
from pathlib import Path

import pytest

from harness.servers import (
    Client,
    Gunicorn,
    flush_redis_db,
    postgres_admin_url,
    redis_url,
    require_services,
    shared_secrets,
    throwaway_database,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timing]

LOG_DIR = Path(__file__).resolve().parent / "artifacts" / "outage"
ME = "/api/me/"
SESSIONS = "/api/auth/sessions/"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    require_services("database outage test")
    with throwaway_database(f"jwtsite_outage_{os.getpid()}") as url:
        flush_redis_db()
        yield url
        flush_redis_db()


def terminate_connections(application_name: str) -> int:
    """Ends every PostgreSQL connection opened under ``application_name``; how many there were."""
    import psycopg

    with closing(psycopg.connect(postgres_admin_url(), autocommit=True)) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        ).fetchall()
    return len(rows)


def bearer_for_new_user(client: Client) -> dict[str, str]:
    username, password = f"outage-{secrets.token_hex(4)}", f"outage-{secrets.token_urlsafe(12)}"
    client.get("/api/auth/csrf/")
    response = client.post("/api/auth/register/", {"username": username, "password": password}, csrf=True)
    assert response.status == HTTPStatus.CREATED, response.body
    response = client.post("/api/token/", {"username": username, "password": password}, cookies={})
    assert response.status == HTTPStatus.OK, response.body
    return {"Authorization": f"Bearer {response.json()['access']}"}


@pytest.mark.parametrize("health_checks", ["0", "1"])
def test_a_worker_recovers_from_a_lost_database_connection(database_url, health_checks):
    application_name = f"jwtsite-outage-{os.getpid()}-{health_checks}"
    env = {
        **shared_secrets(),
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"{database_url}?application_name={application_name}",
        "CACHE_URL": redis_url(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JWT_COOKIE_SECURE": "0",
        "DJANGO_CONN_HEALTH_CHECKS": health_checks,
    }
    with Gunicorn(env=env, log_path=LOG_DIR / f"health-checks-{health_checks}.log", workers=1) as server:
        client = Client(server.url)
        bearer = bearer_for_new_user(client)
        assert client.get(ME, headers=bearer).status == HTTPStatus.OK

        # The worker's own connection and its revocation follower's (accounts/revocation/follower.py).
        assert terminate_connections(application_name) == 2

        # Authentication needs no database: this worker has the user in its cache.
        assert client.get(ME, headers=bearer).status == HTTPStatus.OK
        first = client.get(SESSIONS, headers=bearer)  # the user's sessions: a database read
        if health_checks == "1":
            assert first.status == HTTPStatus.OK, first.body
        else:
            assert first.status == HTTPStatus.SERVICE_UNAVAILABLE, first.body
            assert first.json()["code"] == "database_unavailable"
            assert first.header("Retry-After") == "1"
            assert "Database unavailable" in server.log_tail(200)
        after = client.get(SESSIONS, headers=bearer)
        assert after.status == HTTPStatus.OK, after.body
