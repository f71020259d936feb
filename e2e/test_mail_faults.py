"""Mail under faults: nothing the site promised to send is lost, and nothing is sent twice.

Each test runs ``make serve``'s gunicorn (gunicorn.conf.py: web workers plus one
task worker) on a SQLite database of its own, with a real SMTP server on loopback
(aiosmtpd) that counts what it accepts, on both task backends: the database
(the default) and Redis (RQ on a private ``redis-server`` with ``appendonly yes``).
Every test is bounded (well under 90 s on the 2-core machine).
"""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.servers import REPO, Client, Gunicorn, shared_secrets
from harness.services import REDIS_SERVER, PrivateRedis, unavailable, wait_for_port
from harness.smtp import Inbox, SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "mail-faults"
GENEROUS = "100000/min"
PASSWORD = "a-long-unusual-passphrase"
RESET = "Reset your password"
VERIFY = "Verify your email address"
BACKENDS = ["database", "redis"]


class DurableRedis(PrivateRedis):
    """A private ``redis-server`` that keeps its data across a restart: append-only file, fsync on every write."""

    def start(self) -> "DurableRedis":
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "yes", "--appendfsync", "always"]
        command += ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for_port(self.port, 10):
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}")
        return self


class CountingInbox(Inbox):
    """An inbox that can make each acceptance slow, and run a hook on a message before accepting it."""

    def __init__(self, delay: float = 0.0, before_accepting=None) -> None:
        super().__init__()
        self.delay = delay
        self.before_accepting = before_accepting  # (number of the message) -> whether to refuse it

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.before_accepting is not None and self.before_accepting(len(self.messages) + 1):
            return "451 try again later"
        return await super().handle_DATA(server, session, envelope)

    def count(self, subject: str) -> Counter:
        return Counter(m["X-Envelope-To"] for m in self.messages if subject in m["Subject"])

    def wait_for_count(self, subject: str, total: int, timeout: float) -> Counter:
        deadline = time.monotonic() + timeout
        while sum(self.count(subject).values()) < total and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.count(subject)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied for each test."""
    path = tmp_path_factory.mktemp("mail-faults") / "template.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jwtsite.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "migrate-only",
            "DATABASE_URL": f"sqlite:///{path}",
        },
        check=True,
        timeout=120,
    )
    return path


@pytest.fixture(params=BACKENDS)
def backend(request) -> Iterator[DurableRedis | None]:
    """``None`` for the database backend; a durable private Redis for RQ."""
    if request.param == "database":
        yield None
        return
    if reason := PrivateRedis.missing():
        unavailable(reason)
    with DurableRedis() as redis:
        yield redis


@contextmanager
def serve(
    name: str, template: Path, tmp_path: Path, smtp: SmtpServer, redis: DurableRedis | None, **env
) -> Iterator[Gunicorn]:
    database = tmp_path / "db.sqlite3"
    shutil.copy(template, database)
    settings = {
        **shared_secrets(),
        "DJANGO_SETTINGS_MODULE": "jwtsite.settings",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{database}",
        "CACHE_URL": None,
        "TASKS_URL": redis.url(1) if redis else None,
        "EMAIL_URL": smtp.url,
        "EMAIL_TIMEOUT": "5",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JWT_COOKIE_SECURE": "0",
        "REGISTER_RATE_IP": GENEROUS,
        "PASSWORD_RESET_RATE_IP": GENEROUS,
        "PASSWORD_RESET_RATE_EMAIL": GENEROUS,
        "GUNICORN_ACCESS_LOG": "off",
        "TASKS_WORKERS": "1",
        **env,
    }
    backend_name = "redis" if redis else "database"
    with Gunicorn(env=settings, log_path=ARTIFACTS / f"{name}-{backend_name}.log", workers=2) as server:
        yield server


def register(server: Gunicorn, count: int, prefix: str) -> list[str]:
    addresses = []
    for number in range(count):
        client = Client(server.url)
        client.get("/api/auth/csrf/")
        address = f"{prefix}{number}@example.com"
        response = client.post(
            "/api/auth/register/", {"username": f"{prefix}{number}", "password": PASSWORD, "email": address}, csrf=True
        )
        assert response.status == 201, response.body
        addresses.append(address)
    return addresses


def request_reset(server: Gunicorn, address: str) -> None:
    client = Client(server.url)
    client.get("/api/auth/csrf/")
    response = client.post("/api/auth/password/reset/", {"email": address}, csrf=True)
    assert response.status == 202, response.body


def children(pid: int) -> list[int]:
    """Every child of ``pid``, whichever of its threads started it (the supervisor restarts from its own)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def task_worker_pid(server: Gunicorn) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for pid in children(server.process.pid):
            try:
                if b"jobs_worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return pid
            except OSError:
                continue
        time.sleep(0.1)
    raise AssertionError(f"no task worker among gunicorn's children:\n{server.log_tail()}")


