"""simplejwt's blacklist refuses what it lists: a session's current refresh token blacklisted anywhere revokes it.

accounts writes the ledger (every rotation and revocation); these tests write
it the other ways someone could (the ORM in a shell, simplejwt's own
``get_or_create``, ``bulk_create``, SQL typed into the database) and check
what a user would see: the refresh answers 401, the session is revoked, its
access tokens are refused here and by another process, and normal rotation
still costs what it did.
"""

from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Revocation, Session
from accounts.revocation import blacklist, runtime
from accounts.revocation.follower import DatabaseSource, Follower
from accounts.tests.helpers import claims_of
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

REFRESH_URL = reverse("accounts:refresh")
ME_URL = reverse("accounts:me")
REVOKED = {"detail": "Token has been revoked.", "code": "token_revoked"}
# The refresh's lock, successor recorded, session moved on, predecessor blacklisted, in one transaction.
REFRESH_STATEMENTS = 6


def another_process() -> Follower:
    """A view that learns revocations only from the database, as a second server process does."""
    follower = Follower(runtime.RevocationView(stale_after=5, following=False), DatabaseSource(), interval=0.25)
    follower.sync_once()
    return follower


def refresh_cookie_of(client: BrowserClient) -> str:
    return client.cookies["__Secure-refresh_token"].value


def access_of(client: BrowserClient) -> str:
    return client.cookies["__Host-access_token"].value


def blacklist_with_sql(token_id: int) -> None:
    table = connection.ops.quote_name(BlacklistedToken._meta.db_table)
    token, at = (
        connection.ops.quote_name(BlacklistedToken._meta.get_field(name).column) for name in ("token", "blacklisted_at")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({token}, {at}) VALUES (%s, CURRENT_TIMESTAMP)",
            [token_id],
        )


BLACKLISTERS = {
    "orm_create": lambda token_id: BlacklistedToken.objects.create(token_id=token_id),
    # What simplejwt's RefreshToken.blacklist() does.
    "simplejwt_get_or_create": lambda token_id: BlacklistedToken.objects.get_or_create(
        token=OutstandingToken.objects.get(pk=token_id)
    ),
    "bulk_create": lambda token_id: BlacklistedToken.objects.bulk_create([BlacklistedToken(token_id=token_id)]),
    "sql": blacklist_with_sql,
}
THROUGH_THE_ORM = ("orm_create", "simplejwt_get_or_create")


def test_the_trigger_is_installed():
    assert blacklist.installed() is blacklist.supported(connection.vendor)


class TestABlacklistedCurrentTokenRevokesItsSession:
    @pytest.mark.parametrize("how", list(BLACKLISTERS))
    def test_the_refresh_answers_401_and_the_session_is_revoked(self, auth_client, committed, how):
        session = Session.objects.get()
        raw_refresh, access = refresh_cookie_of(auth_client), access_of(auth_client)
        with committed():
            BLACKLISTERS[how](session.current_token_id)
        session.refresh_from_db()
        assert session.revoked_at is not None
        response = auth_client.post(REFRESH_URL)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "session_revoked"
        assert "WWW-Authenticate" in response
        assert refresh_cookie_of(auth_client) in ("", raw_refresh)  # nothing new was issued
        assert Session.objects.get().current_jti == claims_of(raw_refresh)["jti"]
        # Recorded once, as a session revocation: every process learns it from the table.
        assert list(Revocation.objects.values_list("session_id", "user_id")) == [(session.pk, None)]
        claims = claims_of(access)
        assert another_process().view.rejects(claims["sid"], claims["user_id"], claims["ver"])

    @pytest.mark.parametrize("how", THROUGH_THE_ORM)
    def test_through_the_orm_this_process_refuses_the_access_token_at_once(self, auth_client, user, committed, how):
        access = access_of(auth_client)
        with committed():
            BLACKLISTERS[how](Session.objects.get().current_token_id)
        response = BrowserClient().get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {access}")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == REVOKED

    def test_around_the_orm_this_process_refuses_it_once_its_view_has_read_the_table(self, auth_client, committed):
        access = access_of(auth_client)
        with committed():
            blacklist_with_sql(Session.objects.get().current_token_id)
        # This process's view, read the way its follower reads it (tests run no follower thread).
        follower = Follower(runtime.current_view(), DatabaseSource(), interval=0.25)
        follower.sync_once()
        response = BrowserClient().get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {access}")
        assert response.json() == REVOKED

    def test_through_the_orm_it_is_audited(self, auth_client, user, committed, audit_lines):
        session = Session.objects.get()
        with committed():
            BlacklistedToken.objects.create(token_id=session.current_token_id)
        (line,) = [line for line in audit_lines() if line["event"] == "session_revoked"]
        assert (line["user_id"], line["session_id"], line["by"]) == (user.pk, str(session.pk), "blacklist")

    def test_the_bearer_refresh_answers_401_too(self, api_client, user, committed):
        from accounts.tests.factories import DEFAULT_PASSWORD

        pair = api_client.post(
            reverse("accounts:token"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
        ).json()
        with committed():
            BlacklistedToken.objects.create(token=OutstandingToken.objects.get(jti=claims_of(pair["refresh"])["jti"]))
        response = api_client.post(reverse("accounts:token-refresh"), {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED

    def test_only_that_session(self, auth_client, user, committed):
        other = BrowserClient()
        other.login_as(user, HTTP_USER_AGENT="phone")
        mine = Session.objects.get(pk=claims_of(access_of(auth_client))["sid"])
        with committed():
            BlacklistedToken.objects.create(token_id=mine.current_token_id)
        assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert other.post(REFRESH_URL).status_code == HTTPStatus.OK
        assert other.get(ME_URL).status_code == HTTPStatus.OK

    def test_staff_have_no_admin_page_to_blacklist_from(self, admin_client):
        """The admin ends sessions only through its revocation paths (test_admin_revocation.py), never the ledger."""
        for model in (OutstandingToken, BlacklistedToken):
            opts = model._meta
            response = admin_client.get(f"/admin/{opts.app_label}/{opts.model_name}/add/")
            assert response.status_code == HTTPStatus.NOT_FOUND


class TestAccountsOwnWritesDoNotTripIt:
    def test_rotation_keeps_the_session_live_and_records_nothing(self, auth_client):
        old = refresh_cookie_of(auth_client)
        assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.OK
        session = Session.objects.get()
        assert session.revoked_at is None
        assert BlacklistedToken.objects.filter(token__jti=claims_of(old)["jti"]).exists()
        assert not Revocation.objects.exists()
        assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.OK
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK

    def test_a_refresh_costs_what_it_did(self, auth_client, committed, django_assert_num_queries):
        with django_assert_num_queries(REFRESH_STATEMENTS), committed():
            assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.OK

    def test_a_logout_is_recorded_once(self, auth_client, committed):
        session = Session.objects.get()
        with committed():
            assert auth_client.post(reverse("accounts:logout")).status_code == HTTPStatus.NO_CONTENT
        assert BlacklistedToken.objects.filter(token_id=session.current_token_id).exists()
        assert list(Revocation.objects.values_list("session_id", flat=True)) == [session.pk]

    def test_reuse_still_answers_token_reused(self, auth_client, settings, committed):
        settings.REFRESH_REUSE_GRACE = 0
        stolen = refresh_cookie_of(auth_client)
        assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.OK
        thief = BrowserClient()
        thief.cookies["__Secure-refresh_token"] = stolen
        with committed():
            assert thief.post(REFRESH_URL).json()["code"] == "token_reused"
        assert Session.objects.get().revoked_at is not None
