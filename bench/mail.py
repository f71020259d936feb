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
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from e2e.servers import Client, Gunicorn, shared_secrets  # noqa: E402
from e2e.services import PrivateRedis  # noqa: E402
from e2e.smtp import Inbox, SmtpServer  # noqa: E402

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
        import e2e.servers as servers

        servers.REPO, saved = code, servers.REPO
        try:
            return server.start(wait=60)
        finally:
            servers.REPO = saved
    return server.start(wait=60)


def wait_for_drain(inbox: TimedInbox, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    return len(inbox.messages)


def measure(name: str, code: Path, extra_env: dict[str, str], args) -> dict:
    inbox = TimedInbox()
    work = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    with SmtpServer(inbox) as smtp:
        env = {
            **shared_secrets(),
            "DJANGO_SETTINGS_MODULE": "jwtsite.settings",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "EMAIL_URL": smtp.url,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "JWT_COOKIE_SECURE": "0",
            "PASSWORD_RESET_RATE_EMAIL": GENEROUS,
            "PASSWORD_RESET_RATE_IP": GENEROUS,
            "GUNICORN_ACCESS_LOG": "off",
            "CACHE_URL": "",
            **extra_env,
        }
        run_env = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
        run_env.pop("CACHE_URL", None)
        prepare_database(code, run_env, args.samples)
        server = gunicorn(code, {**env, "CACHE_URL": None}, WORK / f"gunicorn-{name}.log")
        try:
            client = Client(server.url)
            client.get("/api/auth/csrf/")
            csrf = client.cookies["csrftoken"]
            log(f"{name}: {args.seconds} s of reset requests")
            command = [
                "wrk",
                "-t2",
                "-c8",
                f"-d{args.seconds}s",
                "--timeout=5s",
                "--latency",
                "-s",
                str(LUA / "reset.lua"),
            ]
            done = subprocess.run(
                [*command, server.url],
                env={**os.environ, "BENCH_LUA_DIR": str(LUA), "BENCH_CSRF": csrf, "BENCH_EMAIL": KNOWN},
                capture_output=True,
                text=True,
                timeout=args.seconds + 60,
                check=True,
            )
            load = json.loads(done.stdout.strip().splitlines()[-1])
            requests = load["requests"]
            drained_at = time.monotonic()
            arrived = wait_for_drain(inbox, requests, timeout=args.drain)
            drain_seconds = time.monotonic() - drained_at
            log(
                f"{name}: {load['rps']:.0f} requests/s; {arrived} of {requests} mails arrived"
                f" ({drain_seconds:.0f} s drain)"
            )
            latencies = []
            for number in range(args.samples):
                address = f"late{number}@example.com"
                asked = time.monotonic()
                response = client.post("/api/auth/password/reset/", {"email": address}, csrf=True)
                assert response.status == 202, response.body
                deadline = asked + 30
                while address not in inbox.arrived and time.monotonic() < deadline:
                    time.sleep(0.005)
                if address not in inbox.arrived:
                    sys.exit(f"bench-mail: {name}: no mail to {address} within 30 s")
                latencies.append((inbox.arrived[address] - asked) * 1000)
                time.sleep(args.pause)
        finally:
            server.stop()
            shutil.rmtree(work, ignore_errors=True)
    latencies.sort()
    return {
        "rps": load["rps"],
        "p50_ms": load["p50_ms"],
        "p99_ms": load["p99_ms"],
        "requests": requests,
        "mails_arrived": arrived,
        "drain_seconds": round(drain_seconds, 1),
        "mail_p50_ms": latencies[len(latencies) // 2],
        "mail_p99_ms": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "mail_max_ms": latencies[-1],
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
        f"| {r['mails_arrived']:,} of {r['requests']:,} "
        f"({r['drain_seconds']:.0f} s after the load) | {r['mail_p50_ms']:.0f} | {r['mail_p99_ms']:.0f} |"
        for name, r in results.items()
    )
    RESULTS.write_text(
        f"""# Mail: the queue against the thread pool

`make bench-mail` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, shared with other work):
gunicorn with 2 sync workers on SQLite, a real SMTP server on loopback. **Requests**: wrk, 2
threads, 8 connections, {args.seconds} s of `POST /api/auth/password/reset/` for one known address
(every request promises a mail). **Mail latency**: {args.samples} requests one at a time (each to its
own address, {args.pause} s apart, after the load's mail has drained): from sending the request to
the mail's arrival at the SMTP server. The thread pool is the code at `{commit[:10]}` (before the
queue): the mail built and sent after the answer on a 2-thread pool per web worker, no row written.

| server | reset requests/s | p50 ms | p99 ms | mail of the load delivered | mail p50 ms | mail p99 ms |
| --- | ---: | ---: | ---: | --- | ---: | ---: |
{rows}

With {args.samples} samples, p99 is the slowest but one or so. Raw figures:

```json
{json.dumps(results, indent=1)}
```
"""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--pause", type=float, default=0.2)
    parser.add_argument("--drain", type=float, default=240)
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
    results = {}
    baseline = baseline_checkout(commit)
    try:
        results["thread pool (before the queue)"] = measure("thread-pool", baseline, {}, args)
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(baseline)], check=False)
    results["queue, database backend"] = measure("database", REPO, {"TASKS_URL": None}, args)
    with PrivateRedis() as redis:
        results["queue, Redis (RQ)"] = measure("redis", REPO, {"TASKS_URL": redis.url(1)}, args)
    write_results(results, args, commit)
    log(f"wrote {RESULTS.relative_to(REPO)}")
    for name, result in results.items():
        log(f"{name}: {json.dumps(result)}")


if __name__ == "__main__":
    main()
