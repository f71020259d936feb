"""``make soak``: mixed traffic at 64 connections for about 10 minutes against ``make serve``
on PostgreSQL + Redis, to prove that nothing leaks. Not part of CI.

It creates a throwaway PostgreSQL database (``jwtsite_soak_<pid>``, dropped
afterwards), empties its own Redis database (``--cache-url``, only that one),
starts ``make serve`` on a free loopback port, and runs Locust
(bench/locustfile.py, from the bench virtualenv ``bench/.venv``) with 64
users and no think time. It reports the error rate (budget 0), p50/p99 per
operation, each worker's RSS at boot, after the warm-up and at the end
(budget: growth < 10 MB per worker after the warm-up), and the database rows
at the end against the sessions alive (with harness/consistency.py's check and
``cleanup_sessions``), then writes its section of bench/results.md.

    make soak                                   # 10 minutes
    make soak SOAK_ARGS="--duration 60"         # a smoke run
"""

import argparse
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness import consistency  # noqa: E402
from harness.servers import Client, free_port, with_path  # noqa: E402

BENCH = REPO / "bench"
WORK = BENCH / ".work"
RESULTS = BENCH / "results.md"
LOCUST = BENCH / ".venv" / "bin" / "locust"
SECTION_MARKER = "<!-- soak: this section is written by bench/soak.py -->"
EXPECTED = {
    "csrf": 204,
    "register": 201,
    "login": 200,
    "refresh": 200,
    "me": 200,
    "posts": 200,
    "publish": 201,
    "delete": 204,
}


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def admin(url: str, statement: str) -> None:
    import psycopg

    with closing(psycopg.connect(with_path(url, "/postgres"), autocommit=True)) as connection:
        connection.execute(statement)


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def machine_state() -> dict:
    """Load average and the busiest processes (``ps``), to say what else was running."""
    top = subprocess.run(
        ["ps", "-eo", "pcpu,rss,etimes,comm", "--sort=-pcpu"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[:9]
    return {"loadavg": Path("/proc/loadavg").read_text().split()[:3], "top": top}


class Server:
    """``make serve`` on a free port; its gunicorn master and workers found through /proc."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.env = {**env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log_path, "wb") as output:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "serve"], cwd=REPO, env=self.env, stdout=output, stderr=output
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"soak: make serve exited with {self.process.returncode}; see {self.log_path}")
            try:
                if Client(self.url).get("/healthz").status == 200 and len(self.workers()) >= self.expected_workers:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        sys.exit(f"soak: make serve did not become healthy; see {self.log_path}")

    @property
    def expected_workers(self) -> int:
        return int(self.env.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)

    def master(self) -> int:
        (master,) = children(self.process.pid)  # make execs gunicorn in its recipe's shell
        return master

    def workers(self) -> list[int]:
        masters = children(self.process.pid)
        return sorted(children(masters[0])) if masters else []

    def rss(self, samples: int = 1) -> dict[int, float]:
        """Each worker's RSS; with ``samples``, its lowest over that many readings 0.5 s apart.

        A worker hashing a password (Argon2, 100 MB for a fraction of a
        second) is caught at its peak otherwise; the lowest reading is what it
        keeps.
        """
        readings = []
        for sample in range(samples):
            if sample:
                time.sleep(0.5)
            readings.append({pid: rss_mb(pid) for pid in self.workers()})
        return {pid: min(reading[pid] for reading in readings) for pid in readings[0]}

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.master(), signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def percentile(response_times: dict[int, int], count: int, percent: float) -> float:
    """Locust's own percentile over its histogram of rounded response times (ms)."""
    wanted, seen = int(count * percent), 0
    for response_time in sorted(response_times, reverse=True):
        seen += response_times[response_time]
        if count - seen <= wanted:
            return response_time
    return 0


def locust_stats(path: Path, duration: float) -> dict[str, dict]:
    """Per operation and ``Aggregated``: requests, failures, req/s, p50 and p99 (from Locust's final JSON)."""
    entries = json.loads(path.read_text())
    merged = {"name": "Aggregated", "num_requests": 0, "num_failures": 0, "response_times": {}}
    for entry in entries:
        merged["num_requests"] += entry["num_requests"]
        merged["num_failures"] += entry["num_failures"]
        for response_time, count in entry["response_times"].items():
            merged["response_times"][response_time] = merged["response_times"].get(response_time, 0) + count
    stats = {}
    for entry in [*entries, merged]:
        times = {float(k): v for k, v in entry["response_times"].items()}
        count = sum(times.values())
        stats[entry["name"]] = {
            "requests": entry["num_requests"],
            "failures": entry["num_failures"],
            "rps": entry["num_requests"] / duration,
            "p50_ms": percentile(times, count, 0.50),
            "p99_ms": percentile(times, count, 0.99),
        }
    return stats


def run(args: argparse.Namespace) -> dict:
    WORK.mkdir(exist_ok=True)
    database = f"jwtsite_soak_{os.getpid()}"
    database_url = with_path(args.database_url, f"/{database}")
    admin(args.database_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    admin(args.database_url, f"CREATE DATABASE {database}")
    import redis

    with closing(redis.Redis.from_url(args.cache_url)) as cache:
        cache.flushdb()  # the soak's own database number, nothing else

    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "CACHE_URL": args.cache_url,
        "JWT_COOKIE_SECURE": "0",  # plain http on loopback
        # Every simulated user signs in from 127.0.0.1, about 7 times a minute.
        "LOGIN_RATE_IP": "1000000/min",
        "LOGIN_RATE_USERNAME": "60/min",
        "REGISTER_RATE_IP": "1000000/hour",
    }
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    server = Server(env, WORK / "soak-server.log")
    before = machine_state()
    started = time.monotonic()
    try:
        log(f"make serve on {server.url}, database {database}, cache {args.cache_url}")
        server.start()
        rss = {"boot": server.rss()}
        prefix = WORK / "soak"
        command = [str(LOCUST), "-f", str(BENCH / "locustfile.py"), "--headless", "--only-summary"]
        command += ["-u", str(args.users), "-r", str(args.users), "-t", f"{args.duration}s", "--host", server.url]
        command += [
            "--json-file",
            str(prefix),  # Locust adds ".json"
            "--exit-code-on-error",
            "0",
            "--stop-timeout",
            "10",
        ]
        log(f"locust: {args.users} users for {args.duration} s")
        with open(WORK / "soak-locust.log", "wb") as output:
            locust = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT)
        warm_at = time.monotonic() + args.warmup
        trajectory = []
        while locust.poll() is None:
            time.sleep(5)
            now = time.monotonic()
            if "warm" not in rss and now >= warm_at:
                rss["warm"] = server.rss(samples=10)
            if not trajectory or now - trajectory[-1][0] >= 60:
                trajectory.append((now, server.rss(samples=10)))
        if locust.returncode != 0:
            sys.exit(f"soak: locust exited with {locust.returncode}; see {WORK / 'soak-locust.log'}")
        rss["end"] = server.rss()
        rows = consistency.check(database_url)
        cleanup = subprocess.run(
            [sys.executable, "manage.py", "cleanup_sessions"],
            cwd=REPO,
            env={**env, "DJANGO_DEBUG": "0"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        rows_after_cleanup = consistency.check(database_url)
        after = machine_state()
    finally:
        server.stop()
        admin(args.database_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    stats = locust_stats(Path(f"{prefix}.json"), args.duration)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.processor() or platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "users": args.users,
        "workers": len(rss["boot"]),
        "wall_s": round(time.monotonic() - started),
        "stats": stats,
        "rss_mb": {phase: list(values.values()) for phase, values in rss.items()},
        "worker_pids_stable": set(rss["boot"]) == set(rss["end"]),
        "rss_trajectory_mb": [[round(at - started), list(values.values())] for at, values in trajectory],
        "rows": rows.counts,
        "violations": rows.violations,
        "cleanup_sessions": cleanup,
        "rows_after_cleanup": rows_after_cleanup.counts,
        "machine_before": before,
        "machine_after": after,
    }


def fmt_ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def section(result: dict) -> str:
    stats = result["stats"]
    total = stats["Aggregated"]
    ok = {name: stats[name]["requests"] - stats[name]["failures"] for name in stats}
    expected_tokens = ok.get("register", 0) + ok.get("login", 0) + ok.get("refresh", 0)
    boot, warm, end = (result["rss_mb"][phase] for phase in ("boot", "warm", "end"))
    growth_warm = [e - w for w, e in zip(warm, end, strict=True)]
    growth_boot = [e - b for b, e in zip(boot, end, strict=True)]
    rows = result["rows"]
    lines = [
        SECTION_MARKER,
        "## Soak",
        "",
        f"Produced by `make soak` (bench/soak.py) on {result['date']}, {result['machine']}: "
        f"`make serve` ({result['workers']} gunicorn sync workers, debug off, access and audit logs on) on PostgreSQL "
        f"and Redis, loaded by Locust (bench/locustfile.py) with {result['users']} users and no think time for "
        f"{result['duration_s']} s (whole run {result['wall_s']} s). Mix per 100 requests: 1 login, 10 refreshes, "
        "45 `GET /api/me/`, 41 `GET /api/posts/`, 2 publishes, 1 delete. Load generator, server, PostgreSQL and "
        "Redis share the machine's cores.",
        "",
        "| operation | requests | errors | req/s | p50 | p99 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in [*EXPECTED, "Aggregated"]:
        if name in stats:
            s = stats[name]
            lines.append(
                f"| {name} | {s['requests']:,} | {s['failures']} | {s['rps']:,.1f} | {fmt_ms(s['p50_ms'])} "
                f"| {fmt_ms(s['p99_ms'])} |"
            )
    error_rate = total["failures"] / max(total["requests"], 1)
    lines += [
        "",
        "| figure | measured | budget | |",
        "| --- | --- | --- | --- |",
        f"| error rate | {error_rate:.4%} ({total['failures']} of {total['requests']:,}) | 0 | "
        f"{'pass' if total['failures'] == 0 else 'FAIL'} |",
        f"| worker RSS at boot / after {result['warmup_s']}-s warm-up / end (MB) | "
        f"{', '.join(f'{v:.0f}' for v in boot)} / {', '.join(f'{v:.0f}' for v in warm)} / "
        f"{', '.join(f'{v:.0f}' for v in end)} |  |  |",
        f"| worker RSS growth, warm-up to end (max) | {max(growth_warm):+.1f} MB | < 10 MB | "
        f"{'pass' if max(growth_warm) < 10 else 'FAIL'} |",
        f"| worker RSS growth, boot to end (max) | {max(growth_boot):+.1f} MB |  |  |",
        f"| same worker processes at start and end | {'yes' if result['worker_pids_stable'] else 'no'} |  |  |",
        f"| sessions: rows / live / revoked | {rows['sessions']:,} / {rows['live sessions']:,} / "
        f"{rows['revoked sessions']:,} |  |  |",
        f"| refresh-token rows / answered registrations + logins + refreshes | {rows['refresh tokens']:,} / "
        f"{expected_tokens:,} | equal | {'pass' if rows['refresh tokens'] == expected_tokens else 'FAIL'} |",
        f"| live refresh tokens / live sessions | {rows['live refresh tokens']:,} / {rows['live sessions']:,} | "
        f"equal | {'pass' if rows['live refresh tokens'] == rows['live sessions'] else 'FAIL'} |",
        f"| blacklisted tokens (every rotated-away or revoked one) | {rows['blacklisted tokens']:,} |  |  |",
        f"| consistency violations (harness/consistency.py) | {sum(result['violations'].values())} | 0 | "
        f"{'pass' if not any(result['violations'].values()) else 'FAIL'} |",
        f"| `cleanup_sessions` at the end | {result['cleanup_sessions'] or '(no output)'} |  |  |",
        "",
        "Worker RSS is VmRSS from /proc, per worker (after the warm-up and every minute, the lowest of 10 "
        "readings 0.5 s apart: a worker hashing a password holds Argon2's 100 MB for a moment); the warm-up is "
        f"the first {result['warmup_s']} s of load. Rows are counted right after the load in one snapshot; "
        "nothing has expired yet, so `cleanup_sessions` has nothing to delete, and every token row is accounted "
        "for: the first of each session (registration or login), one per successful refresh. Counts of "
        "requests come from Locust's final JSON (`--json-file`), written after every user has stopped.",
        "",
        f"Machine before: load average {' '.join(result['machine_before']['loadavg'])}; after: "
        f"{' '.join(result['machine_after']['loadavg'])}. Busiest processes at the end (`ps`, CPU averaged over "
        "each process's life):",
        "",
        "```",
        *result["machine_after"]["top"],
        "```",
        "",
        "Raw figures (JSON):",
        "",
        "```json",
        json.dumps({k: v for k, v in result.items() if not k.startswith("machine_")}, indent=1),
        "```",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    previous = RESULTS.read_text() if RESULTS.exists() else ""
    if SECTION_MARKER in previous:
        previous = previous[: previous.index(SECTION_MARKER)]
    RESULTS.write_text(previous.rstrip("\n") + "\n\n" + text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=600, help="seconds of load (default 600)")
    parser.add_argument("--users", type=int, default=64, help="concurrent simulated users (connections)")
    parser.add_argument("--warmup", type=int, default=60, help="seconds of load before the warm RSS reading")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: make serve's)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server to create the throwaway database on",
    )
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("SOAK_CACHE_URL", "redis://127.0.0.1:6379/9"),
        help="the soak's own Redis database (emptied first)",
    )
    args = parser.parse_args()
    if not LOCUST.exists():
        sys.exit("soak: Locust is missing; run it through `make soak`, which installs bench/requirements.txt")
    result = run(args)
    text = section(result)
    write_section(text)
    print(text.split("Raw figures")[0])
    log(f"written to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
