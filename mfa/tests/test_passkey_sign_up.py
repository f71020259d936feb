"""Passkey-only sign-up: an account with a passkey and no password, its welcome mail, its recovery, and its rules."""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import Session, User
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import access_cookie, claims_of
from conftest import BrowserClient
from mfa.models import Passkey, WebAuthnChallenge
from mfa.tests.authenticator import SoftAuthenticator
from mfa.tests.conftest import passkey_login

pytestmark = pytest.mark.django_db

SIGNUP_OPTIONS_URL = reverse("mfa:passkey-signup-options")
SIGNUP_URL = reverse("mfa:passkey-signup")
RESET_URL = reverse("emails:password-reset")
RESET_CONFIRM_URL = reverse("emails:password-reset-confirm")
LOGIN_URL = reverse("accounts:login")
ME_URL = reverse("accounts:me")
RESET_LINK = re.compile(r"/password-reset/confirm/\?token=([^\s\"<]+)")
NEW_PASSWORD = "an-entirely-new-passphrase"


def sign_up_options(client, username="petra", email="petra@example.com"):
    return client.post(SIGNUP_OPTIONS_URL, {"username": username, "email": email}, format="json")


def sign_up(client, authenticator, committed, username="petra", email="petra@example.com", **lie):
    options = sign_up_options(client, username, email)
    assert options.status_code == HTTPStatus.OK, options.content
    with committed():
        return client.post(SIGNUP_URL, {"credential": authenticator.create(options.json(), **lie)}, format="json")


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator()


class TestSignUp:
    def test_creates_an_account_with_only_a_passkey_signed_in_by_it(self, authenticator, committed, mailoutbox):
        client = BrowserClient()
        response = sign_up(client, authenticator, committed)
        assert response.status_code == HTTPStatus.CREATED, response.content
        body = response.json()["user"]
        assert (body["username"], body["email"], body["email_verified"]) == ("petra", "petra@example.com", False)
        assert body["mfa"] == {"totp": False, "passkeys": 1}
        assert claims_of(access_cookie(response).value)["amr"] == ["webauthn"]
        assert "webauthn_challenge" in response.cookies
        assert response.cookies["webauthn_challenge"].value == ""

        user = User.objects.get(username="petra")
        assert not user.has_usable_password()
        passkey = Passkey.objects.get(user=user)
        assert bytes(passkey.user_handle) == authenticator.user_handle
        assert Session.objects.get(user=user).amr == "webauthn"
        assert client.get(ME_URL).json()["username"] == "petra"
        (welcome,) = mailoutbox  # the verification link, as registering sends
        assert welcome.to == ["petra@example.com"]
        assert "Verify your email address" in welcome.subject

    def test_signs_out_and_back_in_with_the_passkey_but_never_with_a_password(self, authenticator, committed):
        sign_up(BrowserClient(), authenticator, committed)
        again = passkey_login(BrowserClient(), authenticator)
        assert again.status_code == HTTPStatus.OK, again.content
        assert again.json()["user"]["username"] == "petra"
        for password in ("", "!", "None"):
            refused = BrowserClient().post(LOGIN_URL, {"username": "petra", "password": password}, format="json")
            assert refused.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED)

    def test_recovery_by_email_sets_a_password(self, authenticator, committed, mailoutbox):
        sign_up(BrowserClient(), authenticator, committed)
        mailoutbox.clear()
        stranger = BrowserClient()  # the passkey is lost: a new device, only the mailbox
        with committed():
            assert stranger.post(RESET_URL, {"email": "petra@example.com"}, format="json").status_code == 202
        (mail,) = mailoutbox
        token = RESET_LINK.search(mail.body).group(1)
        response = stranger.post(RESET_CONFIRM_URL, {"token": token, "new_password": NEW_PASSWORD}, format="json")
        assert response.status_code == HTTPStatus.NO_CONTENT, response.content
        user = User.objects.get(username="petra")
        assert user.has_usable_password()
        assert user.email_verified
        login = stranger.post(LOGIN_URL, {"username": "petra", "password": NEW_PASSWORD}, format="json")
        assert login.status_code == HTTPStatus.OK
        assert Session.objects.filter(user=user, revoked_at__isnull=True).count() == 1  # the old one died

    def test_a_taken_address_gets_the_same_answer_and_never_becomes_the_accounts(self, committed, mailoutbox):
        owner = UserFactory(username="dave", email="dave@example.com")
        free = sign_up(BrowserClient(), SoftAuthenticator(), committed, "newcomer", "carol@example.com")
        taken = sign_up(BrowserClient(), SoftAuthenticator(), committed, "mallory", "dave@example.com")
        assert free.status_code == taken.status_code == HTTPStatus.CREATED
        assert sorted(free.json()["user"]) == sorted(taken.json()["user"])
        assert taken.json()["user"]["email"] == "dave@example.com"
        mallory = User.objects.get(username="mallory")
        assert (mallory.email, mallory.unconfirmed_email) == ("", "dave@example.com")
        assert User.objects.get(email__iexact="dave@example.com") == owner
        verification, attempt = mailoutbox
        assert verification.to == ["carol@example.com"]
        assert attempt.to == ["dave@example.com"]
        assert "/verify-email/" not in attempt.body


