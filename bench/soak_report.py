"""The soak's section of bench/results.md: Locust's figures per operation, the budgets, RSS and rows.

bench/soak.py writes it after the marker (replacing the previous one); ``make bench``
(bench/results_file.py) keeps it when it rewrites the file.
"""

import json
from pathlib import Path

from harness.servers import REPO

RESULTS = REPO / "bench" / "results.md"
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