def test_the_mail_server_down_at_a_reset_and_back_30_s_later_gets_the_mail_there_once(
    sqlite_template, tmp_path, backend
):
    inbox = CountingInbox()
    smtp = SmtpServer(inbox)  # not listening yet: the relay is down
    with serve("smtp-down", sqlite_template, tmp_path, smtp, backend) as server:
        (address,) = register(server, 1, "down")
        asked = time.monotonic()
        request_reset(server, address)
        time.sleep(max(0.0, 30 - (time.monotonic() - asked)))
        with smtp:  # back, 30 s after the request
            # Attempts at 0, 10 and 40 s (MAIL_RETRY_DELAYS 10, 30, ...): the third one gets through.
            resets = inbox.wait_for_count(RESET, 1, timeout=30)
            arrived = time.monotonic() - asked
            time.sleep(3)  # time for a duplicate to show up, should there be one
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            backend_name = "redis" if backend else "database"
            (ARTIFACTS / f"smtp-down-{backend_name}.json").write_text(json.dumps({"arrived_after_s": arrived}) + "\n")
            assert inbox.count(RESET) == Counter({address: 1}), f"after {arrived:.1f} s: {resets}"
            assert inbox.count(VERIFY) == Counter({address: 1})
            assert 30 <= arrived <= 50


def test_a_task_worker_killed_while_sending_50_mails_loses_none_and_sends_none_twice(
    sqlite_template, tmp_path, backend
):
    server_holder: dict[str, Gunicorn] = {}
    killed: list[int] = []

    def kill_the_worker_at_the_15th(number: int) -> bool:
        # The worker dies mid-conversation, the message not yet accepted.
        if number == 15 and not killed:
            pid = task_worker_pid(server_holder["server"])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return True
        return False

    inbox = CountingInbox(delay=0.05, before_accepting=kill_the_worker_at_the_15th)
    with (
        SmtpServer(inbox) as smtp,
        serve(
            "worker-killed",
            sqlite_template,
            tmp_path,
            smtp,
            backend,
            MAIL_SEND_LEASE="8",
            MAIL_RESUME_EVERY="3",
            MAIL_RESUME_AFTER="5",
        ) as server,
    ):
        server_holder["server"] = server
        addresses = register(server, 50, "batch")  # each registration promises a verification mail
        verifications = inbox.wait_for_count(VERIFY, 50, timeout=60)
        time.sleep(3)
        assert killed, "the worker was never killed"
        assert task_worker_pid(server) != killed[0]  # the supervisor started another
        assert inbox.count(VERIFY) == Counter(dict.fromkeys(addresses, 1)), verifications


def test_a_web_worker_killed_right_after_the_reset_commits_still_gets_the_mail_out(sqlite_template, tmp_path, backend):
    inbox = CountingInbox()
    with (
        SmtpServer(inbox) as smtp,
        serve(
            "web-killed",
            sqlite_template,
            tmp_path,
            smtp,
            backend,
            DJANGO_SETTINGS_MODULE="e2e.kill_after_commit",
            MAIL_RESUME_EVERY="3",
            MAIL_RESUME_AFTER="5",
        ) as server,
    ):
        (address,) = register(server, 1, "killed")
        client = Client(server.url)
        client.get("/api/auth/csrf/")
        with pytest.raises((ConnectionError, OSError)):  # the worker died before answering
            client.post("/api/auth/password/reset/", {"email": address}, csrf=True)
        resets = inbox.wait_for_count(RESET, 1, timeout=30)
        time.sleep(2)
        assert inbox.count(RESET) == Counter({address: 1}), resets


def test_redis_restarted_under_the_queue_loses_no_task(sqlite_template, tmp_path):
    if reason := PrivateRedis.missing():
        unavailable(reason)
    inbox = CountingInbox()
    smtp = SmtpServer(inbox)  # down: every mail fails once and waits in Redis for its retry
    with (
        DurableRedis() as redis,
        serve(
            "redis-restart",
            sqlite_template,
            tmp_path,
            smtp,
            redis,
            MAIL_RESUME_AFTER="3600",  # only Redis may bring the tasks back: the outbox's resumer stays out of it
        ) as server,
    ):
        addresses = register(server, 10, "restart")
        for address in addresses:
            request_reset(server, address)
        time.sleep(3)  # every first attempt has failed: 20 retries scheduled in Redis
        redis.stop()  # killed, as a crash would
        time.sleep(1)
        redis.start()  # same port, same directory: the append-only file brings the queue back
        with smtp:
            resets = inbox.wait_for_count(RESET, 10, timeout=45)
            verifications = inbox.wait_for_count(VERIFY, 10, timeout=10)
            time.sleep(2)
        assert inbox.count(RESET) == Counter(dict.fromkeys(addresses, 1)), resets
        assert inbox.count(VERIFY) == Counter(dict.fromkeys(addresses, 1)), verifications
