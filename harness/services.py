"""Private PostgreSQL and Redis servers that a test may stop, restart or freeze.

The machine's shared PostgreSQL and Redis are never touched: each private
server runs from a temporary directory on a free loopback port, and is
stopped and deleted when its context ends. PostgreSQL refuses to run as
root, so as root (CI) its commands run as the ``postgres`` user.

Missing binaries skip the tests that need them, or fail them under ``CI``.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import closing, suppress
from pathlib import Path

from harness.servers import REPO, free_port

POSTGRES_BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = os.environ.get("REDIS_SERVER", shutil.which("redis-server") or "/usr/bin/redis-server")
POSTGRES_USER = "postgres"


def unavailable(reason: str) -> None:
    """Skips the test locally; fails it under CI, where the fault tests must run."""
    import pytest

    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the fault-injection tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


def wait_for_port(port: int, timeout: float) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with closing(socket.create_connection(("127.0.0.1", port), timeout=0.5)):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class PrivateRedis:
    """A ``redis-server`` of our own on a free port: no persistence, stopped and started at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="jwtsite-redis-"))
        self.process: subprocess.Popen | None = None

    @staticmethod
    def missing() -> str | None:
        if not (os.path.isfile(REDIS_SERVER) and os.access(REDIS_SERVER, os.X_OK)):
            return f"no redis-server at {REDIS_SERVER} (apt-get install redis-server, or set REDIS_SERVER)"
        return None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "PrivateRedis":
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for_port(self.port, 10):
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}")
        return self

    def stop(self) -> None:
        """Kills the server at once (as a crash would); its data is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections but nothing answers (a hung server)."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> "PrivateRedis":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()


class PrivatePostgres:
    """A PostgreSQL 15 cluster of our own (``initdb`` in a temporary directory) on a free port.

    ``stop()`` and ``start()`` restart it on the same port with the same data,
    as an operator's restart or a failover would. ``template`` is a migrated
    database; ``create_database(name)`` copies it in a fraction of a second.
    """

    template = "jwtsite_template"

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="jwtsite-postgres-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "postgres.log"
        self.as_root = os.geteuid() == 0

    @staticmethod
    def missing() -> str | None:
        for binary in ("initdb", "pg_ctl", "postgres"):
            if not os.access(POSTGRES_BIN / binary, os.X_OK):
                return f"no {binary} in {POSTGRES_BIN} (apt-get install postgresql, or set POSTGRES_BIN)"
        if os.geteuid() == 0 and shutil.which("runuser") is None:
            return "running as root needs runuser to start PostgreSQL as the postgres user"
        return None

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", POSTGRES_USER, "--"] if self.as_root else []
        subprocess.run([*prefix, *command], check=True, timeout=timeout, capture_output=True)

    def init(self) -> "PrivatePostgres":
        self.socket_dir.mkdir(parents=True)
        if self.as_root:
            shutil.chown(self.root, POSTGRES_USER)
            shutil.chown(self.socket_dir, POSTGRES_USER)
        # -N: no fsync (throwaway data, faster); trust on loopback only, like the machine's own server.
        self._run(
            str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", POSTGRES_USER, "-A", "trust", "-N", "-E", "UTF8"
        )
        return self.start()

    def start(self, timeout: float = 30) -> "PrivatePostgres":
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += " -c full_page_writes=off -c synchronous_commit=off"
        self._run(
            str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start",
            timeout=timeout,
        )  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast``: a clean restart (sessions ended, transactions rolled back); ``immediate``: a crash."""
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def admin(self, statement: str, params: list | None = None) -> list[tuple]:
        import psycopg

        with closing(psycopg.connect(self.url(), autocommit=True, connect_timeout=5)) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def migrate_template(self) -> None:
        """Creates ``template`` and runs the project's migrations on it."""
        self.admin(f"CREATE DATABASE {self.template}")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=REPO,
            env={
                **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": "migrate-only",
                "DATABASE_URL": self.url(self.template),
            },
            check=True,
            timeout=120,
        )

    def create_database(self, name: str) -> str:
        """A fresh, migrated database ``name`` (a copy of ``template``); its URL."""
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.admin(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        return self.url(name)

    def close(self) -> None:
        if self.running():
            with suppress(subprocess.SubprocessError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "PrivatePostgres":
        return self.init()

    def __exit__(self, *exc_info) -> None:
        self.close()
