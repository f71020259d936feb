"""Turning TOTP two-factor on (secret, otpauth URI, QR code, confirmation, recovery codes) and off."""

import re
import xml.etree.ElementTree as ET
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import User
from mfa import crypto
from mfa.models import RecoveryCode, TotpDevice
from mfa.tests.conftest import password_step, prove_second_factor
from mfa.totp import otp

pytestmark = pytest.mark.django_db

TOTP_URL = reverse("mfa:totp")
CONFIRM_URL = reverse("mfa:totp-confirm")
RECOVERY_CODES_URL = reverse("mfa:recovery-codes")
ME_URL = reverse("accounts:me")
RECOVERY_CODE = re.compile(r"^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$")


def start(client) -> dict:
    response = client.post(TOTP_URL)
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


def confirm(client, code: str):
    return client.post(CONFIRM_URL, {"code": code}, format="json")


def every_stored_value() -> str:
    """Every column of every mfa table, as text: what a database read would see."""
    with connection.cursor() as cursor:
        dumped = []
        for table in ("mfa_totpdevice", "mfa_recoverycode"):
            cursor.execute(f"SELECT * FROM {table}")
            dumped.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dumped)


class TestSetup:
    def test_shows_the_secret_its_uri_and_a_qr_code_not_yet_active(self, auth_client, user):
        setup = start(auth_client)
        assert set(setup) == {"secret", "otpauth_uri", "qr_svg"}
        assert re.fullmatch(r"[A-Z2-7]{32}", setup["secret"])
        uri = urlsplit(setup["otpauth_uri"])
        assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", f"/jwtsite:{user.username}")
        assert parse_qs(uri.query) == {"secret": [setup["secret"]], "issuer": ["jwtsite"]}
        svg = ET.fromstring(setup["qr_svg"])
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<script" not in setup["qr_svg"]
        assert auth_client.get(ME_URL).json()["mfa"] == {"totp": False, "passkeys": 0}
        assert TotpDevice.objects.get().confirmed_at is None

    def test_the_secret_is_encrypted_at_rest(self, auth_client):
        secret = start(auth_client)["secret"]
        stored = TotpDevice.objects.get().secret
        assert secret not in every_stored_value()
        assert crypto.decrypt_secret(stored) == secret

    def test_starting_again_replaces_a_pending_secret(self, auth_client):
        first = start(auth_client)["secret"]
        second = start(auth_client)["secret"]
        assert first != second
        assert crypto.decrypt_secret(TotpDevice.objects.get().secret) == second

    def test_with_two_factor_on_it_is_409(self, auth_client, two_factor):
        response = auth_client.post(TOTP_URL)
        assert response.status_code == HTTPStatus.CONFLICT
        assert response.json()["code"] == "two_factor_already_on"
        assert crypto.decrypt_secret(TotpDevice.objects.get().secret) == two_factor.secret

    def test_needs_a_recent_sign_in(self, auth_client, settings):
        settings.REAUTH_WINDOW = 0
        response = auth_client.post(TOTP_URL)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["code"] == "reauthentication_required"
        assert not TotpDevice.objects.exists()

    def test_signed_out_is_401(self, browser):
        assert browser.post(TOTP_URL).status_code == HTTPStatus.UNAUTHORIZED


