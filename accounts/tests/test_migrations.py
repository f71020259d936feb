"""The migration that makes addresses unique however they are capitalised, on rows that were not."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BEFORE = [("accounts", "0002_session")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_duplicates_keep_the_address_on_the_oldest_account(capsys):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("accounts")
    old_apps = migrate(BEFORE)
    try:
        User = old_apps.get_model("accounts", "User")
        first = User.objects.create(username="first", email="Shared@Example.COM")
        second = User.objects.create(username="second", email="shared@example.com")
        third = User.objects.create(username="third", email="  other@EXAMPLE.org ")
        nobody = User.objects.create(username="nobody", email="")
        new_apps = migrate(latest)
        User = new_apps.get_model("accounts", "User")
        emails = dict(User.objects.values_list("username", "email"))
        assert emails == {"first": "Shared@example.com", "second": "", "third": "other@example.org", "nobody": ""}
        assert not User.objects.filter(email_verified=True).exists()
        assert f"user {second.pk} shared its email with user {first.pk}" in capsys.readouterr().out
        assert {third.pk, nobody.pk} <= set(User.objects.values_list("pk", flat=True))
    finally:
        migrate(latest)


BEFORE_KEYS = [("accounts", "0006_user_sign_in_methods")]


def test_existing_lookalike_addresses_and_names_are_reported_and_the_oldest_keeps_them(capsys):
    """0007: one mailbox (format characters, full-width, case) and one name (case folding) per account."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("accounts")
    old_apps = migrate(BEFORE_KEYS)
    try:
        User = old_apps.get_model("accounts", "User")
        dave = User.objects.create(username="dave", email="dave@example.com", email_verified=True)
        soft = User.objects.create(username="soft", email="dave@exam\u00adple.com", email_verified=True)
        wide = User.objects.create(username="wide", email="DAVE@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com")
        alone = User.objects.create(username="alone", email="carol@EXA\u200bMPLE.org")
        strasse = User.objects.create(username="strasse")
        twin = User.objects.create(username="STRA\u1e9eE")  # capital sharp s: lower() keeps it, casefold() does not
        new_apps = migrate(latest)
        User = new_apps.get_model("accounts", "User")
        rows = {u.username: (u.email, u.email_verified, u.username_key) for u in User.objects.all()}
        assert rows["dave"] == ("dave@example.com", True, "dave")
        assert rows["soft"] == ("", False, "soft")
        assert rows["wide"] == ("", False, "wide")
        assert rows["alone"] == ("carol@example.org", False, "alone")
        assert rows["strasse"][2] == "strasse"
        assert rows[twin.username][2] is None
        out = capsys.readouterr().out
        assert f"user {soft.pk} shared a mailbox with user {dave.pk}" in out
        assert f"user {wide.pk} shared a mailbox with user {dave.pk}" in out
        assert f"user {twin.pk}'s username is one name with user {strasse.pk}'s" in out
        assert alone.pk
    finally:
        migrate(latest)


def test_a_name_left_without_a_key_still_signs_in_by_its_exact_spelling(db):
    from accounts.models import User as CurrentUser
    from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
    from conftest import BrowserClient

    UserFactory(username="strasse")
    twin = CurrentUser(username="STRA\u1e9eE")  # as 0007 leaves it (bulk_create skips save(): no key)
    twin.set_password(DEFAULT_PASSWORD)
    (twin,) = CurrentUser.objects.bulk_create([twin])
    response = BrowserClient().post(
        "/api/auth/login/", {"username": "STRA\u1e9eE", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["user"]["id"] == twin.pk
