"""Real server processes for multi-process tests: a throwaway PostgreSQL database,
gunicorn started from the repo's ``gunicorn.conf.py``, and a small stdlib HTTP client.

The servers never share the test process's database: each run creates its own
PostgreSQL database (``jwtsite_scaleout_<pid>``), migrates it and drops it after.
"""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
# The servers' own Redis database, flushed before use (E2E_REDIS_DB keeps parallel runs
# apart; pytest-xdist's second worker takes the next one).
SERVER_REDIS_DB = int(os.environ.get("E2E_REDIS_DB", "12")) + int(
    os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
)
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


# Backing services ----------------------------------------------------------------


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


# Servers -------------------------------------------------------------------------


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_secrets() -> dict[str, str]:
    """The keys every server of one deployment shares."""
    return {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "JWT_SIGNING_KEY": secrets.token_urlsafe(50)}


@dataclass
class Gunicorn:
    """One gunicorn server, started with the repo's ``gunicorn.conf.py``; a context manager.

    ``env`` adds to the test process's environment; a ``None`` value removes the variable.
    """

    env: dict[str, str | None]
    log_path: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 30.0) -> "Gunicorn":
        # pytest-django exports the test settings module; servers run the real settings. Each server's
        # tasks stay in its own database unless the test gives it a queue: a shared TASKS_URL (CI's
        # Redis pass) would let one server's worker take another's tasks.
        inherited = {
            name: value for name, value in os.environ.items() if name not in ("DJANGO_SETTINGS_MODULE", "TASKS_URL")
        }
        env = {
            **inherited,
            **self.env,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(self.workers),
        }
        env = {name: value for name, value in env.items() if value is not None}  # None: unset it
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py", "jwtsite.wsgi:application"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_until_healthy(wait)
        return self

    def wait_until_healthy(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if Client(self.url).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn not healthy after {wait} s:\n{self.log_tail()}")

    def stop(self, wait: float = 15.0) -> None:
        """Graceful stop (SIGTERM), then SIGKILL if the workers do not finish in ``wait`` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(wait)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def worker_pids(self) -> list[int]:
        """The web workers' process ids (gunicorn's children, less the task workers it supervises)."""
        return [pid for pid in self._children() if pid not in self.task_worker_pids()]

    def task_worker_pids(self) -> list[int]:
        """The task workers started beside the web workers (jobs/supervisor.py: ``manage.py jobs_worker``)."""
        return [pid for pid in self._children() if b"jobs_worker" in _cmdline(pid)]

    def _children(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""


# HTTP ------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class Client:
    """A stdlib HTTP client for one origin that keeps cookies like a browser.

    Cookies are kept per name only (paths are not matched: every cookie goes with
    every request), which is enough for tests that pick cookies on purpose.
    ``cookies`` may be shared between clients of different servers, as a browser
    shares them between ports of one host.
    """

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None, timeout: float = 15.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = cookies if cookies is not None else {}
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        csrf: bool = False,
    ) -> Response:
        """Sends one request; ``cookies`` replaces the jar for it; ``csrf`` adds ``X-CSRFToken``."""
        jar = self.cookies if cookies is None else cookies
        sent = {"Accept": "application/json", **(headers or {})}
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            sent["Content-Type"] = "application/json"
        if csrf:
            sent["X-CSRFToken"] = jar["csrftoken"]
        if jar:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        if cookies is None:
            self._store_cookies(response)
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> Response:
        return self.request("POST", path, data=data, **kwargs)

    def _store_cookies(self, response: Response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