class TestConfirm:
    def test_a_right_code_turns_it_on_and_shows_ten_recovery_codes_once(self, auth_client, clock, audit_lines):
        secret = start(auth_client)["secret"]
        response = confirm(auth_client, otp.code_at(secret=secret, step=clock.step))
        assert response.status_code == HTTPStatus.OK
        codes = response.json()["recovery_codes"]
        assert len(codes) == len(set(codes)) == 10
        assert all(RECOVERY_CODE.match(code) for code in codes)
        assert auth_client.get(ME_URL).json()["mfa"] == {"totp": True, "passkeys": 0}
        assert User.objects.get().totp_enabled is True
        # Stored hashed: neither the codes nor the secret can be read back.
        stored = every_stored_value()
        assert not any(code in stored or code.replace("-", "") in stored for code in codes)
        assert RecoveryCode.objects.count() == 10
        assert any(line["event"] == "two_factor_enabled" for line in audit_lines())

    def test_a_wrong_code_is_a_field_error_and_changes_nothing(self, auth_client, clock):
        secret = start(auth_client)["secret"]
        for wrong in (otp.code_at(secret=secret, step=clock.step + 2), "12345", "abcdef", "1234567"):
            response = confirm(auth_client, wrong)
            assert response.status_code == HTTPStatus.BAD_REQUEST
            assert response.json() == {"code": ["That code is not right."]}
        assert User.objects.get().totp_enabled is False
        assert not RecoveryCode.objects.exists()

    def test_the_confirming_code_cannot_sign_in_afterwards(self, auth_client, clock, user, browser):
        secret = start(auth_client)["secret"]
        code = otp.code_at(secret=secret, step=clock.step)
        assert confirm(auth_client, code).status_code == HTTPStatus.OK
        password_step(browser, user)
        response = browser.post(reverse("mfa:login-mfa"), {"code": code}, format="json")
        assert response.json()["code"] == "invalid_code"

    def test_nothing_to_confirm_is_409(self, auth_client):
        response = confirm(auth_client, "123456")
        assert response.status_code == HTTPStatus.CONFLICT
        assert response.json()["code"] == "no_two_factor_setup"

    def test_guesses_are_throttled_per_user(self, auth_client, settings):
        settings.MFA_CODE_RATE_USER = "3/min"
        start(auth_client)
        statuses = [confirm(auth_client, "000000").status_code for _ in range(4)]
        assert statuses == [400, 400, 400, 429]


class TestTurnOff:
    def test_deletes_the_secret_and_codes_and_says_so(self, auth_client, two_factor, committed, mailoutbox):
        prove_second_factor(auth_client, two_factor)
        with committed():
            response = auth_client.delete(TOTP_URL)
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert not TotpDevice.objects.exists()
        assert not RecoveryCode.objects.exists()
        assert auth_client.get(ME_URL).json()["mfa"]["totp"] is False
        (mail,) = mailoutbox
        assert mail.subject.startswith("Two-factor sign-in was turned off")

    def test_then_the_password_alone_signs_in(self, auth_client, two_factor, browser, user):
        prove_second_factor(auth_client, two_factor)
        auth_client.delete(TOTP_URL)
        assert browser.login_as(user).status_code == HTTPStatus.OK

    def test_needs_a_recent_sign_in(self, auth_client, two_factor, settings):
        settings.REAUTH_WINDOW = 0
        assert auth_client.delete(TOTP_URL).status_code == HTTPStatus.FORBIDDEN
        assert User.objects.get().totp_enabled is True

    def test_when_it_is_off_already_nothing_is_sent(self, auth_client, committed, mailoutbox):
        with committed():
            assert auth_client.delete(TOTP_URL).status_code == HTTPStatus.NO_CONTENT
        assert mailoutbox == []


class TestNewRecoveryCodes:
    def test_a_new_set_and_the_old_one_dies(self, auth_client, two_factor, browser, user):
        prove_second_factor(auth_client, two_factor)
        response = auth_client.post(RECOVERY_CODES_URL)
        assert response.status_code == HTTPStatus.OK
        fresh = response.json()["recovery_codes"]
        assert len(fresh) == 10
        assert not set(fresh) & set(two_factor.recovery_codes)
        assert RecoveryCode.objects.count() == 10
        password_step(browser, user)
        old = browser.post(reverse("mfa:login-mfa"), {"code": two_factor.recovery_codes[0]}, format="json")
        assert old.json()["code"] == "invalid_code"
        assert browser.post(reverse("mfa:login-mfa"), {"code": fresh[0]}, format="json").status_code == 200

    def test_need_two_factor_on(self, auth_client):
        response = auth_client.post(RECOVERY_CODES_URL)
        assert response.status_code == HTTPStatus.CONFLICT
        assert response.json()["code"] == "two_factor_off"

    def test_need_a_recent_sign_in(self, auth_client, two_factor, settings):
        settings.REAUTH_WINDOW = 0
        assert auth_client.post(RECOVERY_CODES_URL).status_code == HTTPStatus.FORBIDDEN
