"""Database triggers that record every change to a user's cached columns (accounts/revocation/triggers.py).

``post_migrate`` makes them again after every ``migrate``, from the model as it
then is; this migration (0009) is where they begin, so that migrating backwards past
it removes them before the columns they watch.
"""

from django.db import migrations


def create_triggers(apps, schema_editor):
    from accounts.revocation import triggers

    triggers.install(
        schema_editor.connection.alias, apps.get_model("accounts", "User"), apps.get_model("accounts", "Revocation")
    )


def drop_triggers(apps, schema_editor):
    from accounts.revocation import triggers

    triggers.drop(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_audit_event_user_manager")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
