"""Signing in with two-factor on: the password, then a TOTP or recovery code (cookie and Bearer)."""

import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.helpers import access_cookie, claims_of, refresh_cookie
from conftest import BrowserClient
from mfa.models import LoginTicket, RecoveryCode
from mfa.tests.conftest import password_step, turn_on_two_factor

pytestmark = pytest.mark.django_db

LOGIN_MFA_URL = reverse("mfa:login-mfa")
TOKEN_URL = reverse("accounts:token")
MFA_REQUIRED = {
    "detail": "Enter a code from your authenticator app, or one of your recovery codes.",
    "code": "mfa_required",
    "methods": ["totp", "recovery_code"],
}
INVALID_CODE = {"detail": "That code is not right.", "code": "invalid_code"}
TICKET_INVALID = {
    "detail": "This sign-in has expired or was already finished; enter your password again.",
    "code": "mfa_ticket_invalid",
}


def second_step(client, code: str):
    return client.post(LOGIN_MFA_URL, {"code": code}, format="json")


def signed_in_with(response, *methods: str) -> dict:
    assert response.status_code == HTTPStatus.OK, response.content
    claims = claims_of(access_cookie(response).value)
    assert claims["amr"] == list(methods)
    assert claims_of(refresh_cookie(response).value)["amr"] == list(methods)
    return claims


class TestPasswordStep:
    def test_a_right_password_asks_for_the_second_factor(self, two_factor, browser, audit_lines):
        response = password_step(browser, two_factor.user)
        assert response.json() == MFA_REQUIRED
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert "__Host-access_token" not in response.cookies
        assert "__Secure-refresh_token" not in response.cookies
        assert not Session.objects.exists()
        ticket = response.cookies["mfa_ticket"]
        assert (ticket["httponly"], ticket["path"], ticket["max-age"], ticket["secure"]) == (
            True,
            "/api/auth/",
            300,
            True,
        )
        stored = LoginTicket.objects.get()
        assert ticket.value not in stored.pk  # its SHA-256 only
        assert stored.expires_at - timezone.now() <= timedelta(minutes=5)
        events = [line["event"] for line in audit_lines()]
        assert "second_factor_required" in events
        assert "login_succeeded" not in events

    def test_a_wrong_password_never_gets_that_far(self, two_factor, browser):
        response = browser.post(
            reverse("accounts:login"), {"username": two_factor.user.username, "password": "wrong"}, format="json"
        )
        assert response.json()["code"] == "invalid_credentials"
        assert "mfa_ticket" not in response.cookies
        assert not LoginTicket.objects.exists()

    def test_without_two_factor_nothing_changes(self, user, browser):
        response = browser.login_as(user)
        assert "mfa_ticket" not in response.cookies
        assert claims_of(access_cookie(response).value)["amr"] == ["pwd"]


