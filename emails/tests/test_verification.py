"""Verified addresses: the link at registration, resending it, mandatory verification, changing the address."""

import re
from http import HTTPStatus

import pytest
from django.core import signing
from django.urls import reverse

from accounts import services
from accounts.client import ClientInfo
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import BrowserClient
from emails import links

pytestmark = pytest.mark.django_db

REGISTER_URL = reverse("accounts:register")
LOGIN_URL = reverse("accounts:login")
TOKEN_URL = reverse("accounts:token")
ME_URL = reverse("accounts:me")
VERIFY_URL = reverse("emails:email-verify")
RESEND_URL = reverse("emails:email-verify-resend")
CHANGE_URL = reverse("emails:email-change")
PASSWORD = "a-long-unusual-passphrase"
LINK = re.compile(r"http://localhost:8000/verify-email/\?token=([^\s\"<]+)")


def link_token(message) -> str:
    (token,) = set(LINK.findall(message.body)) | set(LINK.findall(message.alternatives[0][0]))
    return token


def verify(client, token: str):
    return client.post(VERIFY_URL, {"token": token}, format="json")


def register(client, committed, **fields):
    with committed():
        return client.post(
            REGISTER_URL,
            {"username": "alice", "password": PASSWORD, "email": "alice@example.com", **fields},
            format="json",
        )


class TestRegistration:
    def test_an_address_gets_a_verification_mail(self, browser, mailoutbox, committed):
        response = register(browser, committed)
        assert response.status_code == HTTPStatus.CREATED
        assert response.json()["user"]["email_verified"] is False
        (message,) = mailoutbox
        assert message.to == ["alice@example.com"]
        assert "Verify your email address" in message.subject

        assert verify(BrowserClient(), link_token(message)).status_code == HTTPStatus.NO_CONTENT
        assert browser.get(ME_URL).json()["email_verified"] is True

    def test_no_address_no_mail(self, browser, mailoutbox, committed):
        assert register(browser, committed, email="").status_code == HTTPStatus.CREATED
        assert mailoutbox == []

    def test_the_domain_is_lower_cased(self, browser, committed):
        register(browser, committed, email="Alice@Example.COM")
        assert User.objects.get().email == "Alice@example.com"

    @pytest.mark.parametrize("taken", ["alice@example.com", "ALICE@example.com", "Alice@EXAMPLE.com"])
    def test_an_address_in_use_however_capitalised_never_becomes_a_second_accounts(self, browser, committed, taken):
        """The answer does not tell (accounts/tests/test_identity.py); the address stays with its owner."""
        owner = UserFactory(email="alice@example.com")
        response = register(browser, committed, email=taken)
        assert response.status_code == HTTPStatus.CREATED
        assert User.objects.count() == 2
        assert User.objects.exclude(email="").get() == owner


class TestVerify:
    def test_the_link_works_once_and_then_says_the_address_is_already_verified(self, user, audit_lines):
        token = links.verification_token(user, user.email)
        assert verify(BrowserClient(), token).status_code == HTTPStatus.NO_CONTENT
        assert User.objects.get().email_verified is True
        before = User.objects.values().get()
        response = verify(BrowserClient(), token)
        assert response.status_code == HTTPStatus.OK
        assert response.json() == {
            "detail": "This address is already verified: there is nothing left to do.",
            "code": "already_verified",
        }
        assert User.objects.values().get() == before
        assert len([line for line in audit_lines() if line["event"] == "email_verified"]) == 1

    def test_a_used_link_for_an_address_since_replaced_is_invalid(self, user):
        token = links.verification_token(user, user.email)
        verify(BrowserClient(), token)
        User.objects.filter(pk=user.pk).update(email="new@example.com")
        response = verify(BrowserClient(), token)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["token"]

    def test_an_expired_link_to_a_verified_address_says_it_is_verified(self, clock, user, settings):
        token = links.verification_token(user, user.email)
        verify(BrowserClient(), token)
        settings.PASSWORD_RESET_TIMEOUT = 0
        clock.advance(1.1)
        assert verify(BrowserClient(), token).json()["code"] == "already_verified"

    def test_an_expired_link_says_so(self, clock, user, settings):
        token = links.verification_token(user, user.email)
        settings.PASSWORD_RESET_TIMEOUT = 0
        clock.advance(1.1)  # signing's max_age has whole-second precision
        response = verify(BrowserClient(), token)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"token": ["This link has expired. Ask for a new one."]}
        assert User.objects.get().email_verified is False

    @pytest.mark.parametrize("token", ["", "x", "a" * 200, "e30:1v1:abc"])
    def test_garbage_is_a_token_error(self, user, token):
        response = verify(BrowserClient(), token)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["token"]

    def test_a_token_signed_for_something_else_is_refused(self, user):
        forged = signing.dumps({"u": user.pk, "a": user.email, "s": "x"}, salt="another.purpose")
        assert verify(BrowserClient(), forged).status_code == HTTPStatus.BAD_REQUEST
        assert User.objects.get().email_verified is False


