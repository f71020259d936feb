"""Racing the same second factor through a live, threaded server: it works exactly once."""

import http.client
import json
import threading
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest

from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient
from mfa.models import LoginTicket, RecoveryCode
from mfa.tests.conftest import password_step

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10


@pytest.fixture(autouse=True)
def _no_throttles(settings):
    # The race is the point here, not the rates.
    settings.LOGIN_RATE_USERNAME = settings.LOGIN_RATE_IP = "1000/min"
    settings.MFA_CODE_RATE_USER = settings.MFA_CODE_RATE_IP = "1000/min"


def race(base_url: str, path: str, payload: dict, headers: dict | None = None) -> list[tuple[int, dict]]:
    """``THREADS`` threads post ``payload`` at the same instant; their answers."""
    parts = urlsplit(base_url)
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, dict]] = []

    def post() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            barrier.wait()
            connection.request(
                "POST", path, body=json.dumps(payload), headers={"Content-Type": "application/json", **(headers or {})}
            )
            response = connection.getresponse()
            results.append((response.status, json.loads(response.read() or b"{}")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def statuses(results) -> list[int]:
    return sorted(status for status, _ in results)


def test_one_totp_code_sent_ten_times_at_once_signs_in_once(live_server, two_factor):
    body = {"username": two_factor.user.username, "password": DEFAULT_PASSWORD, "otp": two_factor.code()}
    results = race(live_server.url, "/api/token/", body)
    assert statuses(results) == [HTTPStatus.OK] + [HTTPStatus.UNAUTHORIZED] * (THREADS - 1), results
    assert Session.objects.count() == 1


def test_one_recovery_code_sent_ten_times_at_once_signs_in_once(live_server, two_factor):
    body = {"username": two_factor.user.username, "password": DEFAULT_PASSWORD, "otp": two_factor.recovery_codes[0]}
    results = race(live_server.url, "/api/token/", body)
    assert statuses(results) == [HTTPStatus.OK] + [HTTPStatus.UNAUTHORIZED] * (THREADS - 1), results
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1


def test_one_ticket_redeemed_ten_times_at_once_starts_one_session(live_server, two_factor):
    browser = BrowserClient()
    password_step(browser, two_factor.user)
    csrf = browser.cookies["csrftoken"].value
    cookie = f"csrftoken={csrf}; mfa_ticket={browser.cookies['mfa_ticket'].value}"
    # Every thread sends a right code (a different recovery code each would do too): the ticket decides.
    results = race(
        live_server.url,
        "/api/auth/login/mfa/",
        {"code": two_factor.code()},
        headers={"Cookie": cookie, "X-CSRFToken": csrf},
    )
    assert statuses(results) == [HTTPStatus.OK] + [HTTPStatus.UNAUTHORIZED] * (THREADS - 1), results
    assert Session.objects.count() == 1
    assert not LoginTicket.objects.exists()