class TestCodeStep:
    def test_a_totp_code_finishes_the_sign_in(self, two_factor, browser, audit_lines):
        password_step(browser, two_factor.user)
        before = int(time.time())
        response = second_step(browser, two_factor.code())
        claims = signed_in_with(response, "pwd", "otp")
        assert before <= claims["auth_time"] <= int(time.time())
        assert response.json()["user"]["mfa"] == {"totp": True, "passkeys": 0}
        assert not response.cookies["mfa_ticket"].value  # cleared
        assert not LoginTicket.objects.exists()
        assert Session.objects.get().amr == "pwd otp"
        assert browser.get(reverse("accounts:me")).status_code == HTTPStatus.OK
        event = next(line for line in audit_lines() if line["event"] == "login_succeeded")
        assert event["method"] == "otp"

    @pytest.mark.parametrize("offset", [-1, 1])
    def test_a_code_from_the_previous_or_next_step_is_accepted(self, two_factor, browser, offset):
        two_factor.clock.advance(60)  # past the step used to confirm
        password_step(browser, two_factor.user)
        signed_in_with(second_step(browser, two_factor.code(offset)), "pwd", "otp")

    @pytest.mark.parametrize("offset", [-2, 2])
    def test_a_code_two_steps_away_is_not(self, two_factor, browser, offset):
        two_factor.clock.advance(90)
        password_step(browser, two_factor.user)
        assert second_step(browser, two_factor.code(offset)).json() == INVALID_CODE

    def test_a_code_is_never_accepted_twice(self, two_factor, browser):
        code = two_factor.code()
        password_step(browser, two_factor.user)
        signed_in_with(second_step(browser, code), "pwd", "otp")
        replay = BrowserClient()
        password_step(replay, two_factor.user)
        assert second_step(replay, code).json() == INVALID_CODE

    def test_an_older_code_after_a_newer_one_is_refused(self, two_factor, browser):
        password_step(browser, two_factor.user)
        signed_in_with(second_step(browser, two_factor.code(1)), "pwd", "otp")
        late = BrowserClient()
        password_step(late, two_factor.user)
        assert second_step(late, two_factor.code(0)).json() == INVALID_CODE

    def test_remember_false_carries_over(self, two_factor, browser):
        password_step(browser, two_factor.user, remember=False)
        response = second_step(browser, two_factor.code())
        assert access_cookie(response)["max-age"] == ""
        assert Session.objects.get().remember is False

    def test_needs_the_csrf_header(self, two_factor, browser):
        password_step(browser, two_factor.user)
        response = browser.post(LOGIN_MFA_URL, {"code": two_factor.code()}, format="json", csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert LoginTicket.objects.exists()


class TestRecoveryCodes:
    def test_a_recovery_code_signs_in_once(self, two_factor, browser, committed, mailoutbox, audit_lines):
        code = two_factor.recovery_codes[3]
        password_step(browser, two_factor.user)
        with committed():
            response = second_step(browser, code)
        signed_in_with(response, "pwd", "recovery")
        assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1
        mail = next(mail for mail in mailoutbox if mail.subject.startswith("A recovery code was used"))
        assert "9 are left" in mail.body
        used = next(line for line in audit_lines() if line["event"] == "recovery_code_used")
        assert used["remaining"] == 9
        assert code not in str(audit_lines())

        again = BrowserClient()
        password_step(again, two_factor.user)
        assert second_step(again, code).json() == INVALID_CODE

    @pytest.mark.parametrize("spelling", [str.upper, lambda code: code.replace("-", ""), lambda code: f"  {code} "])
    def test_case_dashes_and_spaces_do_not_matter(self, two_factor, browser, spelling):
        password_step(browser, two_factor.user)
        signed_in_with(second_step(browser, spelling(two_factor.recovery_codes[0])), "pwd", "recovery")

    def test_another_users_recovery_code_does_not_work(self, two_factor, other_user, clock, browser):
        theirs = turn_on_two_factor(other_user, clock)
        password_step(browser, two_factor.user)
        assert second_step(browser, theirs.recovery_codes[0]).json() == INVALID_CODE


class TestTicket:
    def test_works_once(self, two_factor, browser):
        password_step(browser, two_factor.user)
        ticket = browser.cookies["mfa_ticket"].value
        signed_in_with(second_step(browser, two_factor.code()), "pwd", "otp")
        replay = BrowserClient()
        replay.cookies["mfa_ticket"] = ticket
        response = second_step(replay, two_factor.recovery_codes[0])
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == TICKET_INVALID
        assert Session.objects.count() == 1

    def test_dies_after_five_wrong_codes(self, two_factor, browser, audit_lines, settings):
        settings.MFA_CODE_RATE_USER = "100/min"
        password_step(browser, two_factor.user)
        ticket = browser.cookies["mfa_ticket"].value
        answers = [second_step(browser, "000000") for _ in range(5)]
        assert [answer.json() for answer in answers] == [INVALID_CODE] * 5
        assert not answers[-1].cookies["mfa_ticket"].value  # the fifth clears it
        assert "mfa_ticket" not in answers[-2].cookies
        assert not LoginTicket.objects.exists()
        browser.cookies["mfa_ticket"] = ticket
        assert second_step(browser, two_factor.code()).json() == TICKET_INVALID
        failed = [line for line in audit_lines() if line["event"] == "second_factor_failed"]
        assert [line["reason"] for line in failed] == ["invalid_code"] * 5 + ["mfa_ticket_invalid"]
        assert all(line["user_id"] == two_factor.user.pk for line in failed[:5])

    def test_dies_after_five_minutes(self, two_factor, browser):
        password_step(browser, two_factor.user)
        LoginTicket.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        response = second_step(browser, two_factor.code())
        assert response.json() == TICKET_INVALID
        assert not response.cookies["mfa_ticket"].value

    def test_without_a_ticket_it_is_401(self, two_factor, browser):
        response = second_step(browser, two_factor.code())
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == TICKET_INVALID
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_a_user_deactivated_meanwhile_is_not_signed_in(self, two_factor, browser):
        password_step(browser, two_factor.user)
        User.objects.filter(pk=two_factor.user.pk).update(is_active=False)
        assert second_step(browser, two_factor.code()).json() == TICKET_INVALID
        assert not Session.objects.exists()


class TestThrottles:
    def test_codes_are_throttled_per_user_across_tickets(self, two_factor, settings):
        settings.MFA_CODE_RATE_USER = "3/min"
        statuses = []
        for _ in range(2):
            client = BrowserClient()
            password_step(client, two_factor.user)
            statuses += [second_step(client, "000000").status_code for _ in range(2)]
        assert statuses == [401, 401, 401, 429]

    def test_codes_are_throttled_per_ip(self, two_factor, other_user, clock, settings):
        turn_on_two_factor(other_user, clock)
        settings.MFA_CODE_RATE_IP = "2/min"
        first, second = BrowserClient(), BrowserClient()
        password_step(first, two_factor.user)
        password_step(second, other_user)
        statuses = [second_step(first, "000000").status_code, second_step(second, "000000").status_code]
        response = second_step(second, "000000")
        assert [*statuses, response.status_code] == [401, 401, 429]
        assert int(response["Retry-After"]) > 0

    def test_a_throttled_attempt_does_not_spend_the_code(self, two_factor, browser, settings):
        settings.MFA_CODE_RATE_USER = "1/min"
        password_step(browser, two_factor.user)
        second_step(browser, "000000")
        assert second_step(browser, two_factor.code()).status_code == HTTPStatus.TOO_MANY_REQUESTS
        settings.MFA_CODE_RATE_USER = "100/min"
        signed_in_with(second_step(browser, two_factor.code()), "pwd", "otp")


class TestBearer:
    def token(self, client, user, **extra):
        body = {"username": user.username, "password": DEFAULT_PASSWORD, **extra}
        return client.post(TOKEN_URL, body, format="json")

    def test_without_otp_it_is_401_mfa_required(self, two_factor, api_client):
        response = self.token(api_client, two_factor.user)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == MFA_REQUIRED
        assert "mfa_ticket" not in response.cookies
        assert not Session.objects.exists()

    def test_with_a_totp_code_it_issues_the_pair(self, two_factor, api_client):
        before = int(time.time())
        response = self.token(api_client, two_factor.user, otp=two_factor.code())
        assert response.status_code == HTTPStatus.OK, response.content
        for token in response.json().values():
            claims = claims_of(token)
            assert claims["amr"] == ["pwd", "otp"]
            assert before <= claims["auth_time"] <= int(time.time())

    def test_with_a_recovery_code(self, two_factor, api_client):
        response = self.token(api_client, two_factor.user, otp=two_factor.recovery_codes[0])
        assert claims_of(response.json()["access"])["amr"] == ["pwd", "recovery"]

    def test_a_wrong_code_is_401_and_audited(self, two_factor, api_client, audit_lines):
        response = self.token(api_client, two_factor.user, otp="000000")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == INVALID_CODE
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert any(line["event"] == "second_factor_failed" for line in audit_lines())
        assert not Session.objects.exists()

    def test_a_code_works_once_here_too(self, two_factor, api_client):
        code = two_factor.code()
        assert self.token(api_client, two_factor.user, otp=code).status_code == HTTPStatus.OK
        assert self.token(api_client, two_factor.user, otp=code).json() == INVALID_CODE

    def test_a_wrong_password_with_a_right_code_is_the_generic_401(self, two_factor, api_client):
        body = {"username": two_factor.user.username, "password": "wrong", "otp": two_factor.code()}
        response = api_client.post(TOKEN_URL, body, format="json")
        assert response.json()["code"] == "invalid_credentials"

    def test_codes_are_throttled_per_user(self, two_factor, api_client, settings):
        settings.MFA_CODE_RATE_USER = "2/min"
        statuses = [self.token(api_client, two_factor.user, otp="000000").status_code for _ in range(3)]
        assert statuses == [401, 401, 429]

    @pytest.mark.parametrize("otp", [["123456"], {"code": 1}, True, "x" * 65])
    def test_a_malformed_otp_is_a_field_error(self, two_factor, api_client, otp):
        response = self.token(api_client, two_factor.user, otp=otp)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["otp"]

    def test_otp_is_ignored_without_two_factor(self, user, api_client):
        response = self.token(api_client, user, otp="123456")
        assert claims_of(response.json()["access"])["amr"] == ["pwd"]
