"""``make bench``: jwtsite's benchmarks. Prints a table and writes bench/results.md.

Servers are gunicorn with the repo's gunicorn.conf.py (2 workers, loopback),
loaded by wrk (bench/lua/); in-process figures come from bench/in_process.py.
Every figure is the median of ``--runs`` runs; every comparison is a ratio of
two figures measured in the same round, back to back. SQLite by default;
``BENCH_DATABASE_URL=postgres://user@host:port/x`` (and ``BENCH_CACHE_URL``)
run it on PostgreSQL (databases ``jwtsite_bench_*``, dropped afterwards).
``BENCH_SETTINGS_MODULE`` (default ``bench.settings``) measures a settings
change before making it. Working files go to bench/.work/.

Where things are: bench/rig.py (wrk, databases, servers, rounds), bench/figures.py
(how each figure is measured), bench/budgets.py (the table and its budgets),
bench/results_file.py (bench/results.md).
"""

import argparse
import os
import secrets
import shutil
import sys
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import pg_redis, revocation  # noqa: E402
from bench.budgets import verdict  # noqa: E402
from bench.figures import (  # noqa: E402
    bench_cleanup,
    bench_in_process,
    bench_instructions,
    bench_main_server,
    bench_table_size,
)
from bench.results_file import RESULTS, write_results  # noqa: E402
from bench.rig import WORK, Bench, Databases, ensure_wrk, load_average, log  # noqa: E402


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
