"""Fault injection against real processes: a restarted database, a restarted cache, under load.

As in test_faults.py: gunicorn on a PostgreSQL cluster and a Redis server of
its own (harness/services.py, e2e/faults.py), browser-like clients on loopback
(harness/load.py) for a bounded time, every answer recorded, a summary of each
run in ``e2e/artifacts/faults/<test>.json``.
"""

import time
from collections.abc import Callable
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
from harness.load import HEALTHZ, BrowserLike, Outcomes, register_all, run_for
from harness.servers import Client

pytestmark = [pytest.mark.e2e, pytest.mark.fault]


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
