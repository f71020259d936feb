"""A summary of each user's stronger sign-in methods, for ``U.mfa`` at no extra query.

The mfa app owns the factors themselves and keeps these two columns in step
with them; existing users have neither.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_revocation"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="totp_enabled",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="user",
            name="passkey_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
