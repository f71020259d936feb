"""Second-step failures at sign-in count toward the failed-sign-in ceiling, and enough of them warn the user."""

from http import HTTPStatus

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient
from mfa.tests.conftest import passkey_login, password_step

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
LOGIN_MFA_URL = reverse("mfa:login-mfa")
TOKEN_URL = reverse("accounts:token")
ELSEWHERE = "203.0.113.7"  # an address the user never signed in from


@pytest.fixture
def ceiling(settings):
    """3 failed sign-ins an hour per username; the per-minute throttles out of the way."""
    settings.LOGIN_FAILURES_USERNAME = "3/hour"
    settings.LOGIN_RATE_USERNAME = settings.LOGIN_RATE_IP = "1000/min"
    settings.MFA_CODE_RATE_USER = settings.MFA_CODE_RATE_IP = "1000/min"


def right_password_from_elsewhere(user):
    return BrowserClient().post(
        LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json", REMOTE_ADDR=ELSEWHERE
    )


def wrong_codes(client, count: int) -> list[int]:
    return [client.post(LOGIN_MFA_URL, {"code": "000000"}, format="json").status_code for _ in range(count)]


def notices(mailoutbox) -> list:
    return [mail for mail in mailoutbox if mail.subject.startswith("Someone has your password")]


class TestCeiling:
    def test_wrong_codes_after_the_password_count(self, two_factor, ceiling):
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        assert wrong_codes(browser, 3) == [HTTPStatus.UNAUTHORIZED] * 3

        response = right_password_from_elsewhere(two_factor.user)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert response.json()["code"] == "throttled"
        assert int(response["Retry-After"]) > 0

    def test_the_ceiling_holds_at_the_second_step_too(self, two_factor, ceiling):
        first, second = BrowserClient(), BrowserClient()
        password_step(first, two_factor.user, REMOTE_ADDR=ELSEWHERE)
        password_step(second, two_factor.user, REMOTE_ADDR=ELSEWHERE)
        assert wrong_codes(first, 3) == [HTTPStatus.UNAUTHORIZED] * 3
        # Even the right code waits: the ticket was taken before the ceiling was reached.
        response = second.post(LOGIN_MFA_URL, {"code": two_factor.code()}, format="json", REMOTE_ADDR=ELSEWHERE)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS

    def test_a_right_code_counts_nothing(self, two_factor, ceiling):
        for _ in range(4):
            two_factor.clock.advance(30)
            browser = BrowserClient()
            password_step(browser, two_factor.user)
            assert browser.post(LOGIN_MFA_URL, {"code": two_factor.code()}, format="json").status_code == HTTPStatus.OK
        assert right_password_from_elsewhere(two_factor.user).status_code == HTTPStatus.UNAUTHORIZED  # mfa_required

    def test_wrong_bearer_codes_count(self, two_factor, ceiling, api_client):
        body = {"username": two_factor.user.username, "password": DEFAULT_PASSWORD, "otp": "000000"}
        statuses = [api_client.post(TOKEN_URL, body, format="json").status_code for _ in range(3)]
        assert statuses == [HTTPStatus.UNAUTHORIZED] * 3
        assert right_password_from_elsewhere(two_factor.user).status_code == HTTPStatus.TOO_MANY_REQUESTS

    def test_refused_passkey_assertions_count(self, passkey, authenticator, user, ceiling):
        authenticator.key = ec.generate_private_key(ec.SECP256R1())  # the credential id, not its key
        for _ in range(3):
            response = passkey_login(BrowserClient(), authenticator)
            assert response.json()["code"] == "passkey_rejected"
        assert right_password_from_elsewhere(user).status_code == HTTPStatus.TOO_MANY_REQUESTS


class TestNotice:
    def test_the_third_wrong_code_tells_the_user_someone_has_their_password(
        self, two_factor, settings, committed, mailoutbox, audit_lines
    ):
        settings.MFA_CODE_RATE_USER = "1000/min"
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        with committed():
            wrong_codes(browser, 2)
        assert notices(mailoutbox) == []
        with committed():
            wrong_codes(browser, 2)

        (notice,) = notices(mailoutbox)
        assert notice.to == [two_factor.user.email]
        assert "failed the second step of signing in 3 times" in notice.body
        assert "/password-reset/" in notice.body
        assert "/sessions/" in notice.body
        (sent,) = [line for line in audit_lines() if line["event"] == "second_factor_notice_sent"]
        assert (sent["user_id"], sent["failures"]) == (two_factor.user.pk, 3)
        failed = [line for line in audit_lines() if line["event"] == "second_factor_failed"]
        assert len(failed) == 4

    def test_bearer_codes_count_toward_it(self, two_factor, settings, committed, mailoutbox, api_client):
        settings.MFA_FAILURE_NOTICE_AFTER = 2
        body = {"username": two_factor.user.username, "password": DEFAULT_PASSWORD, "otp": "000000"}
        with committed():
            for _ in range(2):
                api_client.post(TOKEN_URL, body, format="json")
        assert len(notices(mailoutbox)) == 1

    def test_wrong_passwords_send_none(self, two_factor, committed, mailoutbox, settings):
        settings.LOGIN_RATE_USERNAME = "1000/min"
        with committed():
            for _ in range(5):
                BrowserClient().post(LOGIN_URL, {"username": two_factor.user.username, "password": "no"}, format="json")
        assert notices(mailoutbox) == []
