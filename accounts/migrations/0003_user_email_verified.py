"""Email verification, and addresses normalised so that they can be unique however they are capitalised.

Existing rows: every address is normalised (trimmed, domain lower-cased). Where
several accounts share an address once capitalisation is ignored, the oldest
account (lowest id) keeps it and the others' ``email`` is emptied, so they can
set an address again (verified) from their account page; the migration prints
which accounts lost theirs. The unique constraint itself comes in 0004, in its
own transaction (PostgreSQL refuses to alter a table with pending trigger events).
"""

from django.db import migrations, models


def normalise_and_deduplicate_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    holders: dict[str, int] = {}
    for user in User.objects.exclude(email="").order_by("pk").only("pk", "email").iterator():
        address = user.email.strip()
        local, _, domain = address.rpartition("@")
        address = f"{local}@{domain.lower()}" if local else address
        key = address.lower()
        if key in holders:
            print(f"\n  accounts.0003: user {user.pk} shared its email with user {holders[key]}; emptied")
            User.objects.filter(pk=user.pk).update(email="", email_verified=False)
            continue
        holders[key] = user.pk
        if address != user.email:
            User.objects.filter(pk=user.pk).update(email=address)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_session"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(normalise_and_deduplicate_emails, migrations.RunPython.noop),
    ]
