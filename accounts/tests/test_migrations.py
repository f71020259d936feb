"""The migration that makes addresses unique however they are capitalised, on rows that were not."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

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
