"""A revocation view that has not synced for longer than the bound.

On the auth server's own database, and on a verifying-only server that follows the feed.
"""

import logging
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Revocation, Session
from accounts.revocation import runtime
from accounts.revocation.follower import DatabaseSource, Follower
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.revocation_reach import (
    CLIENT,
    ME_URL,
    REVOKED,
    access_of,
    bearer,
    me,
    signed_in,
)
from conftest import BrowserClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale_view():
    """This process's view, followed but not synced for longer than the bound."""
    view = runtime.current_view()
    view.following = True
    view.synced_at = None
    return view


class TestStaleViewOnTheAuthDatabase:
    def test_falls_back_to_one_query_more_and_stays_correct(
        self, auth_client, user, stale_view, django_assert_num_queries
    ):
        other = signed_in(user, "phone")
        access = access_of(other)
        services.session_revoke(sessions=Session.objects.filter(user_agent="phone"))  # the view never hears
        with django_assert_num_queries(1):
            assert me(access).json() == REVOKED
        with django_assert_num_queries(2):
            assert auth_client.get(ME_URL).status_code == HTTPStatus.OK

    def test_healthz_says_degraded_and_the_error_is_logged_once(self, client, auth_client, stale_view, caplog):
        with caplog.at_level(logging.ERROR, logger="jwtsite.revocations"):
            for _ in range(3):
                assert auth_client.get(ME_URL).status_code == HTTPStatus.OK
                body = client.get("/healthz").json()
                assert body["status"] == "degraded"
                assert body["checks"]["revocations"] == "stale"
        errors = [record for record in caplog.records if record.name == "jwtsite.revocations"]
        assert len(errors) == 1
        assert "revocation view stale" in errors[0].getMessage()

    def test_current_again_after_a_sync(self, client, stale_view, caplog):
        client.get("/healthz")
        with caplog.at_level(logging.WARNING, logger="jwtsite.revocations"):
            Follower(stale_view, DatabaseSource(), interval=1, on_current=runtime._process.report_current)._run_once()
        assert client.get("/healthz").json()["checks"]["revocations"] == "ok"
        assert "revocation view current again" in caplog.text


@pytest.fixture
def feed_server(settings):
    """This process as a verifying-only server on its own database: it follows a feed."""
    settings.REVOCATION_FEED_URL = "http://127.0.0.1:9/api/auth/revocations/"
    return settings


class TestVerifyingOnlyServerOnItsOwnDatabase:
    def test_users_come_from_the_token_without_a_query(self, feed_server, django_assert_num_queries, user):
        tokens = services.session_create(user=user, client=CLIENT)
        with django_assert_num_queries(0):
            response = me(tokens.access)
        assert response.status_code == HTTPStatus.OK
        assert response.json()["id"] == user.pk

    def test_session_and_user_revocations_from_the_feed_are_honoured(self, feed_server, user):
        first, second = (services.session_create(user=user, client=CLIENT) for _ in range(2))
        view = runtime.current_view()
        view.apply(runtime.store.Entries(sessions={first.session_id: 2**40}))
        assert me(first.access).json() == REVOKED
        assert me(second.access).status_code == HTTPStatus.OK
        view.apply(runtime.store.Entries(users={user.pk: (1, 2**40)}))
        assert me(second.access).json() == REVOKED

    def test_stale_honour_serves_tokens_until_they_expire(self, feed_server, stale_view, user):
        assert me(services.session_create(user=user, client=CLIENT).access).status_code == HTTPStatus.OK

    def test_stale_refuse_answers_503(self, feed_server, stale_view, user):
        feed_server.REVOCATION_STALE_POLICY = "refuse"
        response = me(services.session_create(user=user, client=CLIENT).access)
        assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert response.json() == {
            "detail": "Revocations cannot be checked right now; try again shortly.",
            "code": "revocations_unavailable",
        }
        assert response["Retry-After"] == "1"

    @pytest.mark.parametrize(
        ("method", "url_name"),
        [
            ("get", "accounts:sessions"),
            ("post", "accounts:logout"),
            ("post", "accounts:logout-all"),
            ("post", "accounts:password"),
            ("post", "accounts:reauthenticate"),
            ("delete", "accounts:account"),
            ("post", "accounts:token-blacklist"),
        ],
    )
    def test_what_needs_the_users_rows_answers_501_and_changes_nothing(self, feed_server, user, method, url_name):
        """Its database has no sessions or accounts: no 500, and no answer that pretends something happened."""
        tokens = services.session_create(user=user, client=CLIENT)
        body = {"password": DEFAULT_PASSWORD, "refresh": tokens.refresh}
        response = getattr(BrowserClient(), method)(reverse(url_name), body, format="json", **bearer(tokens.access))
        assert response.status_code == HTTPStatus.NOT_IMPLEMENTED
        assert response.json()["code"] == "verifying_only_server"
        assert Session.objects.get().revoked_at is None
        assert not Revocation.objects.exists()

    def test_its_own_pages_still_get_a_csrf_cookie(self, feed_server):
        response = BrowserClient().get(reverse("accounts:csrf"))
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert "csrftoken" in response.cookies