@pytest.fixture
def mandatory(settings):
    settings.EMAIL_VERIFICATION = "mandatory"


class TestMandatory:
    def test_sign_in_is_refused_until_verified_and_a_new_link_is_sent(self, user, mandatory, mailoutbox, committed):
        client = BrowserClient()
        with committed():
            response = client.post(LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json")
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["code"] == "email_unverified"
        assert "__Host-access_token" not in response.cookies
        (message,) = mailoutbox

        # Asking again within minutes sends nothing more.
        with committed():
            client.post(LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json")
        assert len(mailoutbox) == 1

        assert verify(BrowserClient(), link_token(message)).status_code == HTTPStatus.NO_CONTENT
        client.login_as(user)

    def test_a_wrong_password_still_gets_the_generic_401(self, user, mandatory, mailoutbox, committed):
        with committed():
            response = BrowserClient().post(LOGIN_URL, {"username": user.username, "password": "wrong"}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert mailoutbox == []

    def test_bearer_sign_in_is_refused_too(self, user, mandatory, api_client):
        response = api_client.post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json")
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["code"] == "email_unverified"

    def test_a_verified_user_signs_in(self, mandatory):
        BrowserClient().login_as(UserFactory(email_verified=True))

    def test_registration_needs_an_address(self, browser, mandatory, committed):
        response = register(browser, committed, email="")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["email"]

    def test_optional_lets_unverified_users_in(self, user, settings):
        settings.EMAIL_VERIFICATION = "optional"
        BrowserClient().login_as(user)


class TestResend:
    def test_sends_a_new_link_while_unverified(self, auth_client, user, mailoutbox, committed):
        with committed():
            response = auth_client.post(RESEND_URL)
        assert response.status_code == HTTPStatus.ACCEPTED
        (message,) = mailoutbox
        assert message.to == [user.email]
        assert verify(BrowserClient(), link_token(message)).status_code == HTTPStatus.NO_CONTENT

    def test_sends_nothing_once_verified(self, auth_client, user, mailoutbox, committed):
        User.objects.filter(pk=user.pk).update(email_verified=True)
        with committed():
            assert auth_client.post(RESEND_URL).status_code == HTTPStatus.ACCEPTED
        assert mailoutbox == []

    def test_needs_a_user(self, browser):
        assert browser.post(RESEND_URL).status_code == HTTPStatus.UNAUTHORIZED

    def test_is_throttled_per_user(self, auth_client, settings, committed):
        settings.EMAIL_SEND_RATE_USER = "2/hour"
        for _ in range(2):
            assert auth_client.post(RESEND_URL).status_code == HTTPStatus.ACCEPTED
        response = auth_client.post(RESEND_URL)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "Retry-After" in response


def change(client, email: str, committed):
    with committed():
        return client.post(CHANGE_URL, {"email": email}, format="json")


class TestChange:
    def test_takes_effect_only_once_the_new_address_is_verified(self, auth_client, user, mailoutbox, committed):
        response = change(auth_client, "new@example.org", committed)
        assert response.status_code == HTTPStatus.ACCEPTED
        assert auth_client.get(ME_URL).json()["email"] == user.email  # not yet

        by_recipient = {message.to[0]: message for message in mailoutbox}
        assert set(by_recipient) == {"new@example.org", user.email}
        notice = by_recipient[user.email]
        assert "being changed" in notice.subject
        assert "new@example.org" in notice.body
        assert "/verify-email/" not in notice.body  # nothing the old address could follow to take over

        assert verify(BrowserClient(), link_token(by_recipient["new@example.org"])).status_code == HTTPStatus.NO_CONTENT
        assert auth_client.get(ME_URL).json() | {"id": 0} == {
            "id": 0,
            "username": user.username,
            "email": "new@example.org",
            "email_verified": True,
            "mfa": {"totp": False, "passkeys": 0},
        }

    def test_needs_recent_authentication(self, clock, auth_client, user, settings, mailoutbox, committed):
        settings.REAUTH_WINDOW = 0
        clock.advance(1.1)
        response = change(auth_client, "new@example.org", committed)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["code"] == "reauthentication_required"
        assert mailoutbox == []

    @pytest.mark.parametrize("address", ["ALICE@example.com", "alice@EXAMPLE.com"])
    def test_an_address_of_another_account_is_a_field_error(self, auth_client, address, mailoutbox, committed):
        UserFactory(email="alice@example.com")
        response = change(auth_client, address, committed)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["email"]
        assert mailoutbox == []

    def test_its_own_address_is_a_field_error(self, auth_client, user, committed):
        response = change(auth_client, user.email.upper(), committed)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"email": ["That is already your email address."]}

    def test_an_address_taken_meanwhile_is_refused_at_verification(self, auth_client, user, mailoutbox, committed):
        change(auth_client, "new@example.org", committed)
        UserFactory(email="NEW@example.org")
        message = next(message for message in mailoutbox if message.to == ["new@example.org"])
        response = verify(BrowserClient(), link_token(message))
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert User.objects.get(pk=user.pk).email == user.email

    def test_a_password_change_kills_the_link(self, auth_client, user, mailoutbox, committed):
        change(auth_client, "new@example.org", committed)
        auth_client.post(
            reverse("accounts:password"),
            {"old_password": DEFAULT_PASSWORD, "new_password": "changed-meanwhile-123"},
            format="json",
        )
        message = next(message for message in mailoutbox if message.to == ["new@example.org"])
        assert verify(BrowserClient(), link_token(message)).status_code == HTTPStatus.BAD_REQUEST
        assert User.objects.get(pk=user.pk).email == user.email

    def test_only_the_first_of_two_links_works(self, auth_client, user, mailoutbox, committed):
        change(auth_client, "first@example.org", committed)
        change(auth_client, "second@example.org", committed)
        first, second = (
            link_token(next(m for m in mailoutbox if m.to == [address]))
            for address in ("first@example.org", "second@example.org")
        )
        assert verify(BrowserClient(), second).status_code == HTTPStatus.NO_CONTENT
        assert verify(BrowserClient(), first).status_code == HTTPStatus.BAD_REQUEST
        assert User.objects.get(pk=user.pk).email == "second@example.org"

    def test_needs_a_user(self, browser, committed):
        assert change(browser, "new@example.org", committed).status_code == HTTPStatus.UNAUTHORIZED

    def test_a_malformed_address_is_400(self, auth_client, committed):
        assert change(auth_client, "nope", committed).status_code == HTTPStatus.BAD_REQUEST


def test_on_a_verifying_only_server_with_its_own_database_an_email_change_is_501(settings, user, mailoutbox):
    """It has no accounts: no 202 that promises a mail, and no mail."""
    settings.REVOCATION_FEED_URL = "http://127.0.0.1:9/api/auth/revocations/"
    access = services.session_create(user=user, client=ClientInfo(ip_address="192.0.2.1", user_agent="test")).access
    response = BrowserClient().post(
        CHANGE_URL, {"email": "new@example.com"}, format="json", HTTP_AUTHORIZATION=f"Bearer {access}"
    )
    assert response.status_code == HTTPStatus.NOT_IMPLEMENTED
    assert response.json()["code"] == "verifying_only_server"
    assert mailoutbox == []
