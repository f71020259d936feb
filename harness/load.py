"""Browser-like clients under load, for the fault-injection tests: every answer recorded.

Each client is a thread with its own cookie jar that does what the page
script does: it keeps the newest cookies it is sent, sends ``X-CSRFToken``,
and stops once it is signed out. A dropped connection (a killed worker) is
recorded with ``status=None`` and the client carries on with the cookies it
has, as a browser would.
"""

import http.client
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

from harness.servers import Client, Response

CSRF, REGISTER, LOGIN = "/api/auth/csrf/", "/api/auth/register/", "/api/auth/login/"
REFRESH, ME, HEALTHZ = "/api/auth/refresh/", "/api/me/", "/healthz"


@dataclass(frozen=True)
class Outcome:
    """One request: when it was sent (``time.monotonic()``), what it was and how it ended."""

    client: int
    sent_at: float
    operation: str
    status: int | None  # None: the connection dropped before an answer
    code: str | None = None
    retry_after: str | None = None
    error: str | None = None


@dataclass
class Outcomes:
    items: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.items.append(outcome)  # atomic in CPython: no lock needed

    def where(self, predicate: Callable[[Outcome], bool]) -> list[Outcome]:
        return [outcome for outcome in self.items if predicate(outcome)]

    def server_errors(self) -> list[Outcome]:
        return self.where(lambda o: o.status is not None and o.status >= 500)

    def dropped(self) -> list[Outcome]:
        return self.where(lambda o: o.status is None)

    def count(self, status: int | None) -> int:
        return len(self.where(lambda o: o.status == status))


class BrowserLike:
    """One browser signed in as its own new user, on one server."""

    def __init__(self, number: int, base_url: str, outcomes: Outcomes) -> None:
        self.number = number
        self.client = Client(base_url, timeout=10)
        self.outcomes = outcomes
        self.username = f"load-{number}-{secrets.token_hex(3)}"
        self.password = f"load-{secrets.token_urlsafe(12)}"
        self.signed_out_with: str | None = None  # the 401's code, once signed out

    def call(
        self, operation: str, method: str, path: str, data: dict | None = None, csrf: bool = False
    ) -> Response | None:
        sent_at = time.monotonic()
        try:
            response = self.client.request(method, path, data=data, csrf=csrf)
        except (OSError, http.client.HTTPException) as exc:
            self.outcomes.add(Outcome(self.number, sent_at, operation, None, error=type(exc).__name__))
            return None
        code = None
        if response.status >= 400 and response.header("Content-Type") == "application/json":
            code = response.json().get("code")
        retry_after = response.header("Retry-After")
        self.outcomes.add(Outcome(self.number, sent_at, operation, response.status, code, retry_after))
        return response

    def register(self) -> None:
        assert self.client.get(CSRF).status == HTTPStatus.NO_CONTENT
        response = self.client.post(REGISTER, {"username": self.username, "password": self.password}, csrf=True)
        assert response.status == HTTPStatus.CREATED, response.body

    def login(self) -> Response | None:
        return self.call("login", "POST", LOGIN, {"username": self.username, "password": self.password}, csrf=True)

    def refresh(self) -> Response | None:
        """One refresh; a 401 signs the client out (it stops, as the page goes to /login/)."""
        response = self.call("refresh", "POST", REFRESH, csrf=True)
        if response is not None and response.status == HTTPStatus.UNAUTHORIZED:
            self.signed_out_with = response.json().get("code")
        return response

    def me(self) -> Response | None:
        return self.call("me", "GET", ME)

    @property
    def refresh_token(self) -> str | None:
        return self.client.cookies.get("refresh_token")


def register_all(clients: list[BrowserLike], threads: int = 8) -> None:
    """Registers every client (each its own user and session), ``threads`` at a time."""
    run_each(clients, lambda client: client.register(), threads)


def run_each(clients: list, action: Callable, threads: int) -> None:
    pending = list(clients)
    errors: list[BaseException] = []

    def work() -> None:
        while pending:
            try:
                client = pending.pop()
            except IndexError:
                return
            try:
                action(client)
            except BaseException as exc:  # re-raised in the caller's thread
                errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]


def run_for(seconds: float, clients: list, step: Callable, pause: float = 0.0) -> None:
    """Runs ``step(client)`` in a loop on a thread per client for ``seconds``; ``step`` returns False to stop."""
    deadline = time.monotonic() + seconds

    def loop(client) -> None:
        while time.monotonic() < deadline:
            if step(client) is False:
                return
            if pause:
                time.sleep(pause)

    threads = [threading.Thread(target=loop, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
