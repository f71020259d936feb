"""Limits count once for the whole site under ``make serve``: two gunicorn workers, no ``CACHE_URL``, black-box.

The server is started exactly as ``make serve`` starts it (the repo's
gunicorn.conf.py, debug off) on a SQLite database, with ``CACHE_URL`` unset.
Attempts go four at a time, so both workers answer them; a limit counted per
worker would let about twice as many through. Rates are per hour, so that a
window boundary cannot move the exact counts while the test runs
(accounts/rates.py).
"""

import os
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path

import pytest

from harness import reach
from harness.servers import REPO, Client, Gunicorn, shared_secrets

pytestmark = [pytest.mark.e2e, pytest.mark.timing]

LOG_DIR = Path(__file__).resolve().parent / "artifacts" / "shared-limits"
LOGIN = "/api/auth/login/"
IP_RATE = 40  # LOGIN_RATE_IP, per hour
CEILING = 8  # LOGIN_FAILURES_USERNAME, per hour


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Gunicorn]:
    folder = tmp_path_factory.mktemp("shared-limits")
    env = {
        **shared_secrets(),
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": reach.migrated_sqlite(folder / "db.sqlite3"),
        "CACHE_URL": None,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JWT_COOKIE_SECURE": "0",
        "LOGIN_RATE_IP": f"{IP_RATE}/hour",
        "LOGIN_RATE_USERNAME": "1000/min",
        "LOGIN_FAILURES_USERNAME": f"{CEILING}/hour",
        "GUNICORN_ACCESS_LOG": "off",
    }
    with Gunicorn(env=env, log_path=LOG_DIR / "serve.log", workers=2) as server:
        yield server


def wrong_sign_ins(url: str, usernames: list[str]) -> Counter:
    """Signs in with a wrong password as each of ``usernames``, four at a time; the statuses counted."""

    def attempt(username: str) -> int:
        client = Client(url)
        client.get("/api/auth/csrf/")
        return client.post(LOGIN, {"username": username, "password": "wrong"}, csrf=True).status

    with ThreadPoolExecutor(max_workers=4) as pool:
        return Counter(pool.map(attempt, usernames))


def test_limits_count_once_across_both_workers(site):
    # The failed-sign-in ceiling of one username (it need not exist), summed over both workers.
    ceiling = wrong_sign_ins(site.url, ["victim"] * (2 * CEILING))
    assert ceiling == {HTTPStatus.UNAUTHORIZED: CEILING, HTTPStatus.TOO_MANY_REQUESTS: CEILING}

    # The per-IP login throttle: every attempt above counted once, whichever worker took it.
    left = IP_RATE - 2 * CEILING
    per_ip = wrong_sign_ins(site.url, [f"user-{secrets.token_hex(4)}" for _ in range(left + 10)])
    assert per_ip == {HTTPStatus.UNAUTHORIZED: left, HTTPStatus.TOO_MANY_REQUESTS: 10}
    assert len(site.worker_pids()) == 2


def test_a_per_process_cache_under_two_workers_refuses_to_start(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    env |= {
        **shared_secrets(),
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "locmemcache://",
        "WEB_CONCURRENCY": "2",
        "HOST": "127.0.0.1",
        "PORT": "0",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    done = subprocess.run(
        [str(gunicorn), "--config", "gunicorn.conf.py", "jwtsite.wsgi:application"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    refusal = [line for line in done.stderr.splitlines() if "CACHE_URL" in line]
    assert refusal == [
        "Refusing to start 2 workers on local memory (CACHE_URL=locmemcache://): each would count every limit "
        "on its own. Set CACHE_URL to a shared cache (redis://...), unset it for the embedded one, "
        "or run one worker (WEB_CONCURRENCY=1)."
    ]
