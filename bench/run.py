"""``make bench``: jwtsite's benchmarks. Prints a table and writes bench/results.md.

Servers are gunicorn with the repo's gunicorn.conf.py (2 workers, loopback),
loaded by wrk (bench/lua/); in-process figures come from bench/in_process.py.
Every figure is the median of ``--runs`` runs; every comparison is a ratio of
two figures measured in the same round, back to back. SQLite by default;
``BENCH_DATABASE_URL=postgres://user@host:port/x`` (and ``BENCH_CACHE_URL``)
run it on PostgreSQL (databases ``jwtsite_bench_*``, dropped afterwards).
``BENCH_SETTINGS_MODULE`` (default ``bench.settings``) measures a settings
change before making it. Working files go to bench/.work/.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import peer_comparison, pg_redis, revocation  # noqa: E402
from harness.servers import Client, Gunicorn, with_path  # noqa: E402

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


# The benchmarks ------------------------------------------------------------------------


def me_variants(setup: dict) -> dict[str, tuple[str, dict[str, str]]]:
    """The ceiling and ``/api/me/`` by cookie and by Bearer: name → (path, wrk environment)."""
    return {
        "ceiling": ("/api/bench/ceiling/", {}),
        "cookie": (
            "/api/me/",
            {"BENCH_HEADER_NAME": "Cookie", "BENCH_HEADER_VALUE": "access_token=" + setup["cookie_access"]},
        ),
        "bearer": (
            "/api/me/",
            {"BENCH_HEADER_NAME": "Authorization", "BENCH_HEADER_VALUE": "Bearer " + setup["bearer_access"]},
        ),
    }


def me_rounds(bench: Bench, base: str, setup: dict) -> dict[str, float]:
    """``/api/me/`` (cookie, Bearer) against the ceiling, the three loaded back to back in every round."""
    variants = me_variants(setup)
    log(f"GET /api/me/: {bench.runs} rounds x {len(variants)} variants x {bench.seconds} s, {CONNECTIONS} connections")
    for path, env in variants.values():  # warm-up: imports, connections, caches
        bench.load(base + path, "get.lua", 2, CONNECTIONS, 2, **env)

    def me_round(index: int) -> dict[str, float]:
        figures = {}
        for name, (path, env) in alternating(variants.items(), index):
            summary = bench.load(base + path, "get.lua", 2, CONNECTIONS, bench.seconds, **env)
            figures |= {f"{name}_{key}": summary[key] for key in ("rps", "p50_ms", "p99_ms")}
        figures["cookie_ratio"] = figures["cookie_rps"] / figures["ceiling_rps"]
        figures["bearer_ratio"] = figures["bearer_rps"] / figures["ceiling_rps"]
        figures["cookie_p99_over_p50"] = figures["cookie_p99_ms"] / figures["cookie_p50_ms"]
        return figures

    return rounds(bench.runs, me_round)


def refresh_rounds(bench: Bench, base: str, ours: Iterator[str], stock: Iterator[str]) -> dict[str, float]:
    """Refresh rotation, ours against stock simplejwt's, one session at a time and ``CONNECTIONS`` at once."""
    log(f"refresh: {bench.runs} rounds x (ours, stock) x (1, {CONNECTIONS} sessions) x {bench.seconds} s")
    ours_url, stock_url = base + "/api/token/refresh/", base + "/bench/stock/token/refresh/"
    bench.refresh_load(ours_url, [next(ours) for _ in range(CONNECTIONS + 1)], "warm-ours", 1)
    bench.refresh_load(stock_url, [next(stock) for _ in range(CONNECTIONS + 1)], "warm-stock", 1)

    def refresh_round(index: int) -> dict[str, float]:
        figures = {}
        sides = alternating((("ours", ours_url, ours), ("stock", stock_url, stock)), index)
        for label, target, source in sides:
            figures[f"{label}_seq"] = bench.refresh_load(target, [next(source)], f"{label}-seq", bench.seconds)["rps"]
        for label, target, source in sides:
            tokens = [next(source) for _ in range(CONNECTIONS)]
            figures[f"{label}_concurrent"] = bench.refresh_load(target, tokens, f"{label}-conc", bench.seconds)["rps"]
        figures["seq_ratio"] = figures["ours_seq"] / figures["stock_seq"]
        figures["concurrent_ratio"] = figures["ours_concurrent"] / figures["stock_concurrent"]
        return figures

    return rounds(bench.runs, refresh_round)


