"""Refresh rotation over HTTP: one successor per token, a grace for racing tabs, reuse kills the session."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import conf
from accounts.models import Session
from accounts.tests.helpers import access_cookie, claims_of, refresh_cookie, sign

pytestmark = pytest.mark.django_db

REFRESH_URL = reverse("accounts:refresh")
ME_URL = reverse("accounts:me")


def refresh_with(client, raw_refresh: str):
    client.cookies["__Secure-refresh_token"] = raw_refresh
    return client.post(REFRESH_URL)


def age_rotation(session: Session, seconds: int) -> None:
    """Moves the session's last rotation ``seconds`` into the past."""
    Session.objects.filter(pk=session.pk).update(rotated_at=timezone.now() - timedelta(seconds=seconds))


class TestRotation:
    def test_rotates_both_cookies_and_blacklists_the_old_token(self, auth_client):
        old = auth_client.cookies["__Secure-refresh_token"].value
        response = auth_client.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.OK
        assert set(response.json()) == {"access_expires", "refresh_expires"}
        new = refresh_cookie(response).value
        assert new != old
        session = Session.objects.get()
        old_claims, new_claims = claims_of(old), claims_of(new)
        assert (session.previous_jti, session.current_jti) == (old_claims["jti"], new_claims["jti"])
        assert new_claims["sid"] == old_claims["sid"] == str(session.pk)
        assert BlacklistedToken.objects.filter(token__jti=old_claims["jti"]).exists()
        assert not BlacklistedToken.objects.filter(token__jti=new_claims["jti"]).exists()
        assert claims_of(access_cookie(response).value)["sid"] == str(session.pk)
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK

    def test_no_token_in_the_body(self, auth_client):
        response = auth_client.post(REFRESH_URL)
        assert refresh_cookie(response).value not in response.content.decode()
        assert access_cookie(response).value not in response.content.decode()

    def test_remember_false_stays_a_browser_session_across_refreshes(self, browser, user):
        browser.login_as(user, remember=False)
        response = browser.post(REFRESH_URL)
        assert refresh_cookie(response)["max-age"] == ""
        assert access_cookie(response)["max-age"] == ""

    def test_needs_csrf(self, auth_client):
        response = auth_client.post(REFRESH_URL, csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["code"] == "csrf_failed"
        assert Session.objects.get().rotated_at is None

    def test_query_budget_one_transaction(self, auth_client, django_assert_max_num_queries):
        with django_assert_max_num_queries(8) as captured:
            assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.OK
        writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
        assert len(writes) == 3  # successor recorded, predecessor blacklisted, session moved on

    def test_never_extends_a_session_past_its_max_age(self, auth_client, settings):
        session = Session.objects.get()
        login_time = timezone.now() - timedelta(seconds=conf.SESSION_MAX_AGE - 60)
        Session.objects.filter(pk=session.pk).update(created_at=login_time)
        response = auth_client.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.OK
        expires = claims_of(refresh_cookie(response).value)["exp"]
        assert expires <= (login_time + timedelta(seconds=conf.SESSION_MAX_AGE)).timestamp()
        assert int(refresh_cookie(response)["max-age"]) <= 60

    def test_a_session_at_its_max_age_cannot_refresh(self, auth_client, settings):
        Session.objects.update(created_at=timezone.now() - timedelta(seconds=conf.SESSION_MAX_AGE))
        response = auth_client.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "session_expired"


class TestFailures:
    def test_missing_cookie_is_401(self, browser):
        response = browser.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "No refresh token.", "code": "token_not_valid"}
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        # Nothing to clear: a Set-Cookie here could undo a login racing this call.
        assert "__Host-access_token" not in response.cookies

    @pytest.mark.parametrize("raw", ["garbage", "a.b.c", "ü" * 10])
    def test_malformed_cookie_is_401_and_clears_cookies(self, browser, raw):
        browser.cookies["__Secure-refresh_token"] = raw
        response = browser.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "token_not_valid"
        assert refresh_cookie(response).value == ""
        assert refresh_cookie(response)["path"] == "/api/auth/"

    def test_expired_refresh_token_is_401(self, auth_client):
        claims = claims_of(auth_client.cookies["__Secure-refresh_token"].value)
        expired = sign({**claims, "exp": int(timezone.now().timestamp()) - 60})
        assert refresh_with(auth_client, expired).status_code == HTTPStatus.UNAUTHORIZED

    def test_access_token_is_not_a_refresh_token(self, auth_client):
        response = refresh_with(auth_client, auth_client.cookies["__Host-access_token"].value)
        assert response.status_code == HTTPStatus.UNAUTHORIZED

    def test_forged_signature_is_401(self, auth_client):
        claims = claims_of(auth_client.cookies["__Secure-refresh_token"].value)
        assert (
            refresh_with(auth_client, sign(claims, key="not-the-signing-key-but-just-as-long-as-one")).status_code
            == HTTPStatus.UNAUTHORIZED
        )
        assert Session.objects.get().revoked_at is None

    def test_revoked_session_is_401(self, auth_client):
        Session.objects.update(revoked_at=timezone.now())
        response = auth_client.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "session_revoked"

    def test_deactivated_user_cannot_refresh(self, auth_client, user):
        user.is_active = False
        user.save()
        response = auth_client.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "user_inactive"


