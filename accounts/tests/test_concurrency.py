"""Racing refreshes through a live, threaded server: exactly one rotation."""

import http.client
import json
import threading
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import services
from accounts.client import ClientInfo
from accounts.models import Session
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def post_json(base_url: str, path: str, payload: dict) -> tuple[int, dict]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", path, body=json.dumps(payload), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def race_refreshes(base_url: str) -> list[tuple[int, dict]]:
    """``THREADS`` threads post one refresh token at the same instant; their answers."""
    tokens = services.session_create(user=UserFactory(), client=ClientInfo(ip_address=None, user_agent="race"))
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, dict]] = []

    def refresh() -> None:
        barrier.wait()
        results.append(post_json(base_url, "/api/token/refresh/", {"refresh": tokens.refresh}))

    threads = [threading.Thread(target=refresh) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twenty_threads_refreshing_one_token_yield_one_successor(live_server):
    results = race_refreshes(live_server.url)

    # One request rotates; the others, inside the grace, get that same successor.
    assert sorted(status for status, _ in results) == [HTTPStatus.OK] * THREADS, results
    assert len({body["refresh"] for _, body in results}) == 1
    assert OutstandingToken.objects.count() == 2
    session = Session.objects.get()
    assert session.revoked_at is None
    assert session.current_jti != session.previous_jti


def test_racing_refreshes_after_the_grace_never_leave_two_live_tokens(live_server, settings):
    settings.REFRESH_REUSE_GRACE = 0
    results = race_refreshes(live_server.url)

    statuses = [status for status, _ in results]
    assert all(status in (HTTPStatus.OK, HTTPStatus.UNAUTHORIZED) for status in statuses), results
    assert statuses.count(HTTPStatus.OK) >= 1
    successors = {body["refresh"] for status, body in results if status == HTTPStatus.OK}
    assert len(successors) == 1
    # Whoever lost the race replayed a rotated token: the session is dead, successor included.
    session = Session.objects.get()
    if statuses.count(HTTPStatus.UNAUTHORIZED):
        assert session.revoked_at is not None
    assert OutstandingToken.objects.count() == 2
