"""Abuse limits: the ceiling on failed sign-ins per username over every IP, the bound on live sessions."""

import json
import logging
import time
from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

import accounts.failed_sign_ins
from accounts.client import ClientInfo
from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
TOKEN_URL = reverse("accounts:token")
HOUR = 3600


@pytest.fixture
def audit_lines(caplog):
    caplog.set_level(logging.INFO, logger="jwtsite.audit")

    def lines(event: str) -> list[dict]:
        records = [*caplog.get_records("setup"), *caplog.records]
        parsed = [json.loads(r.getMessage()) for r in records if r.name == "jwtsite.audit"]
        return [line for line in parsed if line["event"] == event]

    return lines


@pytest.fixture
def window_clock(clock):
    """The tests' clock, held 100 s into the next hour window (forward only: tokens stay valid)."""
    clock.set((time.time() // HOUR + 1) * HOUR + 100.0, tick=False)
    return clock


@pytest.fixture
def ceiling(settings, window_clock):
    """3 failures an hour per username; the other throttles out of the way."""
    settings.LOGIN_FAILURES_USERNAME = "3/hour"
    settings.LOGIN_RATE_USERNAME = "1000/min"
    settings.LOGIN_RATE_IP = "1000/min"
    return window_clock


def attempt(user, password: str, ip: str, url: str = LOGIN_URL):
    """One sign-in from a new client at ``ip``, as a stuffing botnet sends them."""
    return BrowserClient().post(url, {"username": user.username, "password": password}, format="json", REMOTE_ADDR=ip)


def fail_from_many_addresses(user, count: int) -> None:
    for n in range(count):
        assert attempt(user, "guess", f"203.0.113.{n + 1}").status_code == HTTPStatus.UNAUTHORIZED


class TestFailedSignInCeiling:
    def test_failures_from_many_addresses_add_up_to_a_429_with_retry_after(self, ceiling, user):
        fail_from_many_addresses(user, 3)
        response = attempt(user, DEFAULT_PASSWORD, "198.51.100.9")  # the right password, a fresh address
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert response.json()["code"] == "throttled"
        assert int(response["Retry-After"]) == HOUR - 100
        assert not Session.objects.exists()

    def test_both_login_endpoints_count_and_are_refused(self, ceiling, user):
        assert attempt(user, "guess", "203.0.113.1", TOKEN_URL).status_code == HTTPStatus.UNAUTHORIZED
        fail_from_many_addresses(user, 2)
        assert attempt(user, DEFAULT_PASSWORD, "198.51.100.9", TOKEN_URL).status_code == HTTPStatus.TOO_MANY_REQUESTS

    def test_every_spelling_of_the_name_is_one_account(self, ceiling):
        user = UserFactory(username="fish")
        for n, spelling in enumerate(["FISH", "\ufb01sh", "\uff46\uff49\uff53\uff48"]):
            response = BrowserClient().post(
                LOGIN_URL, {"username": spelling, "password": "guess"}, format="json", REMOTE_ADDR=f"203.0.113.{n}"
            )
            assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert attempt(user, DEFAULT_PASSWORD, "198.51.100.9").status_code == HTTPStatus.TOO_MANY_REQUESTS

    def test_successful_sign_ins_do_not_count(self, ceiling, user):
        for n in range(5):
            assert attempt(user, DEFAULT_PASSWORD, f"203.0.113.{n}").status_code == HTTPStatus.OK
        fail_from_many_addresses(user, 2)
        assert attempt(user, DEFAULT_PASSWORD, "198.51.100.9").status_code == HTTPStatus.OK

    def test_other_accounts_are_not_affected(self, ceiling, user, other_user):
        fail_from_many_addresses(user, 3)
        assert attempt(other_user, DEFAULT_PASSWORD, "203.0.113.1").status_code == HTTPStatus.OK

    def test_an_unknown_username_is_refused_the_same_way(self, ceiling, db):
        ghost = UserFactory.build(username="nobody-here")
        fail_from_many_addresses(ghost, 3)
        response = attempt(ghost, "guess", "198.51.100.9")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(response["Retry-After"]) == HOUR - 100

    def test_the_window_ends_and_sign_in_works_again(self, ceiling, user):
        fail_from_many_addresses(user, 3)
        assert attempt(user, DEFAULT_PASSWORD, "198.51.100.9").status_code == HTTPStatus.TOO_MANY_REQUESTS
        ceiling.advance(HOUR - 100)
        assert attempt(user, DEFAULT_PASSWORD, "198.51.100.9").status_code == HTTPStatus.OK

    def test_an_address_the_user_signed_in_from_before_is_not_locked_out(self, ceiling, user):
        """The lock-out trade-off: a botnet can close new addresses, not the user's own."""
        assert attempt(user, DEFAULT_PASSWORD, "192.0.2.50").status_code == HTTPStatus.OK
        fail_from_many_addresses(user, 3)
        assert attempt(user, DEFAULT_PASSWORD, "192.0.2.50").status_code == HTTPStatus.OK
        assert attempt(user, DEFAULT_PASSWORD, "198.51.100.9").status_code == HTTPStatus.TOO_MANY_REQUESTS
        # A known address still has to know the password.
        assert attempt(user, "guess", "192.0.2.50").status_code == HTTPStatus.UNAUTHORIZED

    def test_signed_in_devices_keep_refreshing(self, ceiling, user, auth_client):
        fail_from_many_addresses(user, 3)
        assert auth_client.post(reverse("accounts:refresh")).status_code == HTTPStatus.OK

    def test_reaching_the_ceiling_is_audited_once(self, ceiling, user, audit_lines):
        fail_from_many_addresses(user, 3)
        attempt(user, DEFAULT_PASSWORD, "198.51.100.9")
        (reached,) = audit_lines("login_failure_ceiling_reached")
        assert reached == {
            "event": "login_failure_ceiling_reached",
            "user_id": None,
            "session_id": None,
            "ip": "203.0.113.3",
            "user_agent": "",
            "username": user.username,
            "failures": 3,
            "window": HOUR,
        }
        (throttled,) = audit_lines("login_throttled")
        assert throttled["ip"] == "198.51.100.9"
        assert throttled["username"] == user.username

    def test_a_numeric_username_is_counted_too(self, ceiling):
        user = UserFactory(username="12345")
        for n in range(3):
            response = BrowserClient().post(
                LOGIN_URL, {"username": 12345, "password": "guess"}, format="json", REMOTE_ADDR=f"203.0.113.{n}"
            )
            assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert attempt(user, DEFAULT_PASSWORD, "198.51.100.9").status_code == HTTPStatus.TOO_MANY_REQUESTS

    def test_a_look_at_the_ceiling_counts_nothing(self, ceiling, user):
        fail_from_many_addresses(user, 3)
        elsewhere = ClientInfo(ip_address="198.51.100.1", user_agent="")
        assert accounts.failed_sign_ins.sign_in_wait(username=user.username, client=elsewhere) == HOUR - 100
        assert accounts.failed_sign_ins.sign_in_wait(username=user.username, client=elsewhere) == HOUR - 100
        assert accounts.failed_sign_ins.sign_in_wait(username=other_name(user), client=elsewhere) is None


def other_name(user) -> str:
    return f"{user.username}-other"


class TestLiveSessionBound:
    @pytest.fixture
    def bound(self, settings):
        settings.MAX_SESSIONS_PER_USER = 3
        settings.LOGIN_RATE_USERNAME = "1000/min"

    def test_the_oldest_session_is_revoked_when_a_new_one_would_exceed_it(
        self, bound, user, audit_lines, django_capture_on_commit_callbacks
    ):
        devices = [BrowserClient() for _ in range(4)]
        with django_capture_on_commit_callbacks(execute=True):  # the audit line waits for COMMIT
            for device in devices:
                device.login_as(user)
        oldest = Session.objects.order_by("created_at").first()

        live = Session.objects.live().filter(user=user)
        assert live.count() == 3
        assert oldest not in live
        oldest.refresh_from_db()
        assert oldest.revoked_at is not None
        assert BlacklistedToken.objects.filter(token_id=oldest.current_token_id).exists()
        response = devices[0].post(reverse("accounts:refresh"))
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "session_revoked"
        for device in devices[1:]:
            assert device.post(reverse("accounts:refresh")).status_code == HTTPStatus.OK

        (line,) = audit_lines("session_revoked")
        assert line["by"] == "session_limit"
        assert line["session_id"] == str(oldest.pk)
        assert line["user_id"] == user.pk
        assert line["for_session_id"] == str(Session.objects.order_by("-created_at").first().pk)

    def test_revoked_sessions_do_not_count_and_others_users_are_untouched(self, bound, user, other_user):
        other = BrowserClient()
        other.login_as(other_user)
        first = BrowserClient()
        first.login_as(user)
        assert first.post(reverse("accounts:logout")).status_code == HTTPStatus.NO_CONTENT
        for _ in range(3):
            BrowserClient().login_as(user)
        assert Session.objects.live().filter(user=user).count() == 3
        assert other.post(reverse("accounts:refresh")).status_code == HTTPStatus.OK

    def test_registration_and_bearer_logins_are_bounded_too(self, bound, settings, browser):
        response = browser.post(
            reverse("accounts:register"), {"username": "dana", "password": "a-long-unusual-passphrase"}, format="json"
        )
        assert response.status_code == HTTPStatus.CREATED
        for _ in range(4):
            token = BrowserClient().post(
                TOKEN_URL, {"username": "dana", "password": "a-long-unusual-passphrase"}, format="json"
            )
            assert token.status_code == HTTPStatus.OK
        assert Session.objects.live().count() == 3
        assert browser.post(reverse("accounts:refresh")).status_code == HTTPStatus.UNAUTHORIZED

    def test_a_login_under_the_bound_costs_one_query_more(self, user, browser, django_assert_max_num_queries):
        browser.csrf_token()
        with django_assert_max_num_queries(8):
            browser.login_as(user)
