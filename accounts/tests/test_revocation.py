"""Revocation reach in one process: every revocation is recorded, and access tokens die with it.

"This process" is the one that committed the revocation: its view gets the
entries on commit (``django_capture_on_commit_callbacks`` runs them, as a
real commit would). "Another process" is a view that only learns from the
database: a ``Follower`` syncing from ``DatabaseSource`` in this thread,
which sees the test's uncommitted rows as another process sees committed ones.

A view that has not synced for too long: test_revocation_stale.py.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Revocation, Session
from accounts.revocation import runtime
from accounts.revocation.follower import DatabaseSource, Follower
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.helpers import claims_of
from accounts.tests.revocation_reach import (
    CLIENT,
    ME_URL,
    REVOKED,
    access_of,
    another_process,
    me,
    signed_in,
)
from conftest import BrowserClient

pytestmark = pytest.mark.django_db


class TestEveryRevocationReachesThisProcessAtOnce:
    """Each way of revoking: the affected access tokens get 401 on the next request, here and elsewhere."""

    def assert_revoked(self, access: str, elsewhere: Follower) -> None:
        response = me(access)
        assert response.status_code == HTTPStatus.UNAUTHORIZED, response.content
        assert response.json() == REVOKED
        claims = claims_of(access)
        elsewhere.sync_once()
        assert elsewhere.view.rejects(claims["sid"], claims["user_id"], claims["ver"])

    def test_logout(self, auth_client, django_capture_on_commit_callbacks):
        access, elsewhere = access_of(auth_client), another_process()
        with django_capture_on_commit_callbacks(execute=True):
            assert auth_client.post(reverse("accounts:logout")).status_code == HTTPStatus.NO_CONTENT
        self.assert_revoked(access, elsewhere)

    def test_revoking_a_device(self, auth_client, user, django_capture_on_commit_callbacks):
        other = signed_in(user, "phone")
        access, elsewhere = access_of(other), another_process()
        sid = claims_of(access)["sid"]
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.delete(reverse("accounts:session-detail", args=[sid]))
        assert response.status_code == HTTPStatus.NO_CONTENT
        self.assert_revoked(access, elsewhere)
        assert me(access_of(auth_client)).status_code == HTTPStatus.OK

    def test_bearer_blacklist(self, api_client, user, django_capture_on_commit_callbacks):
        pair = api_client.post(
            reverse("accounts:token"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
        ).json()
        elsewhere = another_process()
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(reverse("accounts:token-blacklist"), {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == HTTPStatus.NO_CONTENT
        self.assert_revoked(pair["access"], elsewhere)

    def test_refresh_token_reuse(self, auth_client, settings, django_capture_on_commit_callbacks):
        settings.REFRESH_REUSE_GRACE = 0
        stolen = auth_client.cookies["__Secure-refresh_token"].value
        assert auth_client.post(reverse("accounts:refresh")).status_code == HTTPStatus.OK
        access, elsewhere = access_of(auth_client), another_process()
        thief = BrowserClient()
        thief.cookies["__Secure-refresh_token"] = stolen
        with django_capture_on_commit_callbacks(execute=True):
            assert thief.post(reverse("accounts:refresh")).json()["code"] == "token_reused"
        self.assert_revoked(access, elsewhere)

    def test_logout_all(self, auth_client, user, django_capture_on_commit_callbacks):
        others = [access_of(signed_in(user, f"device {n}")) for n in range(3)]
        elsewhere = another_process()
        with django_capture_on_commit_callbacks(execute=True):
            assert auth_client.post(reverse("accounts:logout-all")).status_code == HTTPStatus.NO_CONTENT
        for access in others:
            self.assert_revoked(access, elsewhere)
        # A floor for the user, not a row per session (the service's, and the trigger's of the version's change).
        assert set(Revocation.objects.values_list("user_id", "min_ver", "session_id")) == {(user.pk, 1, None)}

    def test_password_change_keeps_this_session(self, auth_client, user, django_capture_on_commit_callbacks):
        before, other = access_of(auth_client), access_of(signed_in(user, "phone"))
        elsewhere = another_process()
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.post(
                reverse("accounts:password"),
                {"old_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-passphrase"},
                format="json",
            )
        assert response.status_code == HTTPStatus.NO_CONTENT
        after = access_of(auth_client)
        self.assert_revoked(other, elsewhere)
        self.assert_revoked(before, elsewhere)
        # The re-issued token carries the new version: at the floor, so it passes everywhere.
        assert me(after).status_code == HTTPStatus.OK
        claims = claims_of(after)
        assert not elsewhere.view.rejects(claims["sid"], claims["user_id"], claims["ver"])

    def test_admin_revoke_sessions(self, admin_client, user, django_capture_on_commit_callbacks):
        access, elsewhere = access_of(signed_in(user)), another_process()
        session = Session.objects.get(user=user)
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(
                reverse("admin:accounts_session_changelist"),
                {"action": "revoke_sessions", "_selected_action": [str(session.pk)]},
            )
        self.assert_revoked(access, elsewhere)

    def test_admin_log_out_everywhere(self, admin_client, user, django_capture_on_commit_callbacks):
        access, elsewhere = access_of(signed_in(user)), another_process()
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(
                reverse("admin:accounts_user_changelist"),
                {"action": "revoke_all_sessions", "_selected_action": [str(user.pk)]},
            )
        self.assert_revoked(access, elsewhere)

    def test_admin_deactivation(self, admin_client, user, django_capture_on_commit_callbacks):
        access, elsewhere = access_of(signed_in(user)), another_process()
        change = reverse("admin:accounts_user_change", args=[user.pk])
        page = admin_client.get(change).context
        form = page["adminform"].form
        data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
        data.update(
            is_active="",
            date_joined_0=user.date_joined.strftime("%Y-%m-%d"),
            date_joined_1=user.date_joined.strftime("%H:%M:%S"),
            **{
                "login_sessions-0-id": str(Session.objects.get(user=user).pk),
                "login_sessions-0-user": str(user.pk),
            },
        )
        for inline in page["inline_admin_formsets"]:  # the sessions', and any other app's
            management = inline.formset.management_form
            data.update({f"{management.prefix}-{name}": value for name, value in management.initial.items()})
        data["groups"] = data["user_permissions"] = []
        data.pop("last_login", None)
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(change, data)
        assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
        self.assert_revoked(access, elsewhere)


class TestAnotherProcess:
    def test_learns_a_revocation_only_from_the_database(self, auth_client):
        """Without the commit hook (another process committed it), the view is current once it has synced."""
        access = access_of(auth_client)
        claims = claims_of(access)
        auth_client.post(reverse("accounts:logout"))  # on-commit hooks do not run here: "another process"
        assert me(access).status_code == HTTPStatus.OK  # this process has not heard yet
        follower = Follower(runtime.current_view(), DatabaseSource(), interval=0.25)
        assert follower.sync_once() == 1
        assert runtime.current_view().rejects(claims["sid"], claims["user_id"], claims["ver"])
        assert me(access).json() == REVOKED

    def test_reads_only_what_is_new(self, user):
        follower = another_process()
        services.session_revoke_one(
            session=Session.objects.get(pk=services.session_create(user=user, client=CLIENT).session_id)
        )
        assert follower.sync_once() == 1
        assert follower.sync_once() == 0
        services.user_sessions_revoke_all(user=user)
        assert follower.sync_once() == 1
        assert len(follower.view) == 2


class TestTheCheckIsFree:
    def test_no_query_beyond_the_user_row_with_many_revocations_in_force(
        self, auth_client, user, django_assert_num_queries
    ):
        view = runtime.current_view()
        view.apply(
            runtime.store.Entries(
                sessions={f"00000000-0000-4000-8000-{n:012d}": 2**40 for n in range(10_000)},
                users={10_000 + n: (5, 2**40) for n in range(1_000)},
            )
        )
        with django_assert_num_queries(1):
            assert auth_client.get(ME_URL).status_code == HTTPStatus.OK

    def test_a_revoked_token_is_refused_without_any_query(self, auth_client, django_assert_num_queries):
        claims = claims_of(access_of(auth_client))
        runtime.current_view().apply(runtime.store.Entries(sessions={claims["sid"]: 2**40}))
        with django_assert_num_queries(0):
            assert auth_client.get(ME_URL).json() == REVOKED
