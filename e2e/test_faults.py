"""Fault injection against real processes: killed workers, a restarted database, a restarted cache,
a client that vanishes mid-refresh.

Each test runs gunicorn (the repo's gunicorn.conf.py, production settings) on
a PostgreSQL cluster and a Redis server of its own (harness/services.py), never on
the machine's shared ones, and loads it with browser-like clients
(harness/load.py) on loopback, for a bounded time. Every answer is recorded; a
summary of each run goes to ``e2e/artifacts/faults/<test>.json``.
"""

import base64
import json
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import pytest

from harness import consistency
from harness.load import HEALTHZ, BrowserLike, Outcomes, register_all, run_for
from harness.servers import Client, Gunicorn, shared_secrets
from harness.services import PrivatePostgres, PrivateRedis

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "faults"
GENEROUS = "100000/min"  # login and registration throttles out of the load's way


@dataclass
class Site:
    server: Gunicorn
    database_url: str
    postgres: PrivatePostgres
    redis: PrivateRedis


@contextmanager
def deployment(
    postgres: PrivatePostgres, redis: PrivateRedis, name: str, workers: int = 4, **env: str
) -> Iterator[Site]:
    """gunicorn with ``workers`` on a fresh database ``fault_<name>`` and the private Redis."""
    database_url = postgres.create_database(f"fault_{name}")
    settings = {
        **shared_secrets(),
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": database_url,
        "CACHE_URL": redis.url(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JWT_COOKIE_SECURE": "0",  # plain http on loopback
        "LOGIN_RATE_USERNAME": GENEROUS,
        "LOGIN_RATE_IP": GENEROUS,
        "REGISTER_RATE_IP": GENEROUS,
        "GUNICORN_ACCESS_LOG": "off",
        **env,
    }
    with Gunicorn(env=settings, log_path=ARTIFACTS / f"{name}.log", workers=workers) as server:
        yield Site(server, database_url, postgres, redis)


def save_summary(name: str, summary: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")


def statuses(outcomes: Outcomes) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes.items:
        key = f"{outcome.operation} {outcome.status or 'dropped'}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def refresh_then_read(client: BrowserLike) -> bool:
    """One turn of a signed-in page: refresh (keeping the newest cookies), then a read."""
    response = client.refresh()
    if client.signed_out_with is not None:
        return False
    if response is not None and response.status == HTTPStatus.OK:
        client.me()
    elif response is not None and response.status == HTTPStatus.SERVICE_UNAVAILABLE:
        time.sleep(0.2)
    return True


def in_background(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def test_killed_workers_lose_no_session_and_leave_the_database_consistent(private_postgres, private_redis):
    """50 clients refresh in loops while a worker is SIGKILLed every 2 s for 20 s."""
    with deployment(private_postgres, private_redis, "killed_workers") as site:
        outcomes = Outcomes()
        clients = [BrowserLike(n, site.server.url, outcomes) for n in range(50)]
        register_all(clients)
        killed: list[int] = []

        def kill_a_worker_every_2_s() -> None:
            for _ in range(10):
                time.sleep(2)
                pid = random.choice(site.server.worker_pids())
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        killer = in_background(kill_a_worker_every_2_s)
        run_for(20, clients, refresh_then_read)
        killer.join()
        site.server.wait_until_healthy(10)  # the master has replaced every killed worker

        working, signed_out = [], []
        for client in clients:
            if client.signed_out_with is None:
                response = client.refresh()
                if response is not None and response.status == HTTPStatus.OK and client.me().status == HTTPStatus.OK:
                    working.append(client)
                    continue
            signed_out.append(client)
        report = consistency.check(site.database_url)
        save_summary(
            "killed_workers",
            {
                "workers_killed": len(killed),
                "requests": len(outcomes.items),
                "answers": statuses(outcomes),
                "clients_still_working": len(working),
                "clients_signed_out": {c.username: c.signed_out_with for c in signed_out},
                "consistency": report.violations,
                "rows": report.counts,
            },
        )

    assert len(killed) == 10
    assert outcomes.server_errors() == []
    assert outcomes.count(HTTPStatus.OK) > 500  # the load was real
    # Every client still works, or was signed out by reuse detection: nothing else.
    assert all(client.signed_out_with == "token_reused" for client in signed_out), signed_out
    assert len(working) + len(signed_out) == 50
    assert report.consistent, report.violations
    assert report.counts["live sessions"] == len(working)
    assert report.counts["live refresh tokens"] == len(working)


def health_poller(health: list[tuple[float, int, dict]]) -> Callable[[Client], bool]:
    """A ``run_for`` step that reads ``/healthz`` every 0.1 s into ``health`` as (sent at, status, body)."""

    def poll_health(client: Client) -> bool:
        sent_at = time.monotonic()
        response = client.get(HEALTHZ)
        health.append((sent_at, response.status, response.json()))
        time.sleep(0.1)
        return True

    return poll_health


def test_a_database_restart_answers_503_then_recovers_without_restarting_gunicorn(private_postgres, private_redis):
    with deployment(private_postgres, private_redis, "database_restart") as site:
        outcomes = Outcomes()
        clients = [BrowserLike(n, site.server.url, outcomes) for n in range(16)]
        register_all(clients)
        health: list[tuple[float, int, dict]] = []  # (sent at, status, body)
        poll_health = health_poller(health)

        load = in_background(run_for, 14, clients, refresh_then_read)
        poller = in_background(run_for, 14, [Client(site.server.url)], poll_health)
        time.sleep(3)
        site.postgres.stop("fast")
        stopped_at = time.monotonic()
        time.sleep(3)
        site.postgres.start()
        back_at = time.monotonic()
        load.join()
        poller.join()
        report = consistency.check(site.database_url)

        not_ok_after = [o for o in outcomes.items if o.sent_at >= back_at and o.status != HTTPStatus.OK]
        recovered_in = max((o.sent_at for o in not_ok_after), default=back_at) - back_at
        save_summary(
            "database_restart",
            {
                "outage_s": back_at - stopped_at,
                "requests": len(outcomes.items),
                "answers": statuses(outcomes),
                "last_failure_after_restart_s": recovered_in,
                "healthz": sorted({(status, body["status"]) for _, status, body in health}),
                "consistency": report.violations,
            },
        )

    unavailable = outcomes.where(lambda o: o.status == HTTPStatus.SERVICE_UNAVAILABLE)
    assert unavailable, "the load never met the outage"
    assert {(o.code, o.retry_after) for o in unavailable} == {("database_unavailable", "1")}
    assert outcomes.where(lambda o: o.status is not None and o.status >= 500 and o.status != 503) == []
    assert outcomes.dropped() == []
    assert recovered_in < 5
    assert any(o.sent_at > back_at and o.status == HTTPStatus.OK for o in outcomes.items)
    assert any(status == 503 and body["checks"]["database"] == "unavailable" for _, status, body in health)
    assert health[-1][1] == HTTPStatus.OK
    assert health[-1][2]["checks"]["database"] == health[-1][2]["checks"]["cache"] == "ok"
    assert all(client.signed_out_with is None for client in clients)
    assert report.consistent, report.violations


def test_a_cache_restart_under_load_answers_no_5xx(private_postgres, private_redis):
    with deployment(private_postgres, private_redis, "cache_restart") as site:
        outcomes = Outcomes()
        readers = [BrowserLike(n, site.server.url, outcomes) for n in range(12)]
        signers_in = [BrowserLike(100 + n, site.server.url, outcomes) for n in range(4)]
        register_all(readers + signers_in)
        health: list[tuple[float, int, dict]] = []  # (sent at, status, body)
        poll_health = health_poller(health)

        threads = [
            in_background(run_for, 13, readers, refresh_then_read),
            in_background(run_for, 13, signers_in, lambda client: bool(client.login())),
            in_background(run_for, 13, [Client(site.server.url)], poll_health),
        ]
        time.sleep(3)
        site.redis.stop()
        stopped_at = time.monotonic()
        time.sleep(4)
        site.redis.start()
        back_at = time.monotonic()
        for thread in threads:
            thread.join()
        errors_logged = site.server.log_tail(100_000).count("Cache unavailable for")

        during = [o for o in outcomes.items if stopped_at <= o.sent_at < back_at]
        degraded = [at for at, status, body in health if body["checks"]["cache"] == "unavailable"]
        healthy_again = [at for at, status, body in health if at > back_at and body["status"] == "ok"]
        save_summary(
            "cache_restart",
            {
                "outage_s": back_at - stopped_at,
                "requests": len(outcomes.items),
                "requests_during_outage": len(during),
                "logins_during_outage": sum(o.operation == "login" and o.status == 200 for o in during),
                "answers": statuses(outcomes),
                "error_lines_logged": errors_logged,
                "healthz_ok_again_after_s": healthy_again[0] - back_at if healthy_again else None,
            },
        )

    assert outcomes.server_errors() == []
    assert outcomes.dropped() == []
    assert sum(o.operation == "login" and o.status == HTTPStatus.OK for o in during) > 0
    assert sum(o.operation == "refresh" and o.status == HTTPStatus.OK for o in during) > 0
    assert all(client.signed_out_with is None for client in readers)
    # Logged once per process (once a minute each: 4 web workers and the task worker), not once per request.
    assert 1 <= errors_logged <= 5 < len(during)
    assert degraded
    assert all(status == 200 for _, status, _ in health)
    assert healthy_again
    assert healthy_again[0] - back_at < 5  # the first health check sent after the restart, on a loaded machine


def jti_of(token: str) -> str:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


def sid_of(token: str) -> str:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sid"]


def send_refresh_and_vanish(base_url: str, cookies: dict[str, str]) -> None:
    """Sends a whole refresh request, then closes the socket without reading the answer."""
    host, port = base_url.removeprefix("http://").split(":")
    request = (
        f"POST /api/auth/refresh/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Cookie: {'; '.join(f'{k}={v}' for k, v in cookies.items())}\r\n"
        f"X-CSRFToken: {cookies['csrftoken']}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    with closing(socket.create_connection((host, int(port)), timeout=5)) as sock:
        sock.sendall(request.encode())


def session_row(database_url: str, session_id: str) -> tuple[str, str, object]:
    import psycopg

    with closing(psycopg.connect(database_url)) as connection:
        return connection.execute(
            "SELECT previous_jti, current_jti, revoked_at FROM accounts_session WHERE id = %s", [session_id]
        ).fetchone()


def wait_for_rotation(database_url: str, session_id: str, old_jti: str) -> str:
    """Waits until the vanished client's refresh has committed; the successor's jti."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        previous, current, _ = session_row(database_url, session_id)
        if previous == old_jti:
            return current
        time.sleep(0.02)
    raise AssertionError("the server never committed the vanished client's refresh")


GRACE = 3  # seconds of REFRESH_REUSE_GRACE on this server; short, so the test can wait it out


def test_a_client_gone_mid_refresh_gets_the_same_successor_within_the_grace_and_reuse_after(
    private_postgres, private_redis
):
    with deployment(private_postgres, private_redis, "client_gone", workers=2, REFRESH_REUSE_GRACE=str(GRACE)) as site:
        within, after = (BrowserLike(n, site.server.url, Outcomes()) for n in range(2))
        register_all([within, after], threads=2)

        # Within the grace: the old token again gets the successor the client never saw.
        old = within.refresh_token
        send_refresh_and_vanish(site.server.url, dict(within.client.cookies))
        successor_jti = wait_for_rotation(site.database_url, sid_of(old), jti_of(old))
        response = within.refresh()
        assert response.status == HTTPStatus.OK, response.body
        assert jti_of(within.refresh_token) == successor_jti
        assert session_row(site.database_url, sid_of(old))[:2] == (jti_of(old), successor_jti)  # no sibling
        assert within.me().status == HTTPStatus.OK
        assert within.refresh().status == HTTPStatus.OK  # and the successor rotates as usual

        # After the grace: the same replay is reuse, and the session dies.
        old = after.refresh_token
        send_refresh_and_vanish(site.server.url, dict(after.client.cookies))
        wait_for_rotation(site.database_url, sid_of(old), jti_of(old))
        time.sleep(GRACE + 1)
        response = after.refresh()
        assert response.status == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "token_reused"
        assert session_row(site.database_url, sid_of(old))[2] is not None
        assert consistency.check(site.database_url).consistent
