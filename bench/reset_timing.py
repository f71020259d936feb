"""``make bench-reset``: does the time of a password-reset answer tell a known address from an unknown one?

One gunicorn (the repo's gunicorn.conf.py, 2 workers) on a throwaway SQLite
database mails a real SMTP server on loopback (aiosmtpd), as production would
mail its relay. Requests for a known and an unknown address alternate on one
keep-alive connection, each waiting a pause after the last answer, so the mail a
known address triggers (built and sent by the task worker, beside the web
workers) has every chance to slow the next request down, as it would for an attacker
probing one address after another. Reports per-address medians, p90s, the
difference of medians with a bootstrap 95% interval, and a permutation test's
p-value; writes bench/results-reset-timing.md.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.servers import Client, Gunicorn  # noqa: E402
from harness.smtp import SmtpServer  # noqa: E402

WORK = REPO / "bench" / ".work"
RESULTS = REPO / "bench" / "results-reset-timing.md"
KNOWN, UNKNOWN = "known@example.com", "unknown@example.com"


def log(message: str) -> None:
    print(f"[bench-reset {time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare_database(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    create = (
        "from accounts.models import User;"
        f"User.objects.create_user(username='known', email={KNOWN!r}, password='x-long-passphrase-1')"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", create], cwd=REPO, env=env, check=True)


def timed_requests(url: str, count: int, pause: float) -> dict[str, list[float]]:
    client = Client(url)
    client.get("/api/auth/csrf/")
    csrf = client.cookies["csrftoken"]
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Content-Type": "application/json", "X-CSRFToken": csrf, "Cookie": f"csrftoken={csrf}"}
    timings: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    order = [KNOWN, UNKNOWN] * count
    random.Random(7).shuffle(order)  # no fixed rhythm for the workers to fall into
    for address in order:
        body = json.dumps({"email": address})
        start = time.perf_counter()
        connection.request("POST", "/api/auth/password/reset/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        if response.status != 202:
            sys.exit(f"bench-reset: {address} got {response.status}")
        timings[address].append(elapsed * 1000)
        time.sleep(pause)
    connection.close()
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bootstrap_interval(a: list[float], b: list[float], rounds: int = 2000) -> tuple[float, float]:
    rng = random.Random(11)
    differences = sorted(
        statistics.median(rng.choices(a, k=len(a))) - statistics.median(rng.choices(b, k=len(b))) for _ in range(rounds)
    )
    return differences[int(0.025 * rounds)], differences[int(0.975 * rounds)]


def permutation_p_value(a: list[float], b: list[float], rounds: int = 2000) -> float:
    """How often a random split of the pooled timings differs in median at least as much as the real one."""
    rng = random.Random(13)
    observed = abs(statistics.median(a) - statistics.median(b))
    pooled = a + b
    extreme = 0
    for _ in range(rounds):
        rng.shuffle(pooled)
        left, right = pooled[: len(a)], pooled[len(a) :]
        extreme += abs(statistics.median(left) - statistics.median(right)) >= observed
    return (extreme + 1) / (rounds + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="requests per address (default 500)")
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between requests (default 0.02)")
    args = parser.parse_args()

    shutil.rmtree(WORK / "reset-timing", ignore_errors=True)
    (WORK / "reset-timing").mkdir(parents=True)
    with SmtpServer() as smtp:
        env = {
            **{name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"},
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{WORK / 'reset-timing' / 'db.sqlite3'}",
            "EMAIL_URL": smtp.url,
            "DJANGO_LOG_LEVEL": "WARNING",
            "PASSWORD_RESET_RATE_EMAIL": "1000000/hour",
            "PASSWORD_RESET_RATE_IP": "1000000/hour",
        }
        prepare_database(env)
        with Gunicorn(env=env, log_path=WORK / "reset-timing" / "gunicorn.log", workers=2) as server:
            log(f"warming up, then {args.count} requests per address")
            timed_requests(server.url, 50, args.pause)
            smtp.inbox.messages.clear()
            timings = timed_requests(server.url, args.count, args.pause)
            time.sleep(2)
            mailed = len(smtp.inbox.messages)

    known, unknown = timings[KNOWN], timings[UNKNOWN]
    low, high = bootstrap_interval(known, unknown)
    p_value = permutation_p_value(known, unknown)
    rows = [
        ("requests per address", f"{args.count}", f"{args.count}"),
        ("median (ms)", f"{statistics.median(known):.3f}", f"{statistics.median(unknown):.3f}"),
        ("p90 (ms)", f"{percentile(known, 0.9):.3f}", f"{percentile(unknown, 0.9):.3f}"),
        ("mean (ms)", f"{statistics.fmean(known):.3f}", f"{statistics.fmean(unknown):.3f}"),
        ("mails sent", f"{mailed}", "0"),
    ]
    table = "\n".join(
        ["| | known address | unknown address |", "| --- | --- | --- |", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]
    )
    verdict = (
        f"Difference of medians (known - unknown): {statistics.median(known) - statistics.median(unknown):+.3f} ms, "
        f"bootstrap 95% interval [{low:+.3f}, {high:+.3f}] ms; permutation test p = {p_value:.3f}."
    )
    print(table, verdict, sep="\n\n")
    RESULTS.write_text(
        "# Password-reset timing: known vs unknown address\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-reset` "
        f"({args.count} requests per address, {args.pause * 1000:.0f} ms apart, gunicorn with 2 workers, SQLite, "
        f"a real SMTP server on loopback; load average {os.getloadavg()[0]:.2f}).\n\n"
        f"{table}\n\n{verdict}\n"
    )
    log(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
