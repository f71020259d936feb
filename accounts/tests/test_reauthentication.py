"""auth_time and amr in every token, recent authentication for sensitive actions, and re-authenticating."""

import time
from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.helpers import access_cookie, claims_of, refresh_cookie, sign
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

REAUTH_URL = reverse("accounts:reauthenticate")
REFRESH_URL = reverse("accounts:refresh")
TOKEN_URL = reverse("accounts:token")
ACCOUNT_URL = reverse("accounts:account")
EMAIL_URL = reverse("emails:email-change")
REQUIRED = {"detail": "Confirm it is you: re-authenticate, then try again.", "code": "reauthentication_required"}


@pytest.fixture
def short_window(settings):
    """``short_window()``: from now on, every sign-in so far is too old (a zero window: auth_time has whole seconds).

    ``short_window(reopen=True)``: the usual window again, for what follows a re-authentication.
    """

    def window(reopen: bool = False) -> None:
        settings.REAUTH_WINDOW = 300 if reopen else 0

    return window


def bearer_pair(client: APIClient, user) -> dict:
    response = client.post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == HTTPStatus.OK
    return response.json()


class TestClaims:
    def test_sign_in_stamps_both_tokens_with_when_and_how(self, browser, user):
        before = int(time.time())
        response = browser.login_as(user)
        for cookie in (access_cookie(response), refresh_cookie(response)):
            claims = claims_of(cookie.value)
            assert before <= claims["auth_time"] <= int(time.time())
            assert claims["amr"] == ["pwd"]
        session = Session.objects.get()
        assert int(session.auth_time.timestamp()) == claims["auth_time"]

    def test_refresh_keeps_them(self, clock, auth_client, user):
        signed_in = claims_of(auth_client.cookies["__Host-access_token"].value)
        clock.advance(1.1)
        response = auth_client.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.OK
        for cookie in (access_cookie(response), refresh_cookie(response)):
            claims = claims_of(cookie.value)
            assert claims["iat"] > signed_in["iat"]
            assert (claims["auth_time"], claims["amr"]) == (signed_in["auth_time"], signed_in["amr"])

    def test_bearer_sign_in_carries_them_too(self, api_client, user):
        pair = bearer_pair(api_client, user)
        assert claims_of(pair["access"])["amr"] == claims_of(pair["refresh"])["amr"] == ["pwd"]

    @pytest.mark.parametrize(
        "claims",
        [{"auth_time": "yesterday"}, {"auth_time": True}, {"amr": "pwd"}, {"amr": ["sms-ish"]}, {"amr": [["pwd"]]}],
    )
    def test_malformed_claims_are_refused(self, auth_client, claims):
        valid = claims_of(auth_client.cookies["__Host-access_token"].value)
        forged = sign({**valid, **claims})
        response = APIClient().get(reverse("accounts:me"), HTTP_AUTHORIZATION=f"Bearer {forged}")
        assert response.status_code == HTTPStatus.UNAUTHORIZED

    def test_a_token_from_before_these_claims_still_works_but_is_not_recent(self, auth_client, user):
        valid = claims_of(auth_client.cookies["__Host-access_token"].value)
        legacy = sign({key: value for key, value in valid.items() if key not in ("auth_time", "amr")})
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {legacy}")
        assert client.get(reverse("accounts:me")).status_code == HTTPStatus.OK
        response = BrowserClient().delete(ACCOUNT_URL, HTTP_AUTHORIZATION=f"Bearer {legacy}")
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == REQUIRED


class TestRecentAuthentication:
    def test_within_the_window_a_sensitive_action_is_allowed(self, auth_client, committed):
        with committed():
            response = auth_client.post(EMAIL_URL, {"email": "new@example.org"}, format="json")
        assert response.status_code == HTTPStatus.ACCEPTED

    def test_after_the_window_it_is_403_and_changes_nothing(self, auth_client, user, short_window):
        short_window()
        response = auth_client.delete(ACCOUNT_URL)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == REQUIRED
        assert type(user).objects.filter(pk=user.pk).exists()

    def test_refresh_does_not_make_it_recent(self, auth_client, user, short_window):
        short_window()
        assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.OK
        assert auth_client.delete(ACCOUNT_URL).json() == REQUIRED

    def test_signed_out_is_401_not_403(self, browser):
        assert browser.delete(ACCOUNT_URL).status_code == HTTPStatus.UNAUTHORIZED

    def test_protective_actions_never_need_it(self, auth_client, user, short_window):
        short_window()
        other = BrowserClient()
        other.login_as(user)
        other_id = claims_of(other.cookies["__Host-access_token"].value)["sid"]
        assert auth_client.delete(reverse("accounts:session-detail", args=[other_id])).status_code == 204
        assert auth_client.post(reverse("accounts:logout-all")).status_code == HTTPStatus.NO_CONTENT


