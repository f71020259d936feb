"""``make bench-mail``: what the mail queue costs a password-reset request, and how soon the mail arrives.

Three servers, one after the other, each gunicorn (the repo's gunicorn.conf.py,
2 workers) on a fresh SQLite database, mailing a real SMTP server on loopback
(aiosmtpd, in this process, timing each arrival):

- **thread pool**: the code before the queue (``BENCH_MAIL_BASELINE``, default
  the merge base with ``main``), checked out in a temporary git worktree: the
  mail built and sent after the answer on a per-process thread pool, no row.
- **queue, database**: this code, the default backend (the task row in SQLite,
  the embedded task worker).
- **queue, Redis**: this code with ``TASKS_URL`` on a private ``redis-server`` (RQ).

For each: reset requests per second for one known address (wrk, 2 threads, 8
connections, ``--seconds``), then, once the mail of that load has drained, the
time from a request to its mail at the SMTP server for ``--samples`` requests
one at a time (each to its own address), p50 and p99. Writes bench/results-mail.md.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.servers import Client, Gunicorn, shared_secrets  # noqa: E402
from harness.services import PrivateRedis  # noqa: E402
from harness.smtp import Inbox, SmtpServer  # noqa: E402

WORK = REPO / "bench" / ".work" / "mail"
LUA = REPO / "bench" / "lua"
RESULTS = REPO / "bench" / "results-mail.md"
KNOWN = "known@example.com"
GENEROUS = "1000000/min"


def log(message: str) -> None:
    print(f"[bench-mail {time.strftime('%H:%M:%S')}] {message}", flush=True)


class TimedInbox(Inbox):
    """Keeps when each mail arrived (``time.monotonic``), by recipient."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}

    async def handle_DATA(self, server, session, envelope):
        for recipient in envelope.rcpt_tos:
            self.arrived.setdefault(recipient, time.monotonic())
        self.messages.append(None)  # counted, not kept: thousands arrive under load
        return "250 OK"


