"""Deleting the account: the user, their sessions, token records and posts go; nothing of them stays usable."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient
from posts.models import Post

pytestmark = pytest.mark.django_db

ACCOUNT_URL = reverse("accounts:account")
ME_URL = reverse("accounts:me")


@pytest.fixture
def others_things(other_user):
    """Another user's session and post, which must survive."""
    client = BrowserClient()
    client.login_as(other_user)
    Post.objects.create(author=other_user, title="theirs")
    return client


def test_deletes_the_user_with_sessions_tokens_and_posts(auth_client, user, others_things, other_user):
    second_device = BrowserClient()
    second_device.login_as(user)
    second_device.post(reverse("accounts:refresh"))  # a blacklisted token too
    Post.objects.create(author=user, title="mine")

    response = auth_client.delete(ACCOUNT_URL)

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.cookies["__Host-access_token"].value == ""
    assert response.cookies["__Secure-refresh_token"].value == ""
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Session.objects.filter(user_id=user.pk).exists()
    assert not OutstandingToken.objects.filter(user_id=user.pk).exists()
    assert not OutstandingToken.objects.filter(user__isnull=True).exists()
    assert BlacklistedToken.objects.filter(token__user=other_user).count() == 0
    assert list(Post.objects.values_list("title", flat=True)) == ["theirs"]
    assert others_things.get(ME_URL).status_code == HTTPStatus.OK


def test_every_token_of_the_user_is_dead(auth_client, user):
    second_device = BrowserClient()
    second_device.login_as(user)
    access = second_device.cookies["__Host-access_token"].value

    auth_client.delete(ACCOUNT_URL)

    assert second_device.get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED
    assert BrowserClient().get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401
    assert second_device.post(reverse("accounts:refresh")).status_code == HTTPStatus.UNAUTHORIZED
    login = BrowserClient().post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert login.status_code == HTTPStatus.UNAUTHORIZED


def test_the_username_and_address_are_free_again(auth_client, user, browser):
    auth_client.delete(ACCOUNT_URL)
    response = browser.post(
        reverse("accounts:register"),
        {"username": user.username, "password": "a-long-unusual-passphrase", "email": user.email},
        format="json",
    )
    assert response.status_code == HTTPStatus.CREATED


def test_a_bearer_client_deletes_its_account(user):
    client = BrowserClient()
    pair = client.post(
        reverse("accounts:token"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    response = client.delete(ACCOUNT_URL, HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not User.objects.exists()


def test_needs_recent_authentication_and_keeps_everything_without(auth_client, user, settings):
    settings.REAUTH_WINDOW = 0
    response = auth_client.delete(ACCOUNT_URL)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "reauthentication_required"
    assert User.objects.filter(pk=user.pk).exists()
    assert Session.objects.live().filter(user=user).exists()


def test_needs_the_csrf_header(auth_client, user):
    assert auth_client.delete(ACCOUNT_URL, csrf=False).status_code == HTTPStatus.FORBIDDEN
    assert User.objects.filter(pk=user.pk).exists()


def test_signed_out_is_401(browser):
    assert browser.delete(ACCOUNT_URL).status_code == HTTPStatus.UNAUTHORIZED


def test_the_audit_line_keeps_only_the_user_id(auth_client, user, audit_lines):
    auth_client.delete(ACCOUNT_URL)
    (line,) = [line for line in audit_lines() if line["event"] == "account_deleted"]
    assert line["user_id"] == user.pk
    assert {key for key, value in line.items() if value is not None} == {"event", "user_id"}
    assert user.username not in str(line)
    assert user.email not in str(line)
