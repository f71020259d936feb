"""Signing in with a passkey: no username, no second factor, and every way an assertion is refused."""

import time
from http import HTTPStatus

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import signing
from django.urls import reverse

from accounts.models import Session, User
from accounts.tests.helpers import access_cookie, claims_of, refresh_cookie
from conftest import BrowserClient
from mfa.models import Passkey, WebAuthnChallenge
from mfa.passkeys.challenges import CHALLENGE_LIFETIME
from mfa.tests.authenticator import SoftAuthenticator, unb64url
from mfa.tests.conftest import (
    LOGIN_OPTIONS_URL,
    PASSKEY_LOGIN_URL,
    REAUTH_OPTIONS_URL,
    passkey_login,
    register_passkey,
    turn_on_two_factor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger() -> BrowserClient:
    """A browser with no session: the passkey's owner on another device."""
    return BrowserClient()


def assert_not_signed_in(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert "__Host-access_token" not in response.cookies
    assert Session.objects.count() == 1  # the registering session only


class TestOptions:
    def test_any_passkey_of_this_site_with_the_user_verified(self, stranger):
        response = stranger.post(LOGIN_OPTIONS_URL)
        assert response.status_code == HTTPStatus.OK
        options = response.json()
        assert set(options) == {"challenge", "rpId", "userVerification", "timeout"}  # no allowCredentials
        assert (options["rpId"], options["userVerification"]) == ("localhost", "required")
        assert len(unb64url(options["challenge"])) == 32
        assert response.cookies["webauthn_challenge"]["httponly"] is True

    def test_are_throttled_per_ip(self, stranger, settings):
        settings.PASSKEY_LOGIN_RATE_IP = "2/min"
        assert [stranger.post(LOGIN_OPTIONS_URL).status_code for _ in range(3)] == [200, 200, 429]

    def test_need_the_csrf_header(self, stranger):
        assert stranger.post(LOGIN_OPTIONS_URL, csrf=False).status_code == HTTPStatus.FORBIDDEN


class TestSignIn:
    def test_signs_in_as_the_owner_without_a_username(self, passkey, authenticator, stranger, user, audit_lines):
        before = int(time.time())
        response = passkey_login(stranger, authenticator)
        assert response.status_code == HTTPStatus.OK, response.content
        body = response.json()
        assert body["user"] == {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "email_verified": False,
            "mfa": {"totp": False, "passkeys": 1},
        }
        assert set(body) == {"user", "access_expires", "refresh_expires"}
        for cookie in (access_cookie(response), refresh_cookie(response)):
            claims = claims_of(cookie.value)
            assert claims["amr"] == ["webauthn"]
            assert before <= claims["auth_time"] <= int(time.time())
        session = Session.objects.get(pk=claims["sid"])
        assert session.amr == "webauthn"
        stored = Passkey.objects.get()
        assert stored.sign_count == authenticator.sign_count == 1
        assert stored.last_used_at is not None
        assert not response.cookies["webauthn_challenge"].value  # cleared
        assert stranger.get(reverse("accounts:me")).json()["id"] == user.pk
        event = next(line for line in audit_lines() if line["event"] == "login_succeeded" and line.get("passkey_id"))
        assert (event["method"], event["user_id"], event["session_id"]) == ("webauthn", user.pk, claims["sid"])

    def test_no_second_factor_is_asked_even_with_two_factor_on(self, passkey, authenticator, stranger, user, clock):
        turn_on_two_factor(user, clock)
        response = passkey_login(stranger, authenticator)
        assert response.status_code == HTTPStatus.OK
        assert "mfa_ticket" not in response.cookies
        assert claims_of(access_cookie(response).value)["amr"] == ["webauthn"]
        assert response.json()["user"]["mfa"] == {"totp": True, "passkeys": 1}

    def test_the_verified_email_check_still_applies(self, passkey, authenticator, stranger, settings, committed):
        settings.EMAIL_VERIFICATION = "mandatory"
        with committed():
            response = passkey_login(stranger, authenticator)
        assert_not_signed_in(response, HTTPStatus.FORBIDDEN, "email_unverified")

    def test_remember_false_gives_browser_session_cookies(self, passkey, authenticator, stranger):
        options = stranger.post(LOGIN_OPTIONS_URL).json()
        body = {**authenticator.get(options), "remember": False}
        response = stranger.post(PASSKEY_LOGIN_URL, body, format="json")
        assert response.status_code == HTTPStatus.OK
        assert access_cookie(response)["max-age"] == ""
        assert Session.objects.get(pk=claims_of(access_cookie(response).value)["sid"]).remember is False

    def test_an_authenticator_without_a_counter_signs_in_again_and_again(self, auth_client, stranger):
        authenticator = SoftAuthenticator(counts=False)
        register_passkey(auth_client, authenticator)
        for _ in range(2):
            assert passkey_login(stranger, authenticator).status_code == HTTPStatus.OK
        assert Passkey.objects.get().sign_count == 0


class TestRefused:
    @pytest.mark.parametrize(
        ("lie", "code"),
        [
            ({"origin": "https://evil.example"}, "webauthn_origin_mismatch"),
            ({"origin": "http://127.0.0.1:8000"}, "webauthn_origin_mismatch"),
            ({"rp_id": "evil.example"}, "webauthn_rp_id_mismatch"),
            ({"ceremony": "webauthn.create"}, "webauthn_type_mismatch"),
        ],
    )
    def test_an_assertion_made_for_another_site_is_a_clear_400(self, passkey, authenticator, stranger, lie, code):
        assert_not_signed_in(passkey_login(stranger, authenticator, **lie), HTTPStatus.BAD_REQUEST, code)

    def test_a_challenge_answers_once(self, passkey, authenticator, stranger):
        options = stranger.post(LOGIN_OPTIONS_URL).json()
        assertion = authenticator.get(options)
        cookie = stranger.cookies["webauthn_challenge"].value
        assert stranger.post(PASSKEY_LOGIN_URL, assertion, format="json").status_code == HTTPStatus.OK
        replay = BrowserClient()
        replay.cookies["webauthn_challenge"] = cookie
        response = replay.post(PASSKEY_LOGIN_URL, authenticator.get(options), format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "webauthn_challenge_invalid"
        assert Session.objects.count() == 2

    def test_a_wrong_answer_spends_the_challenge_too(self, passkey, authenticator, stranger):
        options = stranger.post(LOGIN_OPTIONS_URL).json()
        cookie = stranger.cookies["webauthn_challenge"].value
        bad = stranger.post(PASSKEY_LOGIN_URL, authenticator.get(options, user_verified=False), format="json")
        assert bad.status_code == HTTPStatus.UNAUTHORIZED
        stranger.cookies["webauthn_challenge"] = cookie
        response = stranger.post(PASSKEY_LOGIN_URL, authenticator.get(options), format="json")
        assert_not_signed_in(response, HTTPStatus.BAD_REQUEST, "webauthn_challenge_invalid")

    def test_an_expired_challenge_is_400(self, passkey, authenticator, stranger, clock):
        options = stranger.post(LOGIN_OPTIONS_URL).json()
        clock.advance(CHALLENGE_LIFETIME.total_seconds() + 1)
        response = stranger.post(PASSKEY_LOGIN_URL, authenticator.get(options), format="json")
        assert_not_signed_in(response, HTTPStatus.BAD_REQUEST, "webauthn_challenge_invalid")

    def test_options_write_nothing_and_the_answer_records_the_challenge_as_spent(
        self, passkey, authenticator, stranger, django_assert_num_queries
    ):
        with django_assert_num_queries(0):
            options = stranger.post(LOGIN_OPTIONS_URL).json()
        assert not WebAuthnChallenge.objects.exists()
        assert stranger.post(PASSKEY_LOGIN_URL, authenticator.get(options), format="json").status_code == HTTPStatus.OK
        assert WebAuthnChallenge.objects.get().purpose == "login"

    def test_a_forged_or_altered_challenge_cookie_is_400(self, passkey, authenticator, stranger):
        options = stranger.post(LOGIN_OPTIONS_URL).json()
        payload, stamp, signature = stranger.cookies["webauthn_challenge"].value.split(":")
        forged = signing.dumps({"p": "login", "c": options["challenge"]}, salt="mfa.passkeys.challenge", key="guess")
        for cookie in (forged, f"{payload}:{stamp}:{signature[::-1]}", f"{payload}x:{stamp}:{signature}", "x" * 300):
            stranger.cookies["webauthn_challenge"] = cookie
            response = stranger.post(PASSKEY_LOGIN_URL, authenticator.get(options), format="json")
            assert_not_signed_in(response, HTTPStatus.BAD_REQUEST, "webauthn_challenge_invalid")
        assert not WebAuthnChallenge.objects.exists()

    def test_a_re_authentication_challenge_cannot_sign_in(self, passkey, authenticator, auth_client):
        options = auth_client.post(REAUTH_OPTIONS_URL).json()
        thief = BrowserClient()
        thief.cookies["webauthn_challenge"] = auth_client.cookies["webauthn_challenge"].value
        response = thief.post(PASSKEY_LOGIN_URL, authenticator.get(options), format="json")
        assert_not_signed_in(response, HTTPStatus.BAD_REQUEST, "webauthn_challenge_invalid")

    def test_an_unknown_passkey_is_401(self, passkey, stranger):
        response = passkey_login(stranger, SoftAuthenticator(user_handle=b"x" * 32))
        assert_not_signed_in(response, HTTPStatus.UNAUTHORIZED, "passkey_unknown")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_a_forged_signature_is_401(self, passkey, authenticator, stranger):
        authenticator.key = ec.generate_private_key(ec.SECP256R1())  # same credential id, another key
        response = passkey_login(stranger, authenticator)
        assert_not_signed_in(response, HTTPStatus.UNAUTHORIZED, "passkey_rejected")
        assert Passkey.objects.get().sign_count == 0

    def test_without_user_verification_it_is_401(self, passkey, authenticator, stranger):
        response = passkey_login(stranger, authenticator, user_verified=False)
        assert_not_signed_in(response, HTTPStatus.UNAUTHORIZED, "passkey_rejected")

    def test_a_user_handle_that_is_not_the_passkeys_is_401(self, passkey, authenticator, stranger):
        response = passkey_login(stranger, authenticator, user_handle=b"\x00" * 32)
        assert_not_signed_in(response, HTTPStatus.UNAUTHORIZED, "passkey_unknown")

    def test_a_deactivated_user_is_401(self, passkey, authenticator, stranger, user):
        User.objects.filter(pk=user.pk).update(is_active=False)
        assert_not_signed_in(passkey_login(stranger, authenticator), HTTPStatus.UNAUTHORIZED, "passkey_unknown")

    def test_failures_are_audited(self, passkey, authenticator, stranger, audit_lines):
        passkey_login(stranger, authenticator, user_verified=False)
        passkey_login(stranger, authenticator, origin="https://evil.example")
        events = [(line["event"], line.get("reason")) for line in audit_lines()]
        assert ("login_failed", "passkey_rejected") in events
        assert ("passkey_rejected", "webauthn_origin_mismatch") in events

    def test_throttled_per_ip(self, passkey, authenticator, stranger, settings):
        settings.PASSKEY_LOGIN_RATE_IP = "2/min"
        options = stranger.post(LOGIN_OPTIONS_URL).json()
        responses = [
            stranger.post(PASSKEY_LOGIN_URL, authenticator.get(options, user_verified=False), format="json")
            for _ in range(3)
        ]
        assert [response.status_code for response in responses] == [401, 400, 429]
        assert int(responses[-1]["Retry-After"]) > 0


class TestClonedAuthenticator:
    def test_a_counter_that_goes_backwards_is_refused_and_audited(
        self, passkey, authenticator, stranger, user, audit_lines
    ):
        assert passkey_login(stranger, authenticator, sign_count=5).status_code == HTTPStatus.OK
        response = passkey_login(BrowserClient(), authenticator, sign_count=3)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "passkey_cloned"
        assert Passkey.objects.get().sign_count == 5
        (clone,) = [line for line in audit_lines() if line["event"] == "passkey_clone_detected"]
        assert (clone["user_id"], clone["sign_count"], clone["known_sign_count"]) == (user.pk, 3, 5)
        assert clone["passkey_id"] == passkey["id"]

    def test_a_counter_that_stands_still_is_refused(self, passkey, authenticator, stranger):
        assert passkey_login(stranger, authenticator, sign_count=7).status_code == HTTPStatus.OK
        response = passkey_login(BrowserClient(), authenticator, sign_count=7)
        assert response.json()["code"] == "passkey_cloned"

    def test_a_counter_that_drops_to_zero_is_refused(self, passkey, authenticator, stranger):
        assert passkey_login(stranger, authenticator, sign_count=2).status_code == HTTPStatus.OK
        assert passkey_login(BrowserClient(), authenticator, sign_count=0).json()["code"] == "passkey_cloned"

    def test_the_genuine_authenticator_still_signs_in(self, passkey, authenticator, stranger):
        assert passkey_login(stranger, authenticator, sign_count=5).status_code == HTTPStatus.OK
        passkey_login(BrowserClient(), authenticator, sign_count=2)
        assert passkey_login(BrowserClient(), authenticator, sign_count=6).status_code == HTTPStatus.OK
