"""Renaming an account (PATCH /api/auth/account/): the same rules as registration; the old name stops signing in."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Session, User
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

ACCOUNT_URL = reverse("accounts:account")
ME_URL = reverse("accounts:me")
LOGIN_URL = reverse("accounts:login")


def rename(client, username, **extra):
    return client.patch(ACCOUNT_URL, {"username": username}, format="json", **extra)


def test_renames_and_the_new_name_signs_in_the_old_one_no_longer(auth_client, user, committed):
    old = user.username
    with committed():
        response = rename(auth_client, "Renamed.Person")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["username"] == "Renamed.Person"
    assert auth_client.get(ME_URL).json()["username"] == "Renamed.Person"  # the session goes on
    user.refresh_from_db()
    assert (user.username, user.username_key) == ("Renamed.Person", "renamed.person")
    assert AuditEvent.objects.filter(event="username_changed", user_id=user.pk).exists()
    fresh = BrowserClient()
    assert fresh.post(LOGIN_URL, {"username": old, "password": DEFAULT_PASSWORD}, format="json").status_code == 401
    signed_in = fresh.post(LOGIN_URL, {"username": "renamed.person", "password": DEFAULT_PASSWORD}, format="json")
    assert signed_in.status_code == HTTPStatus.OK


def test_a_change_of_capitals_alone_is_allowed(auth_client, user):
    response = rename(auth_client, user.username.upper())
    assert response.status_code == HTTPStatus.OK
    assert User.objects.get(pk=user.pk).username == user.username.upper()


FULL_WIDTH_SAME = "\uff53\uff41\uff4d\uff45"


@pytest.mark.parametrize("spelling", ["same", "SAME", FULL_WIDTH_SAME], ids=["as is", "capitals", "full width"])
def test_another_accounts_name_however_spelled_is_refused(auth_client, user, other_user, spelling):
    User.objects.filter(pk=other_user.pk).update(username="same", username_key="same")
    response = rename(auth_client, spelling)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert User.objects.get(pk=user.pk).username == user.username


@pytest.mark.parametrize(
    "username",
    ["", "has space", "x" * 151, "p\u0430ypal"],  # the last mixes a Cyrillic a into Latin
    ids=["empty", "space", "too long", "mixed scripts"],
)
def test_bad_names_are_400_and_change_nothing(auth_client, user, username):
    response = rename(auth_client, username)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert User.objects.get(pk=user.pk).username == user.username


@pytest.mark.parametrize("body", [{}, {"username": None}, {"username": ["a"]}, "not json"])
def test_malformed_bodies_are_400(auth_client, user, body):
    response = auth_client.patch(ACCOUNT_URL, body, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert User.objects.get(pk=user.pk).username == user.username


def test_needs_recent_authentication(auth_client, user, settings):
    settings.REAUTH_WINDOW = 0
    response = rename(auth_client, "new-name")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "reauthentication_required"
    assert User.objects.get(pk=user.pk).username == user.username


def test_needs_the_csrf_header(auth_client, user):
    assert rename(auth_client, "new-name", csrf=False).status_code == HTTPStatus.FORBIDDEN
    assert User.objects.get(pk=user.pk).username == user.username


def test_signed_out_is_401(browser):
    assert rename(browser, "new-name").status_code == HTTPStatus.UNAUTHORIZED


def test_every_session_stays_live(auth_client, user):
    second = BrowserClient()
    second.login_as(user)
    rename(auth_client, "new-name")
    assert Session.objects.live().filter(user=user).count() == 2
    assert second.get(ME_URL).json()["username"] == "new-name"
