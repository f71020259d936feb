"""The revocation figures of ``make bench``: the view's memory, and revocation → rejection delays.

- Memory: ``bench/in_process.py revocation-memory`` loads 100,000 live
  revocations from the table into a process's view, as its follower does, and
  measures what the view keeps (tracemalloc): once as session revocations,
  once as user floors.
- Delays: e2e/test_revocation_reach.py with ``REVOCATION_SAMPLES`` logouts per
  topology (200 by default), each timed until another process rejects the
  session's access token; it writes its figures to a JSON file read back here.
  The PostgreSQL + Redis topology needs both (``DATABASE_URL``/``CACHE_URL``
  or 127.0.0.1); without them it is reported as not measured.
"""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# As e2e/test_revocation_reach.py names them.
TOPOLOGIES = (
    "same SQLite, no Redis (poll)",
    "PostgreSQL + Redis (announced)",
    "own database, HTTP feed",
    "same SQLite, Redis down (poll fallback)",
    "user changed in the database, same SQLite (poll)",
    "user changed in the database, PostgreSQL + Redis (not announced)",
)


def memory(bench, databases, count: int) -> dict:
    return {
        "sessions": bench.task(databases.copy("revocations-sessions"), "revocation-memory", "--count", str(count)),
        "users": bench.task(
            databases.copy("revocations-users"), "revocation-memory", "--count", str(count), "--users", str(count)
        ),
    }


def reach(samples: int, work: Path, log) -> dict:
    report = work / "reach.json"
    log(f"revocation reach: {samples} logouts per topology (e2e/test_revocation_reach.py)")
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    env |= {"REVOCATION_SAMPLES": str(samples), "REVOCATION_REPORT": str(report)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "e2e/test_revocation_reach.py", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if not report.exists():
        sys.exit(f"bench: the revocation reach run wrote no figures:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
    figures = json.loads(report.read_text())
    figures["pytest"] = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else f"exit {done.returncode}"
    return figures


def report_rows(memory: dict, reach: dict, verdict: Callable[[bool], str]) -> list[tuple[str, str, str, str]]:
    """The rows of bench/results.md's table for ``memory`` and ``reach``."""
    rows = []
    for kind in ("sessions", "users"):
        figures = memory[kind]
        rows.append(
            (
                f"revocation view with {figures['revocations']:,} live revocations ({kind}): memory kept, "
                "peak while loading, load time",
                f"{figures['view_mb']:.1f} MB, {figures['peak_while_loading_mb']:.1f} MB, "
                f"{figures['load_seconds']:.1f} s",
                "≤ 30 MB",
                verdict(figures["view_mb"] <= 30),
            )
        )
    rows.append(("revocation check (two dict look-ups)", f"{memory['sessions']['check_ns']} ns", "", ""))
    for topology in TOPOLOGIES:
        figures = reach.get(topology)
        if figures is None:
            rows.append((f"reach, {topology}", "not measured", "p99 ≤ 1 s", "**FAIL**"))
            continue
        kind = "change → `/api/me/` shows it" if topology.startswith("user changed") else "revocation → rejection"
        rows.append(
            (
                f"{kind}, {topology}: p50 / p99 / max over {figures['samples']}",
                f"{figures['p50_ms']:.0f} / {figures['p99_ms']:.0f} / {figures['max_ms']:.0f} ms",
                "p99 ≤ 1 s",
                verdict(figures["p99_ms"] <= 1000),
            )
        )
    outage = reach.get("feed outage -> /healthz degraded")
    rows.append(
        (
            "feed outage → `/healthz` degraded (verifying-only server)",
            f"{outage['seconds']:.1f} s" if outage else "not measured",
            "≤ 10 s",
            verdict(bool(outage) and outage["seconds"] <= 10),
        )
    )
    return rows
