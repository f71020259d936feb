"""The fault-injection tests' deployment (gunicorn on a private PostgreSQL and Redis) and what they record of a run."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from harness.load import BrowserLike, Outcomes
from harness.servers import Gunicorn, shared_secrets
from harness.services import PrivatePostgres, PrivateRedis

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
