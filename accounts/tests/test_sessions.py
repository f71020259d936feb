"""Logout, logout everywhere, password change and the devices API over HTTP."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts import services
from accounts.client import ClientInfo
from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import access_cookie, claims_of, refresh_cookie, sign
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

ME_URL = reverse("accounts:me")
REFRESH_URL = reverse("accounts:refresh")
SESSIONS_URL = reverse("accounts:sessions")


def assert_cookies_cleared(response) -> None:
    for cookie, path in ((access_cookie(response), "/"), (refresh_cookie(response), "/api/auth/")):
        assert cookie.value == ""
        assert cookie["max-age"] == 0
        assert cookie["path"] == path


def second_device(user) -> BrowserClient:
    client = BrowserClient()
    client.login_as(user, HTTP_USER_AGENT="Other device")
    return client


class TestLogout:
    def test_revokes_this_session_and_clears_cookies(self, auth_client, user):
        other = second_device(user)
        response = auth_client.post(reverse("accounts:logout"))
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert_cookies_cleared(response)
        mine, theirs = Session.objects.get(user_agent=""), Session.objects.get(user_agent="Other device")
        assert mine.revoked_at is not None
        assert theirs.revoked_at is None
        assert BlacklistedToken.objects.filter(token_id=mine.current_token_id).exists()
        assert other.post(REFRESH_URL).status_code == HTTPStatus.OK

    def test_the_old_refresh_token_is_dead_at_once(self, auth_client):
        old_refresh = auth_client.cookies["__Secure-refresh_token"].value
        auth_client.post(reverse("accounts:logout"))
        auth_client.cookies["__Secure-refresh_token"] = old_refresh
        response = auth_client.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "session_revoked"

    @pytest.mark.parametrize("cookie", [None, "broken", "a.b.c"])
    def test_204_with_no_or_a_broken_cookie(self, browser, cookie):
        if cookie:
            browser.cookies["__Secure-refresh_token"] = cookie
        response = browser.post(reverse("accounts:logout"))
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert_cookies_cleared(response)

    @pytest.mark.parametrize("refresh", [None, "broken"])
    def test_without_a_usable_refresh_cookie_the_access_cookie_names_the_session(self, auth_client, user, refresh):
        other = second_device(user)
        if refresh:
            auth_client.cookies["__Secure-refresh_token"] = refresh
        else:
            del auth_client.cookies["__Secure-refresh_token"]
        response = auth_client.post(reverse("accounts:logout"))
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert_cookies_cleared(response)
        assert Session.objects.get(user_agent="").revoked_at is not None
        assert Session.objects.get(user_agent="Other device").revoked_at is None
        assert other.post(REFRESH_URL).status_code == HTTPStatus.OK

    @pytest.mark.parametrize("forgery", ["expired", "wrong key", "refresh type"])
    def test_an_unusable_access_cookie_revokes_nothing(self, auth_client, forgery):
        claims = claims_of(auth_client.cookies["__Host-access_token"].value)
        if forgery == "expired":
            access = sign({**claims, "exp": claims["iat"] - 60})
        elif forgery == "wrong key":
            access = sign(claims, key="not-the-signing-key-" * 3)
        else:
            access = sign({**claims, "token_type": "refresh"})
        del auth_client.cookies["__Secure-refresh_token"]
        auth_client.cookies["__Host-access_token"] = access
        response = auth_client.post(reverse("accounts:logout"))
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert_cookies_cleared(response)
        assert Session.objects.get().revoked_at is None

    def test_needs_csrf(self, auth_client):
        response = auth_client.post(reverse("accounts:logout"), csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert Session.objects.get().revoked_at is None


class TestLogoutAll:
    def test_kills_every_session_and_every_issued_access_token(self, auth_client, user):
        other = second_device(user)
        assert other.get(ME_URL).status_code == HTTPStatus.OK
        response = auth_client.post(reverse("accounts:logout-all"))
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert_cookies_cleared(response)
        assert not Session.objects.live().exists()
        assert BlacklistedToken.objects.count() == 2
        rejected = other.get(ME_URL)
        assert rejected.status_code == HTTPStatus.UNAUTHORIZED
        assert rejected.json() == {"detail": "Token has been revoked.", "code": "token_revoked"}
        assert other.post(REFRESH_URL).status_code == HTTPStatus.UNAUTHORIZED

    def test_a_new_login_in_the_same_second_works(self, auth_client, user):
        auth_client.post(reverse("accounts:logout-all"))
        fresh = BrowserClient()
        fresh.login_as(user)
        assert fresh.get(ME_URL).status_code == HTTPStatus.OK

    def test_leaves_other_users_alone(self, auth_client, other_user):
        other = second_device(other_user)
        auth_client.post(reverse("accounts:logout-all"))
        assert other.get(ME_URL).status_code == HTTPStatus.OK

    def test_needs_authentication(self, browser):
        response = browser.post(reverse("accounts:logout-all"))
        assert response.status_code == HTTPStatus.UNAUTHORIZED

    @pytest.mark.slow
    def test_constant_queries_for_a_thousand_sessions(self, auth_client, user, settings, django_assert_max_num_queries):
        # A thousand live sessions, not the default bound's 100 live and 900 evicted on the way.
        settings.MAX_SESSIONS_PER_USER = 1000
        for _ in range(999):
            services.session_create(user=user, client=ClientInfo(ip_address=None, user_agent="bulk"), sign_in=False)
        with django_assert_max_num_queries(8):
            assert auth_client.post(reverse("accounts:logout-all")).status_code == HTTPStatus.NO_CONTENT
        assert Session.objects.filter(revoked_at__isnull=True).count() == 0
        assert BlacklistedToken.objects.count() == 1000


class TestPasswordChange:
    URL = reverse("accounts:password")

    def test_keeps_only_this_session_and_reissues_its_cookies(self, auth_client, user):
        other = second_device(user)
        old_access = auth_client.cookies["__Host-access_token"].value
        response = auth_client.post(
            self.URL, {"old_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-passphrase"}, format="json"
        )
        assert response.status_code == HTTPStatus.NO_CONTENT
        new_access = access_cookie(response).value
        assert new_access != old_access
        assert claims_of(new_access)["ver"] == 1
        user.refresh_from_db()
        assert user.check_password("a-brand-new-passphrase")
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK
        assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.OK
        assert other.get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert other.post(REFRESH_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert Session.objects.live().count() == 1

    def test_the_previous_access_token_is_rejected(self, auth_client):
        old_access = auth_client.cookies["__Host-access_token"].value
        auth_client.post(self.URL, {"old_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-passphrase"})
        script = BrowserClient()
        assert script.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {old_access}").status_code == HTTPStatus.UNAUTHORIZED

    def test_wrong_old_password_is_a_field_error(self, auth_client, user):
        response = auth_client.post(self.URL, {"old_password": "nope", "new_password": "a-brand-new-passphrase"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"old_password": ["Your old password was entered incorrectly."]}
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)
        assert user.token_version == 0

    def test_weak_new_password_is_a_field_error(self, auth_client):
        response = auth_client.post(self.URL, {"old_password": DEFAULT_PASSWORD, "new_password": "password"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"new_password": ["This password is too common."]}

    def test_needs_authentication(self, browser):
        assert browser.post(self.URL, {}).status_code == HTTPStatus.UNAUTHORIZED


class TestDevices:
    def test_lists_live_sessions_newest_first_marking_this_one(self, auth_client, user, other_user):
        other = second_device(user)
        second_device(other_user)
        other.post(reverse("accounts:logout"))
        newest = second_device(user)
        response = auth_client.get(SESSIONS_URL)
        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert [s["user_agent"] for s in body] == ["Other device", ""]
        assert [s["current"] for s in body] == [False, True]
        # API.md's keys, and the user agent in words (the same reading as the admin and notices).
        assert set(body[0]) == {
            *("id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address", "current"),
            *("device", "bound"),
        }
        assert [s["bound"] for s in body] == [False, False]
        assert body[0]["id"] == claims_of(newest.cookies["__Host-access_token"].value)["sid"]

    def test_revokes_another_device(self, auth_client, user):
        other = second_device(user)
        sid = claims_of(other.cookies["__Host-access_token"].value)["sid"]
        response = auth_client.delete(reverse("accounts:session-detail", args=[sid]))
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert other.post(REFRESH_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert [s["current"] for s in auth_client.get(SESSIONS_URL).json()] == [True]

    def test_another_users_session_is_404_and_untouched(self, auth_client, other_user):
        theirs = second_device(other_user)
        sid = claims_of(theirs.cookies["__Host-access_token"].value)["sid"]
        response = auth_client.delete(reverse("accounts:session-detail", args=[sid]))
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json() == {"detail": "Not found.", "code": "not_found"}
        assert theirs.post(REFRESH_URL).status_code == HTTPStatus.OK

    def test_unknown_and_malformed_ids_are_404(self, auth_client):
        assert auth_client.delete(f"{SESSIONS_URL}00000000-0000-0000-0000-000000000000/").status_code == 404
        assert auth_client.delete(f"{SESSIONS_URL}not-a-uuid/").status_code == 404

    def test_needs_csrf(self, auth_client, user):
        sid = claims_of(second_device(user).cookies["__Host-access_token"].value)["sid"]
        response = auth_client.delete(reverse("accounts:session-detail", args=[sid]), csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert Session.objects.live().count() == 2

    def test_list_query_count(self, auth_client, user, django_assert_max_num_queries):
        for _ in range(5):
            services.session_create(user=user, client=ClientInfo(ip_address="192.0.2.1", user_agent="bulk"))
        with django_assert_max_num_queries(2):
            auth_client.get(SESSIONS_URL)

    def test_needs_authentication(self, browser):
        assert browser.get(SESSIONS_URL).status_code == HTTPStatus.UNAUTHORIZED


def test_deactivated_user_is_rejected_on_the_next_request(auth_client, user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = auth_client.get(ME_URL)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "User is inactive", "code": "user_inactive"}


def test_me_costs_no_statement_once_the_user_is_cached(auth_client, django_assert_num_queries):
    with django_assert_num_queries(1):  # this process has not seen the user yet
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK
    with django_assert_num_queries(0):
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK


def test_other_users_factory_is_distinct():
    assert UserFactory.build().username != UserFactory.build().username
