"""Unique addresses however capitalised, and when and how each session last authenticated.

Existing sessions get ``auth_time`` = their ``created_at`` (the sign-in that
started them) and ``amr`` = ``pwd``, so no session counts as recently
authenticated because of the migration.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.functions import Lower


def sessions_authenticated_at_sign_in(apps, schema_editor):
    Session = apps.get_model("accounts", "Session")
    Session.objects.update(auth_time=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_email_verified"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="accounts_user_email_ci_unique"
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="auth_time",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="session",
            name="amr",
            field=models.CharField(default="pwd", help_text="Space-separated authentication methods.", max_length=64),
        ),
        migrations.RunPython(sessions_authenticated_at_sign_in, migrations.RunPython.noop),
    ]