def bench_main_server(bench: Bench, url: str, *, ratios_only: bool = False) -> None:
    """/api/me/ against the ceiling and the peers, refresh against stock simplejwt, logins; worker RSS after."""
    runs = bench.runs
    setup = bench.task(url, "setup", "--streams", str(CONNECTIONS), "--tokens", str((runs + 1) * (CONNECTIONS + 1)))
    ours, stock = iter(setup["ours"]), iter(setup["stock"])
    with bench.server(url, "main") as server:
        base = server.url
        me = Client(base).get("/api/me/", headers={"Authorization": f"Bearer {setup['bearer_access']}"})
        ceiling = Client(base).get("/api/bench/ceiling/")
        assert me.status == ceiling.status == 200, (me.body, ceiling.body)
        assert me.json() == ceiling.json(), (me.body, ceiling.body)
        bench.results["body_bytes"] = {"me": len(me.body), "ceiling": len(ceiling.body)}
        bench.results["me"] = me_rounds(bench, base, setup)
        bench.results["peers"] = peer_comparison.side_by_side(
            bench, base, setup["cookie_access"], WORK, WORKERS, CONNECTIONS, log
        )
        if ratios_only:
            return
        bench.results["refresh"] = refresh_rounds(bench, base, ours, stock)

        log("login over HTTP (POST /api/token/, sequential)")
        client, credentials = Client(base), {"username": "bench-user", "password": "bench-password-long-and-unusual"}
        login_ms = []
        for _ in range(10):
            start = time.perf_counter()
            response = client.post("/api/token/", credentials, cookies={})
            login_ms.append((time.perf_counter() - start) * 1000)
            assert response.status == 200, response.body
        bench.results["http_login_ms"] = median(login_ms)
        bench.results["worker_rss_mb"] = worker_rss_mb(server)


