"""Many servers, one login: two gunicorn processes sharing PostgreSQL, Redis and the keys.

Server A and server B are separate gunicorn masters (two workers each) on
their own ports, like two hosts behind a load balancer. A login on one is
honoured by the other; rotation, reuse detection, logout-all and the login
throttle hold across both, because their state lives in the shared database
and cache, never in a process. Runs when PostgreSQL and Redis are reachable;
with ``CI`` set, unreachable services fail the run instead of skipping it.
"""

import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import pytest

from harness.servers import (
    Client,
    Gunicorn,
    flush_redis_db,
    redis_url,
    require_services,
    shared_secrets,
    throwaway_database,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timing]

REUSE_GRACE = 1  # seconds; short, so the test can wait it out
LOGIN_RATE_USERNAME = "3/min"
LOG_DIR = Path(__file__).resolve().parent / "artifacts" / "scaleout"

CSRF, LOGIN, REFRESH = "/api/auth/csrf/", "/api/auth/login/", "/api/auth/refresh/"
LOGOUT_ALL, ME = "/api/auth/logout-all/", "/api/me/"
TOKEN, TOKEN_REFRESH = "/api/token/", "/api/token/refresh/"


@dataclass
class Deployment:
    a: Gunicorn
    b: Gunicorn


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    """Servers A and B on one throwaway PostgreSQL database and Redis database 12."""
    require_services("scale-out test")
    with throwaway_database(f"jwtsite_scaleout_{os.getpid()}") as database_url:
        flush_redis_db()
        env = {
            **shared_secrets(),
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": database_url,
            "CACHE_URL": redis_url(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "JWT_COOKIE_SECURE": "0",  # plain http on loopback
            "REFRESH_REUSE_GRACE": str(REUSE_GRACE),
            "LOGIN_RATE_USERNAME": LOGIN_RATE_USERNAME,
            # High, so that only the per-username limit is under test.
            "LOGIN_RATE_IP": "1000/min",
            "GUNICORN_ACCESS_LOG": "-",
        }
        with (
            Gunicorn(env=env, log_path=LOG_DIR / "a.log") as a,
            Gunicorn(env=env, log_path=LOG_DIR / "b.log") as b,
        ):
            yield Deployment(a=a, b=b)
        flush_redis_db()


def browsers(deployment: Deployment) -> tuple[Client, Client]:
    """One browser's view of A and B: the same cookie jar, as for two ports of one host."""
    jar: dict[str, str] = {}
    return Client(deployment.a.url, jar), Client(deployment.b.url, jar)


def new_user(server: Client) -> tuple[str, str]:
    """Registers a fresh user on ``server`` (in a jar of its own); returns username and password."""
    username, password = f"user-{secrets.token_hex(4)}", f"scale-out-{secrets.token_urlsafe(12)}"
    registrar = Client(f"http://{server.host}:{server.port}")
    registrar.get(CSRF)
    response = registrar.post("/api/auth/register/", {"username": username, "password": password}, csrf=True)
    assert response.status == HTTPStatus.CREATED, response.body
    return username, password


def browser_login(client: Client, username: str, password: str) -> None:
    client.get(CSRF)
    response = client.post(LOGIN, {"username": username, "password": password}, csrf=True)
    assert response.status == HTTPStatus.OK, response.body
    assert {"access_token", "refresh_token"} <= set(client.cookies)


def token_pair(client: Client, username: str, password: str) -> dict[str, str]:
    response = client.post(TOKEN, {"username": username, "password": password}, cookies={})
    assert response.status == HTTPStatus.OK, response.body
    return response.json()


def bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def test_a_login_on_a_is_honoured_by_b(deployment):
    a, b = browsers(deployment)
    username, password = new_user(a)
    browser_login(a, username, password)

    response = b.get(ME)
    assert response.status == HTTPStatus.OK, response.body
    assert response.json()["username"] == username

    pair = token_pair(a, username, password)
    response = b.get(ME, headers=bearer(pair["access"]), cookies={})
    assert response.status == HTTPStatus.OK, response.body
    assert response.json()["username"] == username
    # The Bearer pair rotates on B too.
    response = b.post(TOKEN_REFRESH, {"refresh": pair["refresh"]}, cookies={})
    assert response.status == HTTPStatus.OK, response.body
    assert a.get(ME, headers=bearer(response.json()["access"]), cookies={}).status == HTTPStatus.OK


def test_refresh_on_b_then_replay_on_a_after_the_grace_kills_the_session_on_both(deployment):
    a, b = browsers(deployment)
    username, password = new_user(a)
    browser_login(a, username, password)
    old_refresh = a.cookies["refresh_token"]

    response = b.post(REFRESH, csrf=True)
    assert response.status == HTTPStatus.OK, response.body
    successor = b.cookies["refresh_token"]
    assert successor != old_refresh
    assert a.get(ME).status == HTTPStatus.OK  # A honours the access token B issued

    time.sleep(REUSE_GRACE + 1.5)
    replay = {"csrftoken": a.cookies["csrftoken"], "refresh_token": old_refresh}
    response = a.post(REFRESH, cookies=replay, csrf=True)
    assert response.status == HTTPStatus.UNAUTHORIZED, response.body
    assert response.json()["code"] == "token_reused"

    # The successor died with the session, whichever server it is shown to.
    current = {"csrftoken": a.cookies["csrftoken"], "refresh_token": successor}
    for server in (b, a):
        response = server.post(REFRESH, cookies=current, csrf=True)
        assert response.status == HTTPStatus.UNAUTHORIZED, response.body
        assert response.json()["code"] == "session_revoked"


def test_logout_all_on_a_rejects_every_access_token_on_b(deployment):
    a, b = browsers(deployment)
    username, password = new_user(a)
    browser_login(a, username, password)
    pair = token_pair(a, username, password)
    cookies_before = dict(a.cookies)
    assert b.get(ME).status == HTTPStatus.OK
    assert b.get(ME, headers=bearer(pair["access"]), cookies={}).status == HTTPStatus.OK

    response = a.post(LOGOUT_ALL, csrf=True)
    assert response.status == HTTPStatus.NO_CONTENT, response.body

    # Both access tokens are still within their lifetime; B refuses them at once.
    response = b.get(ME, headers=bearer(pair["access"]), cookies={})
    assert response.status == HTTPStatus.UNAUTHORIZED, response.body
    assert response.header("WWW-Authenticate")
    assert b.get(ME, cookies=cookies_before).status == HTTPStatus.UNAUTHORIZED
    assert b.post(TOKEN_REFRESH, {"refresh": pair["refresh"]}, cookies={}).status == HTTPStatus.UNAUTHORIZED
    assert b.post(REFRESH, cookies=cookies_before, csrf=True).status == HTTPStatus.UNAUTHORIZED


def test_login_throttle_counts_attempts_on_both_servers(deployment):
    a, b = browsers(deployment)
    username, password = new_user(a)
    a.get(CSRF)
    wrong = {"username": username, "password": "not-the-password"}
    # Three attempts (the limit), spread over both servers and both login endpoints.
    assert a.post(LOGIN, wrong, csrf=True).status == HTTPStatus.UNAUTHORIZED
    assert b.post(TOKEN, wrong, cookies={}).status == HTTPStatus.UNAUTHORIZED
    assert a.post(TOKEN, wrong, cookies={}).status == HTTPStatus.UNAUTHORIZED

    # The fourth is refused, with the right password too, on whichever server.
    response = b.post(LOGIN, {"username": username, "password": password}, csrf=True)
    assert response.status == HTTPStatus.TOO_MANY_REQUESTS, response.body
    assert int(response.header("Retry-After")) > 0
    assert a.post(TOKEN, {"username": username, "password": password}, cookies={}).status == (
        HTTPStatus.TOO_MANY_REQUESTS
    )
