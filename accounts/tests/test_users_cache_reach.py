"""Every change to a user reaches every process's user cache.

"This process" is the one serving the test's requests (its cache drops a user
the moment it changes one). "Another process" is a ``UserCache`` behind a
view that learns only from the revocations table, through a ``Follower`` on
``DatabaseSource`` in this thread: it sees the test's uncommitted rows as
another process sees committed ones, so it shows what the database triggers
recorded, whoever made the change.
"""

from http import HTTPStatus

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import services, sql, users_cache
from accounts.client import ClientInfo
from accounts.models import Revocation, User
from accounts.revocation import triggers
from accounts.revocation.follower import DatabaseSource, Follower
from accounts.revocation.revoked_set import RevocationView
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import claims_of
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

ME_URL = reverse("accounts:me")
CLIENT = ClientInfo(ip_address="192.0.2.24", user_agent="test")


class AnotherProcess:
    """A user cache kept by a view that only reads the revocations table, as a second server process's is."""

    def __init__(self) -> None:
        self.cache = users_cache.UserCache(max_size=100)
        self.view = RevocationView(stale_after=5, following=False, on_users=self._users)
        self.follower = Follower(self.view, DatabaseSource(), interval=0.25)
        self.follower.sync_once()

    def _users(self, user_ids) -> None:
        self.cache.clear() if user_ids is None else self.cache.evict(user_ids)

    def caches(self, user: User) -> None:
        self.cache.put(user.pk, sql.request_user_row(user.pk), self.cache.generation)

    def hears_of(self, user: User, user_id: int | None = None) -> bool:
        """Syncs; whether the user (``user_id``, once deleted) left the cache."""
        user_id = user_id or user.pk
        assert user_id in self.cache
        self.follower.sync_once()
        return user_id not in self.cache


@pytest.fixture
def elsewhere(user) -> AnotherProcess:
    process = AnotherProcess()
    process.caches(user)
    return process


def me(client: BrowserClient) -> dict:
    response = client.get(ME_URL)
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


def admin_change(admin_client, user: User, **changes) -> None:
    """Saves ``user``'s admin change form with ``changes`` (every inline's management form posted)."""
    change = reverse("admin:accounts_user_change", args=[user.pk])
    page = admin_client.get(change).context
    data = {name: value for name, value in page["adminform"].form.initial.items() if value is not None}
    data.pop("password", None)
    data.pop("last_login", None)
    data.update(
        date_joined_0=user.date_joined.strftime("%Y-%m-%d"), date_joined_1=user.date_joined.strftime("%H:%M:%S")
    )
    for inline in page["inline_admin_formsets"]:  # the sessions', and any other app's
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{name}": value for name, value in management.initial.items()})
        for index, form in enumerate(inline.formset.initial_forms):
            data.update({f"{inline.formset.prefix}-{index}-id": str(form.instance.pk)})
            data.update({f"{inline.formset.prefix}-{index}-user": str(user.pk)})
    data["groups"] = data["user_permissions"] = []
    data.update(changes)
    for name, value in list(data.items()):
        if isinstance(value, bool):  # a checkbox: ticked, or absent
            data[name] = "on" if value else ""
    response = admin_client.post(change, data)
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors


class TestEveryChangeReachesThisProcessAtOnce:
    """What /api/me/ (and authentication) sees on the very next request, in the process that made the change."""

    def test_the_admin_changes_the_email_and_username(self, admin_client, auth_client, user, elsewhere):
        me(auth_client)
        admin_change(admin_client, user, username="renamed", email="renamed@example.com")
        assert me(auth_client)["username"] == "renamed"
        assert me(auth_client)["email"] == "renamed@example.com"
        assert elsewhere.hears_of(user)

    def test_the_admin_deactivates(self, admin_client, auth_client, user, elsewhere):
        me(auth_client)
        admin_change(admin_client, user, is_active=False)
        assert auth_client.get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert elsewhere.hears_of(user)

    def test_the_admin_makes_staff(self, admin_client, auth_client, user, elsewhere):
        me(auth_client)
        admin_change(admin_client, user, is_staff=True)
        assert elsewhere.hears_of(user)
        me(auth_client)
        assert users_cache.build(users_cache.current().get(user.pk)).is_staff

    def test_the_email_is_verified(self, auth_client, user, elsewhere):
        from emails import links
        from emails import services as email_services

        me(auth_client)
        email_services.email_verify(token=links.verification_token(user, user.email))
        assert me(auth_client)["email_verified"] is True
        assert elsewhere.hears_of(user)

    def test_the_email_is_changed(self, auth_client, user, elsewhere):
        from emails import links
        from emails import services as email_services

        me(auth_client)
        email_services.email_verify(token=links.verification_token(user, "moved@example.com"))
        assert me(auth_client)["email"] == "moved@example.com"
        assert elsewhere.hears_of(user)

    def test_the_account_is_deleted(self, auth_client, user, elsewhere):
        me(auth_client)
        user_id = user.pk
        services.user_delete(user=user)
        assert auth_client.get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert elsewhere.hears_of(user, user_id)

    def test_the_password_is_changed(self, auth_client, user, elsewhere):
        old = claims_of(auth_client.cookies["__Host-access_token"].value)
        response = auth_client.post(
            reverse("accounts:password"),
            {"old_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-passphrase"},
            format="json",
        )
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert me(auth_client)["id"] == user.pk  # the re-issued token carries the new version
        assert old["ver"] < User.objects.get(pk=user.pk).token_version
        assert elsewhere.hears_of(user)

    def test_a_bulk_update_and_bulk_update(self, auth_client, user, other_user):
        me(auth_client)
        User.objects.filter(username=user.username).update(email="bulk@example.com")
        assert me(auth_client)["email"] == "bulk@example.com"
        user.refresh_from_db()
        user.email = "again@example.com"
        User.objects.bulk_update([user, other_user], ["email"])
        assert me(auth_client)["email"] == "again@example.com"

    def test_a_change_elsewhere_in_the_row_keeps_the_entry(self, auth_client, user, django_assert_num_queries):
        me(auth_client)
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
        user.set_password("another-long-passphrase")
        user.save(update_fields=["password"])
        with django_assert_num_queries(0):
            me(auth_client)


