"""The results table of ``make bench``: each figure, its budget, and whether it is met."""

from collections.abc import Callable

from bench import peer_comparison, pg_redis, revocation
from bench.rig import CONNECTIONS


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


def markdown_table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| figure | measured | budget | |", "| --- | --- | --- | --- |"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)
