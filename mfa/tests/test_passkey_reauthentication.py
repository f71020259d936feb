"""Re-authenticating with a passkey: ``POST /api/auth/reauthenticate/`` with ``assertion``."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.tests.helpers import access_cookie, claims_of
from conftest import BrowserClient
from mfa.models import Passkey
from mfa.tests.authenticator import SoftAuthenticator, b64url
from mfa.tests.conftest import LOGIN_OPTIONS_URL, REAUTH_OPTIONS_URL, register_passkey

pytestmark = pytest.mark.django_db

REAUTH_URL = reverse("accounts:reauthenticate")
ACCOUNT_URL = reverse("accounts:account")


def reauthenticate(client, authenticator, **lie):
    options = client.post(REAUTH_OPTIONS_URL)
    assert options.status_code == HTTPStatus.OK, options.content
    return client.post(REAUTH_URL, {"assertion": authenticator.get(options.json(), **lie)}, format="json")


class TestOptions:
    def test_offer_only_the_users_own_passkeys(self, auth_client, passkey, authenticator):
        other = SoftAuthenticator()
        register_passkey(auth_client, other, name="Spare")
        options = auth_client.post(REAUTH_OPTIONS_URL).json()
        assert [credential["id"] for credential in options["allowCredentials"]] == [
            b64url(authenticator.credential_id),
            b64url(other.credential_id),
        ]
        assert options["userVerification"] == "required"

    def test_need_a_signed_in_user_but_no_recent_sign_in(self, auth_client, browser, settings):
        settings.REAUTH_WINDOW = 0
        assert auth_client.post(REAUTH_OPTIONS_URL).status_code == HTTPStatus.OK
        assert browser.post(REAUTH_OPTIONS_URL).status_code == HTTPStatus.UNAUTHORIZED


class TestReauthenticate:
    def test_a_passkey_gives_a_fresh_auth_time(self, clock, auth_client, passkey, authenticator, settings, audit_lines):
        signed_in = claims_of(auth_client.cookies["__Host-access_token"].value)
        clock.advance(1.1)
        settings.REAUTH_WINDOW = 0
        response = reauthenticate(auth_client, authenticator)
        assert response.status_code == HTTPStatus.OK, response.content
        claims = claims_of(access_cookie(response).value)
        assert claims["amr"] == ["webauthn"]
        assert claims["auth_time"] > signed_in["auth_time"]
        assert claims["sid"] == signed_in["sid"]
        settings.REAUTH_WINDOW = 300
        assert auth_client.delete(ACCOUNT_URL).status_code == HTTPStatus.NO_CONTENT
        assert any(line["event"] == "reauthenticated" and line["method"] == "webauthn" for line in audit_lines())

    def test_another_users_passkey_is_401(self, auth_client, passkey, other_user, audit_lines):
        thief = BrowserClient()
        thief.login_as(other_user)
        before = thief.cookies["__Host-access_token"].value
        options = thief.post(REAUTH_OPTIONS_URL).json()
        # The victim's credential id (what an attacker could see), answered with the attacker's key.
        stolen = SoftAuthenticator(credential_id=bytes(Passkey.objects.get().credential_id))
        response = thief.post(REAUTH_URL, {"assertion": stolen.get(options)}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "passkey_unknown"
        assert thief.cookies["__Host-access_token"].value == before
        assert any(line["event"] == "reauthentication_failed" for line in audit_lines())

    def test_a_sign_in_challenge_does_not_re_authenticate(self, auth_client, passkey, authenticator):
        options = auth_client.post(LOGIN_OPTIONS_URL).json()
        response = auth_client.post(REAUTH_URL, {"assertion": authenticator.get(options)}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "webauthn_challenge_invalid"

    def test_the_challenge_is_the_sessions_own(self, auth_client, passkey, authenticator, user):
        options = auth_client.post(REAUTH_OPTIONS_URL).json()
        other_session = BrowserClient()
        other_session.login_as(user)
        other_session.cookies["webauthn_challenge"] = auth_client.cookies["webauthn_challenge"].value
        response = other_session.post(REAUTH_URL, {"assertion": authenticator.get(options)}, format="json")
        assert response.json()["code"] == "webauthn_challenge_invalid"

    def test_a_wrong_origin_is_400(self, auth_client, passkey, authenticator):
        response = reauthenticate(auth_client, authenticator, origin="https://evil.example")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "webauthn_origin_mismatch"

    def test_a_malformed_assertion_is_a_field_error(self, auth_client):
        response = auth_client.post(REAUTH_URL, {"assertion": {"id": "x"}}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["assertion"]

    def test_a_password_still_works_and_comes_first(self, auth_client, passkey, authenticator):
        response = auth_client.post(REAUTH_URL, {"password": "wrong", "assertion": {}}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "invalid_credentials"

    def test_a_bearer_client_gets_its_pair_in_the_body(self, user, passkey, authenticator):
        client = BrowserClient()
        pair = client.post(
            reverse("accounts:token"), {"username": user.username, "password": "correct-horse-battery-staple"}
        ).json()
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {pair['access']}"}
        options = client.post(REAUTH_OPTIONS_URL, **bearer).json()
        response = client.post(REAUTH_URL, {"assertion": authenticator.get(options)}, format="json", **bearer)
        assert response.status_code == HTTPStatus.OK, response.content
        assert claims_of(response.json()["access"])["amr"] == ["webauthn"]
