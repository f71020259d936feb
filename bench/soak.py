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

The server under load and its RSS: bench/soak_server.py; the section it writes:
bench/soak_report.py.
"""

import argparse
import os
import platform
import secrets
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.soak_report import RESULTS, locust_stats, section, write_section  # noqa: E402
from bench.soak_server import Server, machine_state  # noqa: E402
from harness import consistency  # noqa: E402
from harness.servers import with_path  # noqa: E402

BENCH = REPO / "bench"
WORK = BENCH / ".work"
LOCUST = BENCH / ".venv" / "bin" / "locust"


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def admin(url: str, statement: str) -> None:
    import psycopg

    with closing(psycopg.connect(with_path(url, "/postgres"), autocommit=True)) as connection:
        connection.execute(statement)


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
