"""Real server processes for multi-process tests: gunicorn started from the repo's ``gunicorn.conf.py``.

The HTTP client (``harness.client``) and the shared PostgreSQL and Redis
(``harness.shared_services``: URLs, throwaway databases) are importable from
here too, as the tests and the bench have always imported them.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from harness import REPO
from harness.client import Client, Response
from harness.shared_services import (
    DEFAULT_POSTGRES_URL,
    DEFAULT_REDIS_URL,
    SERVER_REDIS_DB,
    flush_redis_db,
    postgres_admin_url,
    redis_url,
    require_services,
    services_unreachable,
    throwaway_database,
    with_path,
)

__all__ = [
    "DEFAULT_POSTGRES_URL",
    "DEFAULT_REDIS_URL",
    "GUNICORN",
    "REPO",
    "SERVER_REDIS_DB",
    "Client",
    "Gunicorn",
    "Response",
    "flush_redis_db",
    "free_port",
    "postgres_admin_url",
    "redis_url",
    "require_services",
    "services_unreachable",
    "shared_secrets",
    "throwaway_database",
    "with_path",
]

GUNICORN = Path(sys.executable).with_name("gunicorn")


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
                if self.healthy():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn not healthy at {self.url} after {wait} s:\n{self.log_tail()}")

    def healthy(self) -> bool:
        """Whether ``/healthz`` answers 200 (an ``OSError`` while it cannot be reached)."""
        return Client(self.url).get("/healthz").status == 200

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