class TestReauthenticate:
    def test_cookie_client_gets_fresh_cookies_and_the_action_works_again(self, auth_client, user, short_window):
        short_window()
        old_session = Session.objects.get()
        response = auth_client.post(REAUTH_URL, {"password": DEFAULT_PASSWORD}, format="json")
        short_window(reopen=True)
        assert response.status_code == HTTPStatus.OK
        assert set(response.json()) == {"access_expires", "refresh_expires"}
        access = claims_of(access_cookie(response).value)
        assert abs(access["auth_time"] - time.time()) <= 2
        assert access["amr"] == ["pwd"]
        assert access["sid"] == str(old_session.pk)  # the same session, rotated
        assert claims_of(refresh_cookie(response).value)["auth_time"] == access["auth_time"]
        assert auth_client.delete(ACCOUNT_URL).status_code == HTTPStatus.NO_CONTENT

    def test_the_window_runs_again_from_the_re_authentication(self, clock, auth_client, settings):
        settings.REAUTH_WINDOW = 1
        clock.advance(2.1)
        assert auth_client.post(REAUTH_URL, {"password": DEFAULT_PASSWORD}, format="json").status_code == 200
        assert auth_client.get(reverse("accounts:me")).status_code == HTTPStatus.OK
        clock.advance(2.1)
        assert auth_client.delete(ACCOUNT_URL).json() == REQUIRED

    def test_a_bearer_client_gets_its_new_pair_in_the_body(self, clock, user, short_window):
        client = BrowserClient()
        pair = bearer_pair(client, user)
        clock.advance(1.1)  # so that the new auth_time is later
        short_window()
        response = client.post(
            REAUTH_URL, {"password": DEFAULT_PASSWORD}, format="json", HTTP_AUTHORIZATION=f"Bearer {pair['access']}"
        )
        short_window(reopen=True)
        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert set(body) == {"access", "refresh", "access_expires", "refresh_expires"}
        assert not response.cookies.get("access_token")
        assert not response.cookies.get("__Host-access_token")
        assert claims_of(body["access"])["auth_time"] > claims_of(pair["access"])["auth_time"]
        # The old refresh token was rotated away like any other: within the grace it gets the same successor.
        replayed = client.post(reverse("accounts:token-refresh"), {"refresh": pair["refresh"]}, format="json")
        assert claims_of(replayed.json()["refresh"])["jti"] == claims_of(body["refresh"])["jti"]
        response = client.delete(ACCOUNT_URL, HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        assert response.status_code == HTTPStatus.NO_CONTENT, response.json()

    def test_a_wrong_password_is_401_and_changes_nothing(self, auth_client, audit_lines):
        before = Session.objects.get().current_jti
        response = auth_client.post(REAUTH_URL, {"password": "wrong"}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "invalid_credentials"
        assert "WWW-Authenticate" in response
        assert not response.cookies.get("__Host-access_token")
        assert Session.objects.get().current_jti == before
        assert any(line["event"] == "reauthentication_failed" for line in audit_lines())

    def test_no_password_is_a_field_error(self, auth_client):
        response = auth_client.post(REAUTH_URL, {}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["password"]

    def test_needs_a_user(self, browser):
        assert browser.post(REAUTH_URL, {"password": DEFAULT_PASSWORD}, format="json").status_code == 401

    def test_needs_the_csrf_header(self, auth_client):
        response = auth_client.post(REAUTH_URL, {"password": DEFAULT_PASSWORD}, format="json", csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN

    def test_a_revoked_session_cannot_re_authenticate(self, auth_client, user):
        access = auth_client.cookies["__Host-access_token"].value
        Session.objects.update(revoked_at=Session.objects.get().created_at)
        client = BrowserClient()
        response = client.post(
            REAUTH_URL, {"password": DEFAULT_PASSWORD}, format="json", HTTP_AUTHORIZATION=f"Bearer {access}"
        )
        assert response.status_code == HTTPStatus.UNAUTHORIZED

    def test_wrong_guesses_are_throttled_per_user(self, auth_client, settings):
        settings.PASSWORD_CHECK_RATE_USER = "3/min"
        for _ in range(3):
            assert auth_client.post(REAUTH_URL, {"password": "guess"}, format="json").status_code == 401
        response = auth_client.post(REAUTH_URL, {"password": DEFAULT_PASSWORD}, format="json")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(response["Retry-After"]) > 0


class TestPasswordChangeThrottle:
    def test_old_password_guesses_hit_429(self, auth_client):
        """Issue 10: 12 wrong guesses in a row were all answered 400, none 429."""
        statuses = [
            auth_client.post(
                reverse("accounts:password"),
                {"old_password": f"guess{n}", "new_password": "x-new-passphrase"},
                format="json",
            ).status_code
            for n in range(12)
        ]
        assert statuses[:5] == [HTTPStatus.BAD_REQUEST] * 5
        assert set(statuses[5:]) == {HTTPStatus.TOO_MANY_REQUESTS}
