"""Fault injection against real processes, what sessions survive: killed workers, a client that vanishes mid-refresh.

Each test runs gunicorn (the repo's gunicorn.conf.py, production settings) on
a PostgreSQL cluster and a Redis server of its own (harness/services.py), never on
the machine's shared ones, and loads it with browser-like clients
(harness/load.py) on loopback, for a bounded time. Every answer is recorded; a
summary of each run goes to ``e2e/artifacts/faults/<test>.json`` (e2e/faults.py).
A restarted database or cache: test_faults_restarts.py.
"""

import base64
import json
import os
import random
import signal
import socket
import time
from contextlib import closing
from http import HTTPStatus

import pytest

from e2e.faults import (
    deployment,
    in_background,
    refresh_then_read,
    save_summary,
    statuses,
)
from harness import consistency
from harness.load import BrowserLike, Outcomes, register_all, run_for

pytestmark = [pytest.mark.e2e, pytest.mark.fault]


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
