"""Measuring revocation reach between real servers: how long until another process rejects a revoked token.

Used by e2e/test_revocation_reach.py (a few samples in CI) and by ``make bench``
(200 per topology, ``REVOCATION_SAMPLES``). A sample is one login on the auth
server, the access token accepted by the other server (so it sits in that
process's verified-token cache, as in real traffic), then a logout on the auth
server; the delay runs from sending the logout until the other server first
answers 401 to the same token. The other server runs one worker: "another
process" is exactly that one.
"""

import atexit
import math
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

from harness.servers import REPO, Client, free_port

ME, TOKEN, BLACKLIST = "/api/me/", "/api/token/", "/api/token/blacklist/"
GIVE_UP_AFTER = 5.0  # seconds; a sample this slow is recorded as this and fails the budget
CI_SAMPLES = 10


def sample_count() -> int:
    return int(os.environ.get("REVOCATION_SAMPLES", CI_SAMPLES))


@dataclass
class Delays:
    """Revocation → rejection delays, in seconds."""

    seconds: list[float] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile: with 200 samples p99 is the second largest."""
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]

    def summary(self) -> dict[str, float]:
        return {
            "samples": len(self.seconds),
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
            "max_ms": round(max(self.seconds) * 1000, 1),
        }


def bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def new_account(auth_url: str) -> dict[str, str]:
    """Registers a user on the auth server; its username and password."""
    client = Client(auth_url)
    client.get("/api/auth/csrf/")
    credentials = {"username": f"reach-{secrets.token_hex(5)}", "password": f"reach-{secrets.token_urlsafe(16)}"}
    response = client.post("/api/auth/register/", credentials, csrf=True)
    assert response.status == HTTPStatus.CREATED, response.body
    return credentials


def token_pair(auth_url: str, credentials: dict[str, str]) -> dict[str, str]:
    response = Client(auth_url).post(TOKEN, credentials, cookies={})
    assert response.status == HTTPStatus.OK, response.body
    return response.json()


def wait_for_status(url: str, access: str, status: int, timeout: float = GIVE_UP_AFTER) -> float:
    """Asks ``GET /api/me/`` until it answers ``status``; the seconds that took (``timeout`` if never)."""
    client, started = Client(url), time.monotonic()
    while (elapsed := time.monotonic() - started) < timeout:
        if client.get(ME, headers=bearer(access), cookies={}).status == status:
            return time.monotonic() - started
        time.sleep(0.002)
    return elapsed


def measure(auth_url: str, other_url: str, samples: int) -> Delays:
    """``samples`` logouts on ``auth_url``, each timed until ``other_url`` rejects the session's access token."""
    credentials, delays = new_account(auth_url), Delays()
    for _ in range(samples):
        pair = token_pair(auth_url, credentials)
        accepted = Client(other_url).get(ME, headers=bearer(pair["access"]), cookies={})
        assert accepted.status == HTTPStatus.OK, accepted.body
        started = time.monotonic()
        response = Client(auth_url).post(BLACKLIST, {"refresh": pair["refresh"]}, cookies={})
        assert response.status == HTTPStatus.NO_CONTENT, response.body
        delays.seconds.append(time.monotonic() - started + wait_for_status(other_url, pair["access"], 401))
    return delays


def measure_user_changes(auth_url: str, other_url: str, samples: int, write: Callable[[str, str], None]) -> Delays:
    """``samples`` changes of a user's address made in the database, each timed until ``other_url`` shows it.

    ``write(username, email)`` changes it as someone at a database prompt
    would: no app code runs, nobody announces it; the trigger records it
    (accounts/revocation/triggers.py) and the other server's follower reads
    it. Before each change the other server has just answered ``/api/me/``
    for the user, so the user sits in its cache.
    """
    credentials, delays = new_account(auth_url), Delays()
    access = token_pair(auth_url, credentials)["access"]
    other = Client(other_url)
    for n in range(samples):
        assert other.get(ME, headers=bearer(access), cookies={}).status == HTTPStatus.OK
        email = f"{credentials['username']}-{n}@example.com"
        started = time.monotonic()
        write(credentials["username"], email)
        while (elapsed := time.monotonic() - started) < GIVE_UP_AFTER:
            if other.get(ME, headers=bearer(access), cookies={}).json()["email"] == email:
                break
            time.sleep(0.002)
        delays.seconds.append(elapsed)
    return delays


def sqlite_writer(path: Path) -> Callable[[str, str], None]:
    """``write`` for ``measure_user_changes`` on the SQLite database at ``path``."""

    def write(username: str, email: str) -> None:
        with closing(sqlite3.connect(path, timeout=20)) as database, database:
            database.execute("UPDATE accounts_user SET email = ? WHERE username = ?", [email, username])

    return write


def postgres_writer(database_url: str) -> Callable[[str, str], None]:
    """``write`` for ``measure_user_changes`` on the PostgreSQL database at ``database_url``."""
    import psycopg

    def write(username: str, email: str) -> None:
        with psycopg.connect(database_url, autocommit=True) as database:
            database.execute("UPDATE accounts_user SET email = %s WHERE username = %s", [email, username])

    return write


_template: Path | None = None


def migrated_sqlite(path: Path) -> str:
    """A new SQLite database at ``path``, migrated (a copy of one migrated per run); its URL."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="jwtsite-reach-"))
        template = folder / "template.sqlite3"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=REPO,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "jwtsite.settings", "DJANGO_DEBUG": "0"}
            | {"DJANGO_SECRET_KEY": "migrate-only", "DATABASE_URL": f"sqlite:///{template}"},
            check=True,
            timeout=120,
        )
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _template = template
    shutil.copyfile(_template, path)
    return f"sqlite:///{path}"


@dataclass
class PrivateRedis:
    """A redis-server of the test's own on a free loopback port, which the test may stop and start."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    try:
        yield server
    finally:
        server.stop()
