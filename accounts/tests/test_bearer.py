"""The header (Bearer) API for scripts and other servers: no cookies, no CSRF."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.helpers import claims_of

pytestmark = pytest.mark.django_db

TOKEN_URL = reverse("accounts:token")
REFRESH_URL = reverse("accounts:token-refresh")
BLACKLIST_URL = reverse("accounts:token-blacklist")
ME_URL = reverse("accounts:me")


@pytest.fixture
def pair(api_client, user) -> dict:
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == HTTPStatus.OK
    return response.json()


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class TestObtain:
    def test_returns_a_pair_of_one_new_session_and_sets_no_cookie(self, api_client, user):
        response = api_client.post(
            TOKEN_URL,
            {"username": user.username, "password": DEFAULT_PASSWORD},
            format="json",
            HTTP_USER_AGENT="deploy-script/1.0",
        )
        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert set(body) == {"access", "refresh"}
        assert not response.cookies
        session = Session.objects.get()
        assert session.user_agent == "deploy-script/1.0"
        assert claims_of(body["access"])["sid"] == claims_of(body["refresh"])["sid"] == str(session.pk)

    def test_wrong_password_is_the_generic_401(self, api_client, user):
        response = api_client.post(TOKEN_URL, {"username": user.username, "password": "nope"}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {
            "detail": "No active account found with the given credentials.",
            "code": "invalid_credentials",
        }
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_needs_no_csrf_even_from_a_browser_like_client(self, browser, user):
        response = browser.post(
            TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json", csrf=False
        )
        assert response.status_code == HTTPStatus.OK


class TestUse:
    def test_access_token_authenticates_me_and_posts_without_csrf(self, browser, pair, user):
        assert browser.get(ME_URL, **bearer(pair["access"])).json()["id"] == user.pk
        response = browser.post(
            "/api/posts/", {"title": "from a script"}, format="json", csrf=False, **bearer(pair["access"])
        )
        assert response.status_code == HTTPStatus.CREATED

    def test_refresh_token_is_not_an_access_token(self, api_client, pair):
        response = api_client.get(ME_URL, **bearer(pair["refresh"]))
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "token_not_valid"


class TestRefresh:
    def test_rotates_with_the_same_rules_as_cookies(self, api_client, pair):
        first = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        assert first.status_code == HTTPStatus.OK
        successor = first.json()["refresh"]
        assert successor != pair["refresh"]
        again = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        assert again.json()["refresh"] == successor
        Session.objects.update(rotated_at=timezone.now() - timedelta(seconds=30))
        reused = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        assert reused.status_code == HTTPStatus.UNAUTHORIZED
        assert reused.json()["code"] == "token_reused"
        assert api_client.post(REFRESH_URL, {"refresh": successor}, format="json").status_code == 401

    def test_missing_field_is_400(self, api_client):
        response = api_client.post(REFRESH_URL, {}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"refresh": ["This field is required."]}

    def test_garbage_is_401(self, api_client):
        response = api_client.post(REFRESH_URL, {"refresh": "garbage"}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "token_not_valid"


class TestBlacklist:
    def test_revokes_the_session(self, api_client, pair):
        response = api_client.post(BLACKLIST_URL, {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert Session.objects.get().revoked_at is not None
        refreshed = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        assert refreshed.status_code == HTTPStatus.UNAUTHORIZED
        assert refreshed.json()["code"] == "session_revoked"

    def test_garbage_is_401_and_changes_nothing(self, api_client, pair):
        response = api_client.post(BLACKLIST_URL, {"refresh": "garbage"}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert Session.objects.get().revoked_at is None