def bench_instructions(bench: Bench, url: str, requests: int) -> dict:
    """CPU instructions per request (callgrind): the ceiling, cookie and Bearer ``/api/me/``; ``{}`` without valgrind.

    Wall-clock figures move with whatever else runs on the machine; an
    instruction count does not. Each kind runs in a process of its own under
    callgrind, and a run with no request is subtracted.
    """
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        log("valgrind is not installed: no instruction counts")
        return {}
    log(f"instructions per request (callgrind): {requests} requests of each kind")
    # The view synced once and trusted for the whole run: its follower's reads must not be counted.
    # One hash seed for every run: the same dict layouts, so that the runs differ only in their requests.
    env = {
        **bench.env,
        "DATABASE_URL": url,
        "REVOCATION_POLL_INTERVAL": "3600",
        "REVOCATION_STALE_AFTER": "7200",
        "PYTHONHASHSEED": "0",
    }

    def collected(variant: str, count: int) -> int:
        command = [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m"]
        done = subprocess.run(
            [*command, "bench.in_process", "instructions", "--variant", variant, "--requests", str(count)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=True,
        )
        line = next(line for line in done.stderr.splitlines() if "Collected :" in line)
        return int(line.rsplit(":", 1)[1].strip())

    base = collected("ceiling", 0)
    figures = {name: (collected(name, requests) - base) / requests for name in ("ceiling", "cookie", "bearer")}
    figures["cookie_ratio"] = figures["ceiling"] / figures["cookie"]
    figures["bearer_ratio"] = figures["ceiling"] / figures["bearer"]
    return figures


def bench_in_process(bench: Bench, url: str) -> None:
    log("statements per request, logout-all with 1,000 sessions, login breakdown")
    bench.results["queries"] = bench.task(url, "queries", "--sessions", "1000", "--repeat", str(bench.runs))
    bench.results["login"] = bench.task(url, "login", "--repeat", "10")


def bench_table_size(bench: Bench, small_url: str, big_url: str, rows: int) -> None:
    """Sequential refresh with few and with many rows in the token tables: two servers, alternated."""
    log(f"bulk-loading {rows:,} outstanding tokens (+ sessions and blacklist rows)")
    live = str(bench.runs + 1)
    small = bench.task(small_url, "bulk-load", "--rows", str(rows // 1000), "--live", live)
    big = bench.task(big_url, "bulk-load", "--rows", str(rows), "--live", live)
    bench.results["table_rows"] = {
        size: data["outstanding"] + data["blacklisted"] + data["sessions"]
        for size, data in (("small", small), ("big", big))
    }
    bench.results["bulk_load_seconds"] = big["seconds"]
    log(f"refresh at {bench.results['table_rows']['small']:,} vs {bench.results['table_rows']['big']:,} rows")
    with bench.server(small_url, "small") as small_server, bench.server(big_url, "big") as big_server:
        targets = {
            "small": (small_server.url + "/api/token/refresh/", iter(small["ours"])),
            "big": (big_server.url + "/api/token/refresh/", iter(big["ours"])),
        }
        for name, (target, tokens) in targets.items():
            bench.refresh_load(target, [next(tokens)], f"warm-{name}", 1)

        def size_round(index: int) -> dict[str, float]:
            figures = {
                name: bench.refresh_load(target, [next(tokens)], name, bench.seconds)["rps"]
                for name, (target, tokens) in alternating(targets.items(), index)
            }
            figures["slowdown"] = figures["small"] / figures["big"]
            return figures

        bench.results["table_size"] = rounds(bench.runs, size_round)


def bench_cleanup(bench: Bench, big_url: str) -> None:
    log("cleanup_sessions over the bulk-loaded expired rows")
    bench.results["cleanup"] = bench.task(big_url, "cleanup")


# Report ------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def report_rows(results: dict, vendor: str) -> list[tuple[str, str, str, str]]:
    me, refresh, queries = results["me"], results["refresh"], results["queries"]
    size, cleanup, login = results["table_size"], results["cleanup"], results["login"]
    rss = max(results["worker_rss_mb"])
    rows = [
        (
            "`GET /api/bench/ceiling/` (no auth, same body size): req/s, p50, p99",
            f"{me['ceiling_rps']:,.0f}/s, {me['ceiling_p50_ms']:.1f} ms, {me['ceiling_p99_ms']:.1f} ms",
            "",
            "",
        ),
        (
            "`GET /api/me/` cookie: req/s, p50, p99",
            f"{me['cookie_rps']:,.0f}/s, {me['cookie_p50_ms']:.1f} ms, {me['cookie_p99_ms']:.1f} ms",
            "",
            "",
        ),
        (
            "`GET /api/me/` Bearer: req/s, p50, p99",
            f"{me['bearer_rps']:,.0f}/s, {me['bearer_p50_ms']:.1f} ms, {me['bearer_p99_ms']:.1f} ms",
            "",
            "",
        ),
        ("cookie / ceiling throughput", f"{me['cookie_ratio']:.2f}", "≥ 0.85", verdict(me["cookie_ratio"] >= 0.85)),
        ("Bearer / ceiling throughput", f"{me['bearer_ratio']:.2f}", "≥ 0.85", verdict(me["bearer_ratio"] >= 0.85)),
        (
            f"cookie p99 / p50 at {CONNECTIONS} connections",
            f"{me['cookie_p99_over_p50']:.2f}",
            "≤ 3",
            verdict(me["cookie_p99_over_p50"] <= 3),
        ),
        (
            "statements: authenticated request (cookie / Bearer; a process's first request for the user)",
            f"{queries['me_cookie']} / {queries['me_bearer']} ({queries['me_first']})",
            "0",
            verdict(max(queries["me_cookie"], queries["me_bearer"]) == 0),
        ),
        (
            "statements: refresh (ours / stock simplejwt)",
            f"{queries['refresh_ours']} / {queries['refresh_stock']}",
            "≤ 8",
            verdict(queries["refresh_ours"] <= 8),
        ),
        ("refresh/s sequential: ours / stock", f"{refresh['ours_seq']:,.0f} / {refresh['stock_seq']:,.0f}", "", ""),
        (
            "refresh sequential, ours ÷ stock",
            f"{refresh['seq_ratio']:.2f}x",
            "≥ 1.5x (SQLite)" if vendor == "sqlite" else "(SQLite budget)",
            verdict(refresh["seq_ratio"] >= 1.5) if vendor == "sqlite" else "",
        ),
        (
            f"refresh/s, {CONNECTIONS} concurrent sessions: ours / stock",
            f"{refresh['ours_concurrent']:,.0f} / {refresh['stock_concurrent']:,.0f} "
            f"({refresh['concurrent_ratio']:.2f}x)",
            "",
            "",
        ),
        (
            f"refresh/s sequential at {results['table_rows']['small']:,} / {results['table_rows']['big']:,} "
            "token-table rows",
            f"{size['small']:,.0f} / {size['big']:,.0f}",
            "",
            "",
        ),
        ("refresh time at 1M rows ÷ at 1k rows", f"{size['slowdown']:.2f}", "≤ 1.2", verdict(size["slowdown"] <= 1.2)),
        (
            f"logout-all, {queries['logout_all_sessions']:,} sessions: statements, time (whole request)",
            f"{queries['logout_all_queries']}, {queries['logout_all_ms']:.1f} ms",
            "≤ 8 statements",
            verdict(queries["logout_all_queries"] <= 8),
        ),
        (
            f"login ({login['hasher']}): whole request / check_password alone / session creation",
            f"{login['login_ms']:.0f} / {login['check_password_ms']:.0f} / {login['session_create_ms']:.1f} ms "
            f"(hasher {100 * login['check_password_ms'] / login['login_ms']:.0f}%)",
            "",
            "",
        ),
        ("login over HTTP on gunicorn (`POST /api/token/`)", f"{results['http_login_ms']:.0f} ms", "", ""),
        (f"cleanup_sessions of {cleanup['expired_rows']:,} expired rows: time", f"{cleanup['seconds']:.0f} s", "", ""),
        (
            "cleanup_sessions: peak RSS growth",
            f"{cleanup['rss_growth_mb']:.1f} MB (baseline {cleanup['baseline_rss_mb']:.0f} MB)",
            "< 100 MB",
            verdict(cleanup["rss_growth_mb"] < 100),
        ),
        ("gunicorn worker RSS after the load (max of 2)", f"{rss:.0f} MB", "≤ 120 MB", verdict(rss <= 120)),
        user_cache_row(results["user_cache"], verdict),
        *instruction_rows(results["instructions"], verdict),
        *peer_comparison.report_rows(results["peers"], verdict),
        *pg_redis.report_rows(results["pg_redis"], verdict),
        *revocation.report_rows(results["revocation_memory"], results["reach"], verdict),
    ]
    return rows


def instruction_rows(figures: dict, verdict: Callable[[bool], str]) -> list[tuple[str, str, str, str]]:
    if not figures:
        return [("CPU instructions per request (callgrind)", "not measured (no valgrind)", "", "")]
    return [
        (
            "CPU instructions per request (callgrind, in-process): ceiling / cookie `/api/me/` / Bearer",
            f"{figures['ceiling'] / 1e6:.2f} M / {figures['cookie'] / 1e6:.2f} M / {figures['bearer'] / 1e6:.2f} M",
            "",
            "",
        ),
        (
            "ceiling ÷ cookie, ceiling ÷ Bearer, in instructions (no neighbour changes it; one run each)",
            f"{figures['cookie_ratio']:.2f}, {figures['bearer_ratio']:.2f}",
            "",
            "",
        ),
    ]


def user_cache_row(figures: dict, verdict: Callable[[bool], str]) -> tuple[str, str, str, str]:
    return (
        f"a process with {figures['users']:,} users in its user cache: RSS before → after (growth); "
        "the cache itself, per user; a hit",
        f"{figures['rss_before_mb']:.0f} → {figures['rss_after_mb']:.0f} MB (+{figures['rss_growth_mb']:.0f} MB); "
        f"{figures['cache_mb']:.0f} MB, {figures['bytes_per_user']} B; {figures['hit_us']:.1f} µs",
        "≤ 60 MB growth",
        verdict(figures["rss_growth_mb"] <= 60),
    )


# The figures the issue names, compared with the previous run's (bench/results.md's raw JSON).
SPREAD_FIGURES = {
    "cookie / ceiling": ("me", "cookie_ratio"),
    "Bearer / ceiling": ("me", "bearer_ratio"),
    "instructions: ceiling ÷ cookie": ("instructions", "cookie_ratio"),
    "instructions: ceiling ÷ Bearer": ("instructions", "bearer_ratio"),
    "side by side: jwtsite cookie / jwtsite bare": ("peers", "jwtsite cookie / jwtsite bare"),
    "jwtsite cookie ÷ dj-rest-auth cookie (ours database settings)": (
        "peers",
        "jwtsite cookie / dj-rest-auth cookie[ours]",
    ),
    "jwtsite cookie ÷ dj-rest-auth cookie (theirs database settings)": (
        "peers",
        "jwtsite cookie / dj-rest-auth cookie[theirs]",
    ),
    "PostgreSQL + Redis: cookie / ceiling": ("pg_redis", "me", "cookie_ratio"),
    "PostgreSQL + Redis: refresh sequential, ours ÷ stock": ("pg_redis", "refresh", "seq_ratio"),
    "PostgreSQL + Redis: refresh 16 sessions, ours ÷ stock": ("pg_redis", "refresh", "concurrent_ratio"),
    "PostgreSQL + Redis: logins, ours ÷ stock": ("pg_redis", "login", "ratio"),
    "RSS growth with 100,000 cached users (MB)": ("user_cache", "rss_growth_mb"),
}


def figure(results: dict, path: tuple[str, ...]) -> float | None:
    for key in path:
        if not isinstance(results, dict) or key not in results:
            return None
        results = results[key]
    return results if isinstance(results, int | float) else None


def previous_results() -> dict:
    """The raw figures of the run before this one (bench/results.md's JSON), or ``{}``."""
    if not RESULTS.exists():
        return {}
    text = RESULTS.read_text()
    start, end = text.find("```json\n"), text.find("\n```", text.find("```json\n") + 1)
    try:
        return json.loads(text[start + len("```json\n") : end]) if start >= 0 else {}
    except ValueError:
        return {}


def spread_table(results: dict, previous: dict) -> str:
    """This run's key figures next to the previous run's, and the spread between the two."""
    lines = ["| figure | this run | previous run | spread |", "| --- | --- | --- | --- |"]
    for name, path in SPREAD_FIGURES.items():
        now, before = figure(results, path), figure(previous, path)
        if now is None:
            continue
        if before is None:
            lines.append(f"| {name} | {now:.2f} | (none) | |")
        else:
            lines.append(f"| {name} | {now:.2f} | {before:.2f} | {min(now, before):.2f} to {max(now, before):.2f} |")
    return "\n".join(lines)


def markdown_table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| figure | measured | budget | |", "| --- | --- | --- | --- |"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


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


def write_results(results: dict, vendor: str, args: argparse.Namespace, elapsed: float) -> str:
    table = markdown_table(report_rows(results, vendor))
    spread = spread_table(results, previous_results())
    wrk_banner = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout
    wrk_version = wrk_banner.split(" Copyright")[0]
    text = f"""# Benchmark results

Produced by `make bench` (bench/run.py) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}
(load average {results["load_average"]["start"]} at the start, {results["load_average"]["end"]} at the end);
database {vendor}, gunicorn with {WORKERS} sync workers on loopback, load from {wrk_version.strip() or "wrk"}.
Each figure is the median of {args.runs} runs of {args.seconds} s; each ratio is taken within one round
(the two figures measured back to back, which one first alternating between rounds) and the
median of those is shown. Load generator and
server share the machine's cores. Logging is as in production (audit lines on, level INFO),
except gunicorn's access log. The whole run took {elapsed / 60:.1f} minutes.

{table}

The figures the issue names, this run next to the previous one (the raw JSON of the
bench/results.md this run replaced), and the spread of the two:

{spread}

How each figure is measured:

- **`/api/me/`**: wrk, 2 threads, {CONNECTIONS} connections, the access token in the `access_token`
  cookie or in `Authorization: Bearer`; the ceiling is `bench/views.py`'s `CeilingView`, the same
  DRF view class and a body of the same size ({results["body_bytes"]["ceiling"]} vs {results["body_bytes"]["me"]} bytes)
  without authentication.
- **Refresh**: wrk with one thread and one connection per session, each presenting its latest
  refresh token to `POST /api/token/refresh/` (ours) or to simplejwt's own `TokenRefreshView`
  with `ROTATE_REFRESH_TOKENS` and `BLACKLIST_AFTER_ROTATION` (stock, mounted at
  `/bench/stock/token/refresh/` by `bench/urls.py`). Statements are counted with Django's
  `CaptureQueriesContext` around a whole request through Django's test client.
- **Table size**: two servers, one on a database with ~1k rows in the token tables
  (outstanding tokens, blacklist, sessions), one with ~1M rows
  ({results["table_rows"]["big"]:,}, bulk-loaded by INSERT ... SELECT), loaded alternately.
- **Logout-all**: `POST /api/auth/logout-all/` for a user with 1,000 live sessions.
- **Login**: `POST /api/auth/login/` through Django's test client, next to one `check_password`
  and to `services.session_create` alone.
- **Cleanup**: `manage.py cleanup_sessions` (in-process `call_command`) over the bulk-loaded
  expired rows; peak RSS (VmHWM, reset before the call) minus RSS before it.
- **Worker RSS**: VmRSS of each gunicorn worker after all of the load above.
- **Peers** (bench/peer_comparison.py): dj-rest-auth's cookie mode (`/dj-rest-auth/user/` with its
  access cookie), plain simplejwt (`JWTAuthentication`, Bearer) and a bare DRF view, from a
  virtualenv of their own (bench/.venv-peers), on gunicorn with {WORKERS} workers, each with
  Django's default database settings ("theirs") and with jwtsite's ("ours"); every variant,
  jwtsite's bare view and cookie `/api/me/` included, is loaded in every round.
- **Revocation view memory**: 100,000 live revocations bulk-inserted, read into a view the way
  a process's follower reads them; tracemalloc of what the view keeps and of the peak while reading.
- **Revocation reach**: e2e/test_revocation_reach.py with `REVOCATION_SAMPLES` logouts per
  topology; each delay runs from sending the logout to the auth server until the other process
  (one gunicorn worker, the token already in its verified-token cache) first answers 401.
  "User changed in the database": the same number of changes of a user's address written
  straight into the database (no app code, nothing announced: the trigger records it), each
  timed until the other process's `/api/me/` (the user in its cache) shows the new address.
- **Instructions** (callgrind): `bench/in_process.py instructions` serves N requests of one kind
  through Django's WSGI handler in one process under `valgrind --tool=callgrind` (after 20 that
  put the user and the token in its caches); a run with none is subtracted and the rest divided
  by N. It counts what the Python process executes for a request (no socket, no gunicorn), and no
  other work on the machine changes it.
- **User cache memory**: `bench/in_process.py user-cache-memory`: that many users bulk-created, then
  each loaded the way an authenticated request loads it (`users_cache.request_user`, a miss
  that keeps the row) with `USER_CACHE_SIZE` at that count; VmRSS of the process before and
  after, tracemalloc of what the cache keeps, and the time of a hit (a new `User` each time).
- **PostgreSQL + Redis** (bench/pg_redis.py): a gunicorn (2 workers) on a throwaway PostgreSQL
  database with Redis as `CACHE_URL`: `/api/me/` against the ceiling as above; refresh against
  stock simplejwt as above; logins, `POST /api/token/` against simplejwt's `TokenObtainPairView`
  (`/bench/stock/token/`), {pg_redis.LOGIN_CONNECTIONS} wrk threads each signing in as its own
  user again and again, alternating which goes first.
- **Statements**: Django's `CaptureQueriesContext` around a whole request through Django's test
  client; an authenticated request once the process has seen the user (its first request for the
  user reads the row once: shown in brackets).

Raw figures (JSON):

```json
{json.dumps(results, indent=1, sort_keys=True)}
```
"""
    RESULTS.write_text(text + soak_section())
    return table


def soak_section() -> str:
    """The soak's section of results.md (bench/soak.py writes it), kept across benchmark runs."""
    from bench.soak import SECTION_MARKER

    previous = RESULTS.read_text() if RESULTS.exists() else ""
    return "\n" + previous[previous.index(SECTION_MARKER) :] if SECTION_MARKER in previous else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rows", type=int, default=500_000, help="outstanding tokens in the big table (x2 rows)")
    parser.add_argument("--reach-samples", type=int, default=200, help="logouts per topology, revocation reach")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 run of 2 s, 20,000 rows, 20 logouts")
    parser.add_argument(
        "--ratios",
        action="store_true",
        help="the acceptance check alone: /api/me/ against the ceiling and the peers, side by side; "
        "exits 1 when a ratio misses its budget (writes nothing)",
    )
    parser.add_argument("--cached-users", type=int, default=100_000, help="users in the user-cache memory figure")
    parser.add_argument("--instruction-requests", type=int, default=500, help="requests per callgrind count")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.seconds, args.rows, args.reach_samples, args.cached_users = 1, 2, 20_000, 20, 20_000
        args.instruction_requests = 50
    started = time.monotonic()
    load_at_start = load_average()
    wrk = ensure_wrk()
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "static").mkdir(parents=True)
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "JWT_"))},
        # Another module (importing bench.settings) tries a settings change out.
        "DJANGO_SETTINGS_MODULE": os.environ.get("BENCH_SETTINGS_MODULE", "bench.settings"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # As in production: every login and refresh writes its audit line (to the server's log file).
        "DJANGO_LOG_LEVEL": "INFO",
        "JWT_COOKIE_SECURE": "0",
        "ACCESS_TOKEN_LIFETIME": "3600",
        "LOGIN_RATE_USERNAME": "1000000/min",
        "LOGIN_RATE_IP": "1000000/min",
        # The default of make serve: the embedded shared cache (two workers may not count limits apart).
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", ""),
        "GUNICORN_ACCESS_LOG": "off",
    }
    bench = Bench(env=env, wrk=wrk, runs=args.runs, seconds=args.seconds)
    with ExitStack() as cleanup:
        databases = Databases(env)
        cleanup.callback(databases.drop_all if databases.vendor == "postgresql" else lambda: None)
        log(f"database: {databases.vendor}")
        main_url = databases.copy("main")
        bench_main_server(bench, main_url, ratios_only=args.ratios)
        if args.ratios:
            sys.exit(acceptance(bench.results))
        bench_in_process(bench, main_url)
        bench.results["instructions"] = bench_instructions(bench, main_url, args.instruction_requests)
        log(f"user cache memory with {args.cached_users:,} users")
        bench.results["user_cache"] = bench.task(
            databases.copy("users-cache"), "user-cache-memory", "--count", str(args.cached_users)
        )
        small_url, big_url = databases.copy("small"), databases.copy("big")
        bench_table_size(bench, small_url, big_url, args.rows)
        bench_cleanup(bench, big_url)
        log("revocation view memory with 100,000 live revocations")
        bench.results["revocation_memory"] = revocation.memory(bench, databases, 100_000)
    bench.results["pg_redis"] = pg_redis.bench_postgres_redis(bench, log)
    bench.results["reach"] = revocation.reach(args.reach_samples, WORK, log)
    bench.results["load_average"] = {"start": load_at_start, "end": load_average()}
    table = write_results(bench.results, databases.vendor, args, time.monotonic() - started)
    print()
    print(table)
    print(f"\nwritten to {RESULTS.relative_to(REPO)} in {(time.monotonic() - started) / 60:.1f} minutes")


def acceptance(results: dict) -> int:
    """``--ratios``: prints the side-by-side ratios and their budgets; 1 if one misses."""
    me, peer = results["me"], results["peers"]
    checks = [
        ("cookie /api/me/ ÷ bare view (own rounds)", me["cookie_ratio"], 0.85),
        ("Bearer /api/me/ ÷ bare view (own rounds)", me["bearer_ratio"], 0.85),
        ("cookie /api/me/ ÷ bare view (peer rounds)", peer["jwtsite cookie / jwtsite bare"], 0.85),
        (
            "jwtsite cookie ÷ dj-rest-auth cookie (ours database settings)",
            peer["jwtsite cookie / dj-rest-auth cookie[ours]"],
            2.0,
        ),
    ]
    print()
    for name, value, budget in checks:
        print(f"{name}: {value:.2f} (budget ≥ {budget:.2f}) {verdict(value >= budget)}")
    print(f"load average {load_average()} at the end")
    return 0 if all(value >= budget for _, value, budget in checks) else 1


if __name__ == "__main__":
    main()
