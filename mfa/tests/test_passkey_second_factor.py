"""A passkey as the second factor after a password: offered, accepted, and every way to abuse it refused."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import access_cookie, claims_of
from conftest import BrowserClient
from mfa.models import LoginTicket
from mfa.tests.authenticator import SoftAuthenticator, b64url
from mfa.tests.conftest import password_step, register_passkey, turn_on_two_factor

pytestmark = pytest.mark.django_db

OPTIONS_URL = reverse("mfa:login-mfa-passkey-options")
ANSWER_URL = reverse("mfa:login-mfa-passkey")
LOGIN_URL = reverse("accounts:login")


def passkey_answer(client, authenticator: SoftAuthenticator, **lie):
    options = client.post(OPTIONS_URL)
    assert options.status_code == HTTPStatus.OK, options.content
    return client.post(ANSWER_URL, authenticator.get(options.json(), **lie), format="json")


@pytest.fixture
def with_passkey(auth_client, authenticator, two_factor):
    """``user`` with two-factor on and a passkey on ``authenticator``."""
    register_passkey(auth_client, authenticator)
    two_factor.user.refresh_from_db()
    return two_factor


class TestOffered:
    def test_the_second_factor_ask_names_passkey_when_the_user_has_one(self, with_passkey):
        response = password_step(BrowserClient(), with_passkey.user)
        assert response.json()["methods"] == ["totp", "recovery_code", "passkey"]

    def test_not_without_a_passkey(self, two_factor):
        assert password_step(BrowserClient(), two_factor.user).json()["methods"] == ["totp", "recovery_code"]

    def test_a_passkey_without_two_factor_asks_for_nothing_after_a_password(self, auth_client, authenticator, user):
        register_passkey(auth_client, authenticator)
        response = BrowserClient().post(
            LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
        )
        assert response.status_code == HTTPStatus.OK
        assert claims_of(access_cookie(response).value)["amr"] == ["pwd"]

    def test_options_name_only_the_tickets_users_passkeys(self, with_passkey, authenticator):
        client = BrowserClient()
        password_step(client, with_passkey.user)
        options = client.post(OPTIONS_URL).json()
        assert [each["id"] for each in options["allowCredentials"]] == [b64url(authenticator.credential_id)]
        assert options["userVerification"] == "required"


class TestAccepted:
    def test_password_then_passkey_signs_in_with_both_in_amr(self, with_passkey, authenticator, audit_lines):
        client = BrowserClient()
        password_step(client, with_passkey.user)
        response = passkey_answer(client, authenticator)
        assert response.status_code == HTTPStatus.OK, response.content
        assert claims_of(access_cookie(response).value)["amr"] == ["pwd", "webauthn"]
        assert response.cookies["mfa_ticket"].value == ""
        assert Session.objects.get(user=with_passkey.user, revoked_at__isnull=True, amr="pwd webauthn")
        assert not LoginTicket.objects.exists()
        assert any(line["event"] == "login_succeeded" for line in audit_lines())


class TestAttacks:
    def test_options_without_a_ticket_are_401(self):
        response = BrowserClient().post(OPTIONS_URL)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "mfa_ticket_invalid"

    def test_options_for_a_user_without_passkeys_are_401(self, two_factor):
        client = BrowserClient()
        password_step(client, two_factor.user)
        assert client.post(OPTIONS_URL).status_code == HTTPStatus.UNAUTHORIZED

    def test_another_users_passkey_does_not_finish_this_sign_in(self, with_passkey):
        mallorys_key = SoftAuthenticator()
        mallory = BrowserClient()
        mallory.login_as(UserFactory(username="mallory"))
        register_passkey(mallory, mallorys_key)
        # Mallory knows the victim's password and answers the victim's ticket with her own passkey.
        client = BrowserClient()
        password_step(client, with_passkey.user)
        response = passkey_answer(client, mallorys_key)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "passkey_rejected"
        assert "__Host-access_token" not in response.cookies
        assert LoginTicket.objects.get().failures == 1

    def test_an_assertion_for_another_users_challenge_is_refused(self, with_passkey, authenticator, clock):
        # Bob has two-factor and a passkey too; his browser asks for options (a challenge bound to him).
        bob, bobs_key = UserFactory(username="bob"), SoftAuthenticator()
        bobs_browser = BrowserClient()
        bobs_browser.login_as(bob)
        register_passkey(bobs_browser, bobs_key)
        turn_on_two_factor(bob, clock)
        bobs_login = BrowserClient()
        password_step(bobs_login, bob)
        bobs_options = bobs_login.post(OPTIONS_URL).json()
        # The attacker, on the victim's ticket, answers Bob's challenge (its cookie too) with the victim's passkey.
        attacker = BrowserClient()
        password_step(attacker, with_passkey.user)
        attacker.cookies["webauthn_challenge"] = bobs_login.cookies["webauthn_challenge"].value
        response = attacker.post(ANSWER_URL, authenticator.get(bobs_options), format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "webauthn_challenge_invalid"
        assert "__Host-access_token" not in response.cookies
        # Spent all the same: Bob's own answer to it is refused too.
        bobs_answer = bobs_login.post(ANSWER_URL, bobs_key.get(bobs_options), format="json")
        assert bobs_answer.status_code == HTTPStatus.BAD_REQUEST

    def test_a_replayed_assertion_is_refused(self, with_passkey, authenticator):
        client = BrowserClient()
        password_step(client, with_passkey.user)
        options = client.post(OPTIONS_URL)
        challenge_cookie = client.cookies["webauthn_challenge"].value
        assertion = authenticator.get(options.json())
        assert client.post(ANSWER_URL, assertion, format="json").status_code == HTTPStatus.OK
        # Again, on a new ticket, with the same assertion and the same challenge cookie.
        again = BrowserClient()
        password_step(again, with_passkey.user)
        again.cookies["webauthn_challenge"] = challenge_cookie
        response = again.post(ANSWER_URL, assertion, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "webauthn_challenge_invalid"
        assert Session.objects.filter(user=with_passkey.user, amr="pwd webauthn").count() == 1

    def test_an_assertion_without_a_ticket_is_401(self, with_passkey, authenticator):
        client = BrowserClient()
        password_step(client, with_passkey.user)
        options = client.post(OPTIONS_URL).json()
        client.cookies.pop("mfa_ticket")
        response = client.post(ANSWER_URL, authenticator.get(options), format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "mfa_ticket_invalid"

    def test_no_user_verification_counts_against_the_ticket(self, with_passkey, authenticator):
        client = BrowserClient()
        password_step(client, with_passkey.user)
        response = passkey_answer(client, authenticator, user_verified=False)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "passkey_rejected"
        assert LoginTicket.objects.get().failures == 1

    def test_malformed_assertions_are_400(self, with_passkey):
        client = BrowserClient()
        password_step(client, with_passkey.user)
        for body in ({}, {"id": "x"}, {"id": "x", "rawId": "x", "type": "public-key", "response": {}}):
            assert client.post(ANSWER_URL, body, format="json").status_code == HTTPStatus.BAD_REQUEST
        assert not Session.objects.filter(user=with_passkey.user, amr__contains="webauthn").exists()


class TestThrottles:
    def test_a_passkey_answer_counts_once_against_the_code_throttle_as_a_code_does(
        self, with_passkey, authenticator, settings
    ):
        settings.MFA_CODE_RATE_IP = "2/min"
        client = BrowserClient()
        password_step(client, with_passkey.user)
        assert passkey_answer(client, authenticator, user_verified=False).status_code == HTTPStatus.UNAUTHORIZED
        assert passkey_answer(client, authenticator).status_code == HTTPStatus.OK
        again = BrowserClient()
        password_step(again, with_passkey.user)
        assert passkey_answer(again, authenticator).status_code == HTTPStatus.TOO_MANY_REQUESTS

    def test_options_are_throttled_per_ip_as_passkey_sign_in_options_are(self, with_passkey, settings):
        settings.PASSKEY_LOGIN_RATE_IP = "2/min"
        client = BrowserClient()
        password_step(client, with_passkey.user)
        statuses = [client.post(OPTIONS_URL).status_code for _ in range(3)]
        assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]