class TestEveryChangeIsRecordedForTheOtherProcesses:
    """The triggers: whatever writes the row, in the same transaction."""

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("username", "someone-else"),
            ("email", "else@example.com"),
            ("email_verified", True),
            ("is_active", False),
            ("is_staff", True),
            ("is_superuser", True),
            ("token_version", 7),
            ("totp_enabled", True),
            ("passkey_count", 2),
        ],
    )
    def test_each_cached_column(self, user, elsewhere, field, value):
        User.objects.filter(pk=user.pk).update(**{field: value})
        assert elsewhere.hears_of(user)

    def test_a_statement_typed_into_the_database(self, user, elsewhere):
        table, email = connection.ops.quote_name(User._meta.db_table), connection.ops.quote_name("email")
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {email} = %s WHERE id = %s", ["psql@example.com", user.pk])
        assert elsewhere.hears_of(user)

    def test_a_delete_typed_into_the_database(self, user, elsewhere):
        table = connection.ops.quote_name(User._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [user.pk])
        assert elsewhere.hears_of(user)

    def test_a_model_save_and_delete(self, user, elsewhere):
        user.first_name, user.email = "Ada", "ada@example.com"
        user.save()
        assert elsewhere.hears_of(user)
        elsewhere.caches(user)
        user_id = user.pk
        user.delete()
        assert elsewhere.hears_of(user, user_id)

    def test_nothing_is_recorded_for_other_columns_or_unchanged_values(self, user):
        User.objects.filter(pk=user.pk).update(last_login=timezone.now(), first_name="Ada", email=user.email)
        user.save()  # every column written, none changed
        assert not Revocation.objects.exists()

    def test_a_change_is_a_floor_at_the_current_version_that_rejects_no_live_token(self, user):
        tokens = services.session_create(user=user, client=CLIENT)
        User.objects.filter(pk=user.pk).update(email_verified=True)
        assert list(Revocation.objects.values_list("user_id", "min_ver", "session_id")) == [(user.pk, 0, None)]
        claims = claims_of(tokens.access)
        process = AnotherProcess()
        assert not process.view.rejects(claims["sid"], claims["user_id"], claims["ver"])

    def test_the_feed_carries_it(self, api_client, settings, user):
        settings.REVOCATION_FEED_KEY = "a-feed-key-for-this-test"
        User.objects.filter(pk=user.pk).update(username="in-the-feed")
        body = api_client.get(
            reverse("accounts:revocations"), HTTP_AUTHORIZATION="Bearer a-feed-key-for-this-test"
        ).json()
        assert [(entry["user_id"], entry["min_ver"]) for entry in body["users"]] == [(user.pk, 0)]

    def test_a_new_user_records_nothing(self, db):
        UserFactory()
        assert not Revocation.objects.exists()


class TestTheTriggers:
    def test_are_made_again_by_every_migrate(self):
        with connection.cursor() as cursor:
            for name in (triggers.CHANGED, triggers.DELETED):
                cursor.execute(
                    f"DROP TRIGGER {name}"
                    if connection.vendor == "sqlite"
                    else f"DROP TRIGGER {name} ON {connection.ops.quote_name(User._meta.db_table)}"
                )
        assert triggers.installed() == set()
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
        assert triggers.installed() == {triggers.CHANGED, triggers.DELETED}
