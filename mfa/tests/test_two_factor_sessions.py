"""Two-factor on ends the other sessions; off (and new recovery codes) needs a second factor proven, not a password."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.helpers import access_cookie, claims_of
from conftest import BrowserClient
from mfa.models import RecoveryCode
from mfa.tests.conftest import password_step, prove_second_factor, register_passkey
from mfa.tests.test_passkey_reauthentication import reauthenticate as reauthenticate_with_passkey
from mfa.totp import otp

pytestmark = pytest.mark.django_db

TOTP_URL = reverse("mfa:totp")
CONFIRM_URL = reverse("mfa:totp-confirm")
RECOVERY_CODES_URL = reverse("mfa:recovery-codes")
REAUTH_URL = reverse("accounts:reauthenticate")
REFRESH_URL = reverse("accounts:refresh")
ME_URL = reverse("accounts:me")
TOKEN_URL = reverse("accounts:token")
SECOND_FACTOR_NEEDED = {
    "detail": "Confirm it is you with your second factor (a code or a passkey), then try again.",
    "code": "reauthentication_required",
    "methods": ["totp", "recovery_code"],
}


def turn_on(client, clock, **extra):
    secret = client.post(TOTP_URL, **extra).json()["secret"]
    return client.post(CONFIRM_URL, {"code": otp.code_at(secret=secret, step=clock.step)}, format="json", **extra)


class TestTurningItOn:
    def test_ends_every_other_session_and_keeps_this_one(self, auth_client, user, clock):
        other = BrowserClient()
        other.login_as(user)
        bearer = BrowserClient().post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}).json()

        response = turn_on(auth_client, clock)
        assert response.status_code == HTTPStatus.OK
        assert len(response.json()["recovery_codes"]) == 10
        assert claims_of(access_cookie(response).value)["ver"] == 1  # re-issued above the new floor

        assert other.get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert other.post(REFRESH_URL).status_code == HTTPStatus.UNAUTHORIZED
        script = BrowserClient()
        assert script.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {bearer['access']}").status_code == 401
        assert script.post(reverse("accounts:token-refresh"), {"refresh": bearer["refresh"]}).status_code == 401
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK
        assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.OK
        assert Session.objects.live().count() == 1

    def test_a_bearer_client_gets_its_new_pair_beside_the_codes(self, user, clock):
        client = BrowserClient()
        pair = client.post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}).json()
        response = turn_on(client, clock, HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert set(body) == {"recovery_codes", "access", "refresh"}
        assert client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {body['access']}").status_code == HTTPStatus.OK
        assert client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 401

    def test_a_wrong_code_ends_nothing(self, auth_client, user, clock):
        other = BrowserClient()
        other.login_as(user)
        auth_client.post(TOTP_URL)
        assert auth_client.post(CONFIRM_URL, {"code": "000000"}).status_code == HTTPStatus.BAD_REQUEST
        assert other.get(ME_URL).status_code == HTTPStatus.OK


class TestTurningItOff:
    def test_a_password_alone_is_not_enough(self, auth_client, two_factor):
        assert auth_client.post(REAUTH_URL, {"password": DEFAULT_PASSWORD}).status_code == HTTPStatus.OK
        response = auth_client.delete(TOTP_URL)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == SECOND_FACTOR_NEEDED
        assert User.objects.get().totp_enabled is True

    def test_a_code_re_authenticates_and_is_recorded_in_amr(self, auth_client, two_factor, audit_lines):
        response = prove_second_factor(auth_client, two_factor)
        assert claims_of(access_cookie(response).value)["amr"] == ["otp"]
        assert Session.objects.get().amr == "otp"
        assert auth_client.delete(TOTP_URL).status_code == HTTPStatus.NO_CONTENT
        assert any(line["event"] == "reauthenticated" and line["method"] == "otp" for line in audit_lines())

    def test_a_password_and_a_code_together(self, auth_client, two_factor):
        response = auth_client.post(REAUTH_URL, {"password": DEFAULT_PASSWORD, "code": two_factor.code()})
        assert claims_of(access_cookie(response).value)["amr"] == ["pwd", "otp"]
        assert auth_client.delete(TOTP_URL).status_code == HTTPStatus.NO_CONTENT

    def test_a_recovery_code_does_and_is_spent(self, auth_client, two_factor):
        response = auth_client.post(REAUTH_URL, {"code": two_factor.recovery_codes[0]})
        assert claims_of(access_cookie(response).value)["amr"] == ["recovery"]
        assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1
        assert auth_client.delete(TOTP_URL).status_code == HTTPStatus.NO_CONTENT

    def test_a_passkey_does_and_is_offered(self, auth_client, two_factor, authenticator):
        register_passkey(auth_client, authenticator)
        auth_client.post(REAUTH_URL, {"password": DEFAULT_PASSWORD})
        assert auth_client.delete(TOTP_URL).json()["methods"] == ["totp", "recovery_code", "passkey"]
        assert reauthenticate_with_passkey(auth_client, authenticator).status_code == HTTPStatus.OK
        assert auth_client.delete(TOTP_URL).status_code == HTTPStatus.NO_CONTENT

    def test_a_sign_in_with_the_second_factor_is_recent_enough(self, two_factor):
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        assert browser.post(reverse("mfa:login-mfa"), {"code": two_factor.code()}).status_code == HTTPStatus.OK
        assert browser.delete(TOTP_URL).status_code == HTTPStatus.NO_CONTENT

    def test_the_second_factor_must_be_recent_too(self, auth_client, two_factor, settings):
        prove_second_factor(auth_client, two_factor)
        settings.REAUTH_WINDOW = 0
        assert auth_client.delete(TOTP_URL).json()["code"] == "reauthentication_required"
        assert User.objects.get().totp_enabled is True

    def test_a_wrong_code_is_401_and_audited(self, auth_client, two_factor, audit_lines):
        response = auth_client.post(REAUTH_URL, {"code": "000000"})
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "That code is not right.", "code": "invalid_code"}
        assert any(line["event"] == "reauthentication_failed" for line in audit_lines())

    def test_code_guesses_are_throttled_per_user(self, auth_client, two_factor, settings):
        settings.MFA_CODE_RATE_USER = "2/min"
        settings.PASSWORD_CHECK_RATE_USER = "100/min"
        statuses = [auth_client.post(REAUTH_URL, {"code": "000000"}).status_code for _ in range(3)]
        assert statuses == [401, 401, 429]

    def test_without_two_factor_a_password_still_does_for_the_rest(self, auth_client):
        auth_client.post(TOTP_URL)  # a setup never confirmed
        assert auth_client.delete(TOTP_URL).status_code == HTTPStatus.NO_CONTENT


class TestNewRecoveryCodes:
    def test_need_a_second_factor_too(self, auth_client, two_factor):
        response = auth_client.post(RECOVERY_CODES_URL)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == SECOND_FACTOR_NEEDED
        prove_second_factor(auth_client, two_factor)
        assert auth_client.post(RECOVERY_CODES_URL).status_code == HTTPStatus.OK