def prepare_database(code: Path, env: dict[str, str], samples: int) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=code, env=env, check=True)
    create = (
        "from django.contrib.auth.hashers import make_password;"
        "from accounts.models import User;"
        "password = make_password('x-long-passphrase-1');"
        f"User.objects.create(username='known', email={KNOWN!r}, password=password);"
        f"[User.objects.create(username=f'late{{n}}', email=f'late{{n}}@example.com', password=password)"
        f" for n in range({samples})]"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", create], cwd=code, env=env, check=True)


def gunicorn(code: Path, env: dict[str, str], log_path: Path) -> Gunicorn:
    server = Gunicorn(env=env, log_path=log_path, workers=2)
    if code != REPO:  # the baseline's own checkout, with its own gunicorn.conf.py
        import harness.servers as servers

        servers.REPO, saved = code, servers.REPO
        try:
            return server.start(wait=60)
        finally:
            servers.REPO = saved
    return server.start(wait=60)


def wait_for_drain(inbox: TimedInbox, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return len(inbox.messages)


class Variant:
    """One server under test: its SMTP server, its gunicorn, its database, what was measured."""

    def __init__(self, name: str, code: Path, extra_env: dict[str, str | None], samples: int) -> None:
        self.name, self.code = name, code
        self.inbox = TimedInbox()
        self.smtp = SmtpServer(self.inbox).start()
        self.work = Path(tempfile.mkdtemp(prefix="bench-mail-"))
        env = {
            **shared_secrets(),
            "DJANGO_SETTINGS_MODULE": "jwtsite.settings",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{self.work / 'db.sqlite3'}",
            "EMAIL_URL": self.smtp.url,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "JWT_COOKIE_SECURE": "0",
            "PASSWORD_RESET_RATE_EMAIL": GENEROUS,
            "PASSWORD_RESET_RATE_IP": GENEROUS,
            "GUNICORN_ACCESS_LOG": "off",
            "CACHE_URL": None,
            **extra_env,
        }
        run_env = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
        for name_ in [k for k, v in env.items() if v is None]:
            run_env.pop(name_, None)
        prepare_database(code, run_env, samples)
        self.server = gunicorn(code, env, WORK / f"gunicorn-{name}.log")
        self.client = Client(self.server.url)
        self.client.get("/api/auth/csrf/")
        self.loads: list[dict] = []
        self.requests = 0
        self.drains: list[float] = []
        self.latencies: list[float] = []

    def load(self, seconds: int) -> None:
        command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout=5s", "--latency", "-s", str(LUA / "reset.lua")]
        csrf = self.client.cookies["csrftoken"]
        done = subprocess.run(
            [*command, self.server.url],
            env={**os.environ, "BENCH_LUA_DIR": str(LUA), "BENCH_CSRF": csrf, "BENCH_EMAIL": KNOWN},
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        self.loads.append(result)
        self.requests += result["requests"]
        started = time.monotonic()
        arrived = wait_for_drain(self.inbox, self.requests, timeout=240)
        self.drains.append(time.monotonic() - started)
        log(
            f"{self.name}: {result['rps']:.0f} requests/s, p99 {result['p99_ms']:.0f} ms; mail drained in "
            f"{self.drains[-1]:.1f} s ({arrived} of {self.requests})"
        )

    def sample(self, number: int) -> None:
        address = f"late{number}@example.com"
        asked = time.monotonic()
        response = self.client.post("/api/auth/password/reset/", {"email": address}, csrf=True)
        assert response.status == 202, response.body
        deadline = asked + 30
        while address not in self.inbox.arrived and time.monotonic() < deadline:
            time.sleep(0.002)
        if address not in self.inbox.arrived:
            sys.exit(f"bench-mail: {self.name}: no mail to {address} within 30 s")
        self.latencies.append((self.inbox.arrived[address] - asked) * 1000)

    def close(self) -> None:
        self.server.stop()
        self.smtp.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def summary(self) -> dict:
        by_rps = sorted(self.loads, key=lambda load: load["rps"])
        median = by_rps[len(by_rps) // 2]
        latencies = sorted(self.latencies)
        return {
            "rounds_rps": [round(load["rps"], 1) for load in self.loads],
            "rps": median["rps"],
            "p50_ms": median["p50_ms"],
            "p99_ms": median["p99_ms"],
            "requests": self.requests,
            "mails_arrived": len(self.inbox.messages),
            "drain_seconds": round(statistics.median(self.drains), 1),
            "mail_p50_ms": round(latencies[len(latencies) // 2], 1),
            "mail_p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
            "mail_max_ms": round(latencies[-1], 1),
        }


def baseline_checkout(commit: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="bench-mail-baseline-")) / "code"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), commit], check=True, capture_output=True
    )
    return path


def write_results(results: dict, args, commit: str) -> None:
    rows = "\n".join(
        f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
        f"| {', '.join(f'{rps:.0f}' for rps in r['rounds_rps'])} | {r['drain_seconds']:.1f} s "
        f"| {r['mail_p50_ms']:.0f} | {r['mail_p99_ms']:.0f} |"
        for name, r in results.items()
    )
    RESULTS.write_text(
        f"""# Mail: the queue against the thread pool

`make bench-mail` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, shared with other work):
three servers side by side, each gunicorn with 2 sync workers on its own SQLite database and its
own SMTP server on loopback. **Requests**: wrk, 2 threads, 8 connections, {args.seconds} s of
`POST /api/auth/password/reset/` for one known address (every request promises a mail), {args.rounds}
rounds, the servers in a different order each round, each load's mail drained before the next
load; the table gives the median round (its requests/s and latency) and every round's requests/s.
**Mail latency**: {args.samples} requests one at a time per server (each to its own address, the
servers in turn, {args.pause} s apart): from sending the request to the mail's arrival at the SMTP
server. The thread pool is the code at `{commit[:10]}` (before the queue): the mail built and sent
after the answer on a 2-thread pool per web worker, no row written. The task workers run at
`TASKS_NICE=10` (the default).

| server | resets/s | p50 ms | p99 ms | resets/s, each round | drain | mail p50 ms | mail p99 ms |
| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |
{rows}

"Drain" is how long after the load the last of its mail reached the SMTP server (median of the
rounds). With {args.samples} samples, p99 is the slowest but one or so. Raw figures:

```json
{json.dumps(results, indent=1)}
```
"""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--pause", type=float, default=0.1)
    parser.add_argument("--baseline", default=os.environ.get("BENCH_MAIL_BASELINE", ""))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench-mail: wrk is not installed (apt-get install wrk)")
    WORK.mkdir(parents=True, exist_ok=True)
    commit = (
        args.baseline
        or subprocess.run(
            ["git", "-C", str(REPO), "merge-base", "HEAD", "main"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    baseline = baseline_checkout(commit)
    variants: list[Variant] = []
    try:
        with PrivateRedis() as redis:
            log("starting the three servers")
            variants = [
                Variant("thread pool (before the queue)", baseline, {"TASKS_URL": None}, args.samples),
                Variant("queue, database backend", REPO, {"TASKS_URL": None}, args.samples),
                Variant("queue, Redis (RQ)", REPO, {"TASKS_URL": redis.url(1)}, args.samples),
            ]
            # Rounds alternate the servers (each round in another order), so a machine busier at one
            # moment than another weighs on all three alike; each load's mail drains before the next.
            for round_number in range(args.rounds):
                shift = round_number % len(variants)
                for variant in variants[shift:] + variants[:shift]:
                    variant.load(args.seconds)
            log(f"{args.samples} single requests to mail, each server in turn")
            for number in range(args.samples):
                for variant in variants:
                    variant.sample(number)
                    time.sleep(args.pause)
            results = {variant.name: variant.summary() for variant in variants}
    finally:
        for variant in variants:
            variant.close()
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(baseline)], check=False)
    write_results(results, args, commit)
    log(f"wrote {RESULTS.relative_to(REPO)}")
    for name, result in results.items():
        log(f"{name}: {json.dumps(result)}")


if __name__ == "__main__":
    main()
