"""The blacklist trigger (accounts/revocation/blacklist.py): blacklisting a session's current refresh token revokes it.

``post_migrate`` makes it again after every ``migrate``, from the models as
they then are; this migration (0010) is where it begins, so that migrating
backwards past it removes it.
"""

from django.db import migrations


def create_trigger(apps, schema_editor):
    from accounts.revocation import blacklist

    blacklist.install(
        schema_editor.connection.alias,
        apps.get_model("accounts", "Session"),
        apps.get_model("accounts", "Revocation"),
        apps.get_model("token_blacklist", "BlacklistedToken"),
    )


def drop_trigger(apps, schema_editor):
    from accounts.revocation import blacklist

    blacklist.drop(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_user_change_triggers"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