class TestBadInput:
    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"username": "alice", "email": "a@example.com"}, "username"),  # taken
            ({"username": "ALICE", "email": "a@example.com"}, "username"),  # taken, however capitalised
            ({"username": "bad name!", "email": "a@example.com"}, "username"),
            ({"username": "petra", "email": ""}, "email"),  # no address, no recovery
            ({"username": "petra", "email": "not-an-address"}, "email"),
            ({"username": "petra"}, "email"),
        ],
    )
    def test_options_are_refused_as_registering_refuses(self, data, field):
        UserFactory(username="alice")
        response = BrowserClient().post(SIGNUP_OPTIONS_URL, data, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert field in response.json()
        assert not WebAuthnChallenge.objects.exists()

    @pytest.mark.parametrize("credential", [None, "text", {}, {"id": "x", "rawId": "x", "type": "public-key"}])
    def test_a_malformed_attestation_is_400_and_creates_nothing(self, credential):
        client = BrowserClient()
        sign_up_options(client)
        response = client.post(SIGNUP_URL, {"credential": credential}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert not User.objects.filter(username="petra").exists()

    def test_both_steps_are_throttled_per_ip_as_registering_is(self, settings):
        settings.REGISTER_RATE_IP = "2/min"
        client = BrowserClient()
        assert [sign_up_options(client).status_code for _ in range(3)] == [200, 200, 429]

    def test_both_steps_need_the_csrf_header(self):
        client = BrowserClient()
        response = client.post(
            SIGNUP_OPTIONS_URL, {"username": "p", "email": "p@example.com"}, format="json", csrf=False
        )
        assert response.status_code == HTTPStatus.FORBIDDEN


class TestAttacks:
    def test_options_replayed_for_another_username_make_the_first_one(self, authenticator, committed):
        client = BrowserClient()
        options = sign_up_options(client, "petra", "petra@example.com").json()
        # The second request carries no account details: any it adds are ignored.
        body = {"credential": authenticator.create(options), "username": "admin", "email": "admin@example.com"}
        with committed():
            response = client.post(SIGNUP_URL, body, format="json")
        assert response.status_code == HTTPStatus.CREATED
        assert response.json()["user"]["username"] == "petra"
        assert not User.objects.filter(username="admin").exists()

    def test_an_attestation_for_another_browsers_options_is_refused(self, authenticator, committed):
        victim, attacker = BrowserClient(), BrowserClient()
        victims_options = sign_up_options(victim, "victim", "victim@example.com").json()
        sign_up_options(attacker, "mallory", "mallory@example.com")
        response = attacker.post(SIGNUP_URL, {"credential": authenticator.create(victims_options)}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "webauthn_challenge_invalid"
        assert not User.objects.exists()

    def test_a_replayed_sign_up_creates_nothing_more(self, authenticator, committed):
        client = BrowserClient()
        options = sign_up_options(client).json()
        credential = authenticator.create(options)
        challenge_cookie = client.cookies["webauthn_challenge"].value
        with committed():
            assert client.post(SIGNUP_URL, {"credential": credential}, format="json").status_code == 201
        client.cookies["webauthn_challenge"] = challenge_cookie
        again = client.post(SIGNUP_URL, {"credential": credential}, format="json")
        assert again.status_code == HTTPStatus.BAD_REQUEST
        assert User.objects.count() == 1
        assert Passkey.objects.count() == 1

    def test_a_passkey_registered_already_makes_no_second_account(self, authenticator, committed):
        sign_up(BrowserClient(), authenticator, committed)
        again = sign_up(BrowserClient(), authenticator, committed, "petra2", "petra2@example.com")
        assert again.status_code == HTTPStatus.BAD_REQUEST
        assert again.json()["code"] == "passkey_already_registered"
        assert list(User.objects.values_list("username", flat=True)) == ["petra"]

    def test_a_username_taken_between_the_steps_is_400_and_creates_nothing(self, authenticator, committed):
        client = BrowserClient()
        options = sign_up_options(client).json()
        UserFactory(username="Petra")
        response = client.post(SIGNUP_URL, {"credential": authenticator.create(options)}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "username" in response.json()
        assert not Passkey.objects.exists()

    def test_no_user_verification_is_refused(self, authenticator, committed):
        response = sign_up(BrowserClient(), authenticator, committed, user_verified=False)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "webauthn_user_not_verified"
        assert not User.objects.exists()

    def test_the_last_passkey_of_an_account_without_a_password_cannot_be_removed(self, authenticator, committed):
        client = BrowserClient()
        sign_up(client, authenticator, committed)
        (passkey,) = Passkey.objects.all()
        response = client.delete(reverse("mfa:passkey-detail", args=[passkey.pk]))
        assert response.status_code == HTTPStatus.CONFLICT
        assert response.json()["code"] == "last_sign_in_method"
        assert Passkey.objects.filter(pk=passkey.pk).exists()
        assert User.objects.get(username="petra").passkey_count == 1
