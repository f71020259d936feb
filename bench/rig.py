"""What every benchmark of ``make bench`` runs on: wrk, throwaway databases, servers, rounds of runs.

``Bench`` starts gunicorn servers (the repo's gunicorn.conf.py, ``WORKERS``
workers), loads them with wrk (bench/lua/) and runs bench/in_process.py
commands; ``rounds`` takes the median of each figure over the runs, with
``alternating`` changing which variant goes first. The figures themselves are
measured in bench/figures.py.
"""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from harness.servers import Gunicorn, with_path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
WORK = BENCH / ".work"
LUA = BENCH / "lua"
RESULTS = BENCH / "results.md"
WORKERS = 2
CONNECTIONS = 16


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when it is missing and we may."""
    if path := shutil.which("wrk"):
        return path
    if shutil.which("apt-get") and os.geteuid() == 0:
        log("installing wrk (apt-get install wrk)")
        install = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, check=False, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=300", "update", "-qq"], check=False)
            subprocess.run(install, check=False)
    if path := shutil.which("wrk"):
        return path
    sys.exit("bench: wrk is not installed; install it (Debian/Ubuntu: apt-get install wrk) and run again.")


# Databases ------------------------------------------------------------------------


class Databases:
    """Throwaway databases, each a copy of one freshly migrated template."""

    def __init__(self, env: dict[str, str], postgres_url: str | None = None, prefix: str = "jwtsite_bench") -> None:
        self.env = env
        self.postgres_url = os.environ.get("BENCH_DATABASE_URL", "") if postgres_url is None else postgres_url
        self.prefix = prefix
        self.created: list[str] = []
        self.template = self._create_template()

    @property
    def vendor(self) -> str:
        return "postgresql" if self.postgres_url else "sqlite"

    def _migrate(self, url: str) -> None:
        env = {**self.env, "DATABASE_URL": url}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)

    def _admin(self, statement: str) -> None:
        import psycopg

        with closing(psycopg.connect(with_path(self.postgres_url, "/postgres"), autocommit=True)) as admin:
            admin.execute(statement)

    def _create_template(self) -> str:
        if self.postgres_url:
            template = f"{self.prefix}_template"
            self._admin(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
            self._admin(f"CREATE DATABASE {template}")
            self.created.append(template)
            url = with_path(self.postgres_url, f"/{template}")
        else:
            path = WORK / "template.sqlite3"
            url = f"sqlite:///{path}"
        self._migrate(url)
        return url

    def copy(self, name: str) -> str:
        """A new database ``name``, migrated (a copy of the template); its URL."""
        if self.postgres_url:
            database = f"{self.prefix}_{name}"
            self._admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            self._admin(f"CREATE DATABASE {database} TEMPLATE {self.prefix}_template")
            self.created.append(database)
            return with_path(self.postgres_url, f"/{database}")
        path = WORK / f"{name}.sqlite3"
        shutil.copyfile(WORK / "template.sqlite3", path)
        return f"sqlite:///{path}"

    def drop_all(self) -> None:
        for database in reversed(self.created):
            self._admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


# Running things ------------------------------------------------------------------------


@dataclass
class Bench:
    env: dict[str, str]
    wrk: str
    runs: int
    seconds: int
    results: dict = field(default_factory=dict)

    def task(self, database_url: str, *args: str, env: dict[str, str] | None = None) -> dict:
        """Runs one bench/in_process.py command on ``database_url`` (``env`` added); its JSON result."""
        env = {**self.env, **(env or {}), "DATABASE_URL": database_url}
        done = subprocess.run(
            [sys.executable, "-m", "bench.in_process", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"bench: in_process {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def server(self, database_url: str, name: str, env: dict[str, str] | None = None) -> Gunicorn:
        env = {**self.env, **(env or {}), "DATABASE_URL": database_url}
        return Gunicorn(env=env, log_path=WORK / f"gunicorn-{name}.log", workers=WORKERS)

    def load(
        self, url: str, script: str, threads: int, connections: int, seconds: float, timeout: int = 2, **env: str
    ) -> dict:
        """One wrk run (``timeout`` seconds per request); its summary (rps, p50_ms, p99_ms, non2xx, socket_errors)."""
        command = [self.wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s", "--latency"]
        command += ["-s", str(LUA / script)]
        run_env = {**os.environ, "BENCH_LUA_DIR": str(LUA), **env}
        done = subprocess.run(
            [*command, url], env=run_env, capture_output=True, text=True, timeout=seconds + 60, check=True
        )
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        if summary["non2xx"] or summary["socket_errors"] or not summary["requests"]:
            sys.exit(f"bench: wrk {url} had failures: {summary}\n{done.stdout}")
        return summary

    def refresh_load(self, url: str, tokens: list[str], label: str, seconds: float) -> dict:
        """wrk with one thread (and one connection) per session, each rotating its own token."""
        path = WORK / f"tokens-{label}.txt"
        path.write_text("\n".join(tokens) + "\n")
        count = len(tokens)
        # A refresh waits on the database's lock and commit: seconds when the machine is busy.
        return self.load(url, "refresh.lua", count, count, seconds, timeout=10, BENCH_TOKENS=str(path))


def median(values: list[float]) -> float:
    return statistics.median(values)


T = TypeVar("T")


def alternating(items: Iterable[T], index: int) -> list[T]:
    """``items`` in order in even rounds, reversed in odd ones: no figure gains from always going first."""
    ordered = list(items)
    return ordered if index % 2 == 0 else ordered[::-1]


def rounds(count: int, one_round: Callable[[int], dict[str, float]]) -> dict[str, float]:
    """Runs ``one_round`` ``count`` times; the median of each figure it returns."""
    collected: dict[str, list[float]] = {}
    for index in range(count):
        for key, value in one_round(index).items():
            collected.setdefault(key, []).append(value)
    return {key: median(values) for key, values in collected.items()}


def worker_rss_mb(server: Gunicorn) -> list[float]:
    sizes = []
    for pid in server.worker_pids():
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return sizes


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    return f"{os.getloadavg()[0]:.1f}"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