class TestReuse:
    def test_within_grace_gets_the_same_successor_byte_for_byte(self, auth_client):
        old = auth_client.cookies["__Secure-refresh_token"].value
        first = auth_client.post(REFRESH_URL)
        successor = refresh_cookie(first).value
        second = refresh_with(auth_client, old)
        assert second.status_code == HTTPStatus.OK
        assert refresh_cookie(second).value == successor
        assert second.json()["refresh_expires"] == first.json()["refresh_expires"]
        assert claims_of(access_cookie(second).value)["sid"] == str(Session.objects.get().pk)
        assert OutstandingToken.objects.count() == 2
        assert Session.objects.get().revoked_at is None

    def test_after_grace_revokes_the_whole_session(self, auth_client):
        old = auth_client.cookies["__Secure-refresh_token"].value
        successor = refresh_cookie(auth_client.post(REFRESH_URL)).value
        session = Session.objects.get()
        age_rotation(session, 11)
        response = refresh_with(auth_client, old)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "token_reused"
        session.refresh_from_db()
        assert session.revoked_at is not None
        assert BlacklistedToken.objects.filter(token__jti=claims_of(successor)["jti"]).exists()
        assert refresh_with(auth_client, successor).status_code == HTTPStatus.UNAUTHORIZED

    def test_a_token_two_rotations_old_is_reuse_even_within_grace(self, auth_client):
        first = auth_client.cookies["__Secure-refresh_token"].value
        auth_client.post(REFRESH_URL)
        auth_client.post(REFRESH_URL)
        response = refresh_with(auth_client, first)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "token_reused"
        assert Session.objects.get().revoked_at is not None

    def test_reuse_revokes_only_that_session(self, auth_client, user):
        other_device = type(auth_client)()
        other_device.login_as(user)
        old = auth_client.cookies["__Secure-refresh_token"].value
        auth_client.post(REFRESH_URL)
        Session.objects.update(rotated_at=timezone.now() - timedelta(seconds=60))
        refresh_with(auth_client, old)
        assert other_device.post(REFRESH_URL).status_code == HTTPStatus.OK

    def test_grace_is_configurable(self, auth_client, settings):
        settings.REFRESH_REUSE_GRACE = 0
        old = auth_client.cookies["__Secure-refresh_token"].value
        auth_client.post(REFRESH_URL)
        age_rotation(Session.objects.get(), 1)
        assert refresh_with(auth_client, old).status_code == HTTPStatus.UNAUTHORIZED
