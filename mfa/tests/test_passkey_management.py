"""Listing, renaming and removing passkeys, down to the last one."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import services
from accounts.client import ClientInfo
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient
from mfa.models import Passkey
from mfa.tests.authenticator import SoftAuthenticator
from mfa.tests.conftest import PASSKEYS_URL, passkey_login, register_passkey

pytestmark = pytest.mark.django_db


def detail_url(passkey_id: int) -> str:
    return reverse("mfa:passkey-detail", args=[passkey_id])


@pytest.fixture
def other_passkey(other_user) -> dict:
    client = BrowserClient()
    client.login_as(other_user)
    return register_passkey(client, SoftAuthenticator(), name="Theirs")


class TestList:
    def test_lists_only_the_users_own(self, auth_client, passkey, other_passkey):
        assert auth_client.get(PASSKEYS_URL).json() == [passkey]

    def test_signed_out_is_401(self, browser):
        assert browser.get(PASSKEYS_URL).status_code == HTTPStatus.UNAUTHORIZED


class TestRename:
    def test_renames_without_a_recent_sign_in(self, auth_client, passkey, settings, audit_lines):
        settings.REAUTH_WINDOW = 0
        response = auth_client.patch(detail_url(passkey["id"]), {"name": "Work laptop"}, format="json")
        assert response.status_code == HTTPStatus.OK
        assert response.json() == {**passkey, "name": "Work laptop"}
        assert Passkey.objects.get().name == "Work laptop"
        assert any(line["event"] == "passkey_renamed" for line in audit_lines())

    @pytest.mark.parametrize("name", ["", "x" * 65, None])
    def test_a_bad_name_is_a_field_error(self, auth_client, passkey, name):
        response = auth_client.patch(detail_url(passkey["id"]), {"name": name}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["name"]
        assert Passkey.objects.get().name == "Laptop"

    def test_another_users_passkey_is_404(self, auth_client, other_passkey):
        response = auth_client.patch(detail_url(other_passkey["id"]), {"name": "Mine now"}, format="json")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert Passkey.objects.get(pk=other_passkey["id"]).name == "Theirs"


class TestRemove:
    def test_removes_it_and_says_so(self, auth_client, passkey, authenticator, committed, mailoutbox, audit_lines):
        with committed():
            response = auth_client.delete(detail_url(passkey["id"]))
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert not Passkey.objects.exists()
        assert auth_client.get(reverse("accounts:me")).json()["mfa"] == {"totp": False, "passkeys": 0}
        (mail,) = mailoutbox
        assert mail.subject.startswith("A passkey was removed")
        assert "“Laptop”" in mail.body
        removed = next(line for line in audit_lines() if line["event"] == "passkey_removed")
        assert (removed["passkey_id"], removed["by"]) == (passkey["id"], "user")
        # It no longer signs anyone in.
        response = passkey_login(BrowserClient(), authenticator)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "passkey_unknown"

    def test_needs_a_recent_sign_in(self, auth_client, passkey, settings):
        settings.REAUTH_WINDOW = 0
        response = auth_client.delete(detail_url(passkey["id"]))
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["code"] == "reauthentication_required"
        assert Passkey.objects.exists()

    def test_another_users_passkey_is_404(self, auth_client, other_passkey, other_user):
        assert auth_client.delete(detail_url(other_passkey["id"])).status_code == HTTPStatus.NOT_FOUND
        assert Passkey.objects.filter(pk=other_passkey["id"]).exists()
        assert User.objects.get(pk=other_user.pk).passkey_count == 1

    def test_an_unknown_id_is_404(self, auth_client):
        assert auth_client.delete(detail_url(999)).status_code == HTTPStatus.NOT_FOUND

    def test_the_last_passkey_of_an_account_with_a_password_can_go(self, auth_client, passkey, user, browser):
        assert auth_client.delete(detail_url(passkey["id"])).status_code == HTTPStatus.NO_CONTENT
        assert User.objects.get().passkey_count == 0
        assert browser.login_as(user, DEFAULT_PASSWORD).status_code == HTTPStatus.OK

    def test_the_last_way_into_an_account_without_a_password_stays(self, auth_client, passkey, user):
        User.objects.filter(pk=user.pk).update(password="!unusable")
        response = auth_client.delete(detail_url(passkey["id"]))
        assert response.status_code == HTTPStatus.CONFLICT
        assert response.json()["code"] == "last_sign_in_method"
        assert Passkey.objects.count() == User.objects.get().passkey_count == 1

    def test_without_a_password_one_of_two_passkeys_can_go(self, auth_client, passkey, user):
        register_passkey(auth_client, SoftAuthenticator(), name="Spare")
        User.objects.filter(pk=user.pk).update(password="!unusable")
        assert auth_client.delete(detail_url(passkey["id"])).status_code == HTTPStatus.NO_CONTENT
        assert Passkey.objects.get().name == "Spare"
        assert User.objects.get().passkey_count == 1


def test_on_a_verifying_only_server_with_its_own_database_passkeys_are_501(settings, user):
    """It follows the auth server's feed and has none of the user's rows: a clear 501, not a 500."""
    settings.REVOCATION_FEED_URL = "http://127.0.0.1:9/api/auth/revocations/"
    access = services.session_create(user=user, client=ClientInfo(ip_address="192.0.2.1", user_agent="test")).access
    response = BrowserClient().get(PASSKEYS_URL, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == HTTPStatus.NOT_IMPLEMENTED
    assert response.json()["code"] == "verifying_only_server"
