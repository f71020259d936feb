"""How each figure of ``make bench`` is measured: the servers under wrk, callgrind, the in-process commands.

Each ``bench_*`` function records its figures in ``bench.results``; bench/run.py
calls them in turn, bench/budgets.py and bench/results_file.py report them.
"""

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

from bench import peer_comparison
from bench.rig import (
    CONNECTIONS,
    REPO,
    WORK,
    WORKERS,
    Bench,
    alternating,
    log,
    median,
    rounds,
    worker_rss_mb,
)
from harness.servers import Client


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
