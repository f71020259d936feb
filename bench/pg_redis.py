"""``make bench`` on the production set-up: PostgreSQL + Redis, jwtsite against stock simplejwt.

On its own throwaway PostgreSQL databases (``<prefix>_*``, dropped afterwards)
and Redis (``CACHE_URL`` of the server: throttles, revocation announcements),
a gunicorn with the same two workers serves: ``/api/me/`` against the
ceiling, refresh rotation against simplejwt's ``TokenRefreshView`` (one
session, then ``CONNECTIONS`` at once), and logins (``POST /api/token/``)
against simplejwt's ``TokenObtainPairView``, each pair loaded back to back in
every round. Logins run one wrk thread per user, each signing in again and
again (both sides check the same Argon2 hash).

``BENCH_POSTGRES_URL`` (default: ``BENCH_DATABASE_URL`` when it is PostgreSQL,
else postgres://postgres@127.0.0.1:5432/postgres) and ``BENCH_REDIS_URL``
(default: ``BENCH_CACHE_URL`` when it is Redis, else redis://127.0.0.1:6379/11)
choose the servers; without them the section says "not measured".
"""

import os
from collections.abc import Callable

LOGIN_CONNECTIONS = 2  # logins are Argon2-bound: one per worker; more only queue
LOGIN_TIMEOUT = 30  # seconds: a sign-in takes about 150 ms alone, seconds on a busy machine
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"


def servers() -> tuple[str, str]:
    postgres = os.environ.get("BENCH_POSTGRES_URL", "")
    if not postgres:
        database_url = os.environ.get("BENCH_DATABASE_URL", "")
        postgres = database_url if database_url.startswith("postgres") else DEFAULT_POSTGRES
    redis = os.environ.get("BENCH_REDIS_URL", "")
    if not redis:
        cache_url = os.environ.get("BENCH_CACHE_URL", "")
        redis = cache_url if cache_url.startswith("redis") else DEFAULT_REDIS
    return postgres, redis


def unreachable(postgres: str, redis: str) -> str | None:
    """Why the section cannot run, or ``None``."""
    from contextlib import closing

    from harness.servers import with_path

    try:
        import psycopg

        with closing(psycopg.connect(with_path(postgres, "/postgres"), connect_timeout=3)):
            pass
        import redis as redis_client

        redis_client.Redis.from_url(redis, socket_connect_timeout=3).ping()
    except Exception as exc:  # any failure to reach them: the section is skipped, said so in the results
        return f"{type(exc).__name__}: {exc}"
    return None


def bench_postgres_redis(bench, log: Callable[[str], None]) -> dict:
    from bench.figures import me_rounds, refresh_rounds
    from bench.rig import CONNECTIONS, Databases, alternating, rounds

    postgres, redis = servers()
    if reason := unreachable(postgres, redis):
        log(f"PostgreSQL + Redis: not measured ({reason})")
        return {"not_measured": reason}
    log(f"PostgreSQL + Redis: {postgres.rsplit('@', 1)[-1]}, {redis.rsplit('@', 1)[-1]}")
    env = {"CACHE_URL": redis}
    # Its own database names (the PID): other runs on the same PostgreSQL server keep theirs.
    databases = Databases(bench.env, postgres_url=postgres, prefix=f"jwtsite_bench_pg{os.getpid()}")
    try:
        url = databases.copy("main")
        runs = bench.runs
        tokens = str((runs + 1) * (CONNECTIONS + 1))
        setup = bench.task(url, "setup", "--streams", str(CONNECTIONS), "--tokens", tokens, env=env)
        logins = bench.task(url, "login-users", "--count", str(LOGIN_CONNECTIONS), env=env)
        users_file = bench_work() / "login-users.txt"
        users_file.write_text("\n".join(logins["usernames"]) + "\n")
        results: dict = {}
        with bench.server(url, "pg-redis", env=env) as server:
            base = server.url
            results["me"] = me_rounds(bench, base, setup)
            results["refresh"] = refresh_rounds(bench, base, iter(setup["ours"]), iter(setup["stock"]))
            targets = {"ours": base + "/api/token/", "stock": base + "/bench/stock/token/"}
            login_env = {"BENCH_USERS": str(users_file), "BENCH_PASSWORD": logins["password"]}
            log(f"login: {runs} rounds x (ours, stock) x {LOGIN_CONNECTIONS} users at once x {bench.seconds} s")
            for target in targets.values():
                bench.load(
                    target, "login.lua", LOGIN_CONNECTIONS, LOGIN_CONNECTIONS, 2, timeout=LOGIN_TIMEOUT, **login_env
                )

            def login_round(index: int) -> dict[str, float]:
                figures = {}
                for label, target in alternating(targets.items(), index):
                    summary = bench.load(
                        target,
                        "login.lua",
                        LOGIN_CONNECTIONS,
                        LOGIN_CONNECTIONS,
                        bench.seconds,
                        timeout=LOGIN_TIMEOUT,
                        **login_env,
                    )
                    figures[f"{label}_rps"], figures[f"{label}_p50_ms"] = summary["rps"], summary["p50_ms"]
                figures["ratio"] = figures["ours_rps"] / figures["stock_rps"]
                return figures

            results["login"] = rounds(runs, login_round)
        return results
    finally:
        databases.drop_all()


def bench_work():
    from bench.rig import WORK

    return WORK


def report_rows(figures: dict, verdict: Callable[[bool], str]) -> list[tuple[str, str, str, str]]:
    """The rows of bench/results.md's table for ``bench_postgres_redis``'s figures."""
    if "not_measured" in figures:
        return [("PostgreSQL + Redis section", f"not measured: {figures['not_measured']}", "", "")]
    me, refresh, login = figures["me"], figures["refresh"], figures["login"]
    return [
        (
            "PostgreSQL + Redis: req/s ceiling / cookie `/api/me/` / Bearer",
            f"{me['ceiling_rps']:,.0f} / {me['cookie_rps']:,.0f} ({me['cookie_ratio']:.2f}) / "
            f"{me['bearer_rps']:,.0f} ({me['bearer_ratio']:.2f})",
            "≥ 0.85",
            verdict(min(me["cookie_ratio"], me["bearer_ratio"]) >= 0.85),
        ),
        (
            "PostgreSQL + Redis: refresh/s sequential, ours / stock simplejwt",
            f"{refresh['ours_seq']:,.0f} / {refresh['stock_seq']:,.0f} ({refresh['seq_ratio']:.2f}x)",
            "≥ 1.5x",
            verdict(refresh["seq_ratio"] >= 1.5),
        ),
        (
            "PostgreSQL + Redis: refresh/s, 16 concurrent sessions, ours / stock simplejwt",
            f"{refresh['ours_concurrent']:,.0f} / {refresh['stock_concurrent']:,.0f} "
            f"({refresh['concurrent_ratio']:.2f}x)",
            "≥ 1.5x",
            verdict(refresh["concurrent_ratio"] >= 1.5),
        ),
        (
            f"PostgreSQL + Redis: logins/s, {LOGIN_CONNECTIONS} users at once, ours / stock simplejwt (p50)",
            f"{login['ours_rps']:,.1f} / {login['stock_rps']:,.1f} ({login['ratio']:.2f}x; "
            f"{login['ours_p50_ms']:.0f} / {login['stock_p50_ms']:.0f} ms)",
            "",
            "",
        ),
    ]
