"""The newcomer's path: ``make run`` prints the address passkeys and mail links use, and it works.

WebAuthn's relying party is ``SITE_URL``'s host and browsers refuse passkeys on
a bare IP, so the printed address, ``SITE_URL`` and the links in mails must be
one and the same, for any ``PORT``.
"""

import os
import re
import selectors
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness.servers import REPO, Client, free_port

pytestmark = pytest.mark.e2e

PRINTED = re.compile(r"jwtsite: open (\S+?)/? \(")


class MakeRun:
    """``make run PORT=…`` in a process group of its own, its output read line by line."""

    def __init__(self, tmp_path: Path, port: int) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "SITE_URL", "EMAIL_", "CACHE_", "TASKS_"))
        }
        env.update(
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            PYTHONUNBUFFERED="1",
            MAKEFLAGS="",
        )
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.output: list[str] = []
        self._pending = b""
        self._lines = selectors.DefaultSelector()
        self._lines.register(self.process.stdout, selectors.EVENT_READ)

    def _read(self, timeout: float) -> None:
        # Raw reads: a buffered readline() can hold lines that select() no longer reports.
        if self._lines.select(timeout=timeout):
            chunk = os.read(self.process.stdout.fileno(), 65536)
            *lines, self._pending = (self._pending + chunk).split(b"\n")
            self.output.extend(line.decode(errors="replace") + "\n" for line in lines)

    def wait_for(self, pattern: re.Pattern, timeout: float = 120.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.output:
                if match := pattern.search(line):
                    return match
            if self.process.poll() is not None:
                break
            self._read(timeout=0.5)
        raise AssertionError(f"{pattern.pattern!r} never appeared:\n{''.join(self.output)[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process.stdout.close()


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    server = MakeRun(tmp_path, port)
    yield server, port
    server.stop()


def wait_until_serving(client: Client, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if client.get("/healthz").status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("make run did not answer /healthz")
        time.sleep(0.3)


def test_make_run_prints_the_address_that_mail_links_and_passkeys_use(make_run):
    server, port = make_run
    printed = server.wait_for(PRINTED).group(1)
    assert printed == f"http://localhost:{port}"

    client = Client(printed)
    wait_until_serving(client)
    # The page that promises a mail says where the console backend puts it.
    register_page = client.get("/register/", headers={"Accept": "text/html"}).body.decode()
    assert "the terminal that runs <code>make run</code>" in register_page

    client.get("/api/auth/csrf/")
    response = client.post(
        "/api/auth/register/",
        {"username": "newcomer", "password": "a-long-unusual-passphrase", "email": "newcomer@example.com"},
        csrf=True,
    )
    assert response.status == 201, response.body
    # The verification mail is printed in make run's terminal, its link on the printed address.
    link = server.wait_for(re.compile(r"(http\S*/verify-email/\?token=\S+)")).group(1)
    assert link.startswith(f"{printed}/verify-email/?token=")
    # A reset mail too, sent by the task worker make run started beside the site (docs/tasks.md).
    assert "Task worker" in "".join(server.output)
    response = client.post("/api/auth/password/reset/", {"email": "newcomer@example.com"}, csrf=True)
    assert response.status == 202, response.body
    link = server.wait_for(re.compile(r"(http\S*/password-reset/confirm/\?token=\S+)")).group(1)
    assert link.startswith(f"{printed}/password-reset/confirm/?token=")
