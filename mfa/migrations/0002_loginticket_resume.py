"""Sign-in tickets hold a whole sign-in attempt: how it signed in first, and the stage it resumes after."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mfa", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="loginticket",
            name="method",
            field=models.CharField(default="password", help_text="How the attempt signed in first.", max_length=16),
        ),
        migrations.AddField(
            model_name="loginticket",
            name="resume_after",
            # Tickets in flight when this runs were all started by the second-factor check.
            field=models.CharField(
                default="mfa.stages.second_factor",
                help_text="The sign-in stage the attempt resumes after.",
                max_length=255,
            ),
            preserve_default=False,
        ),
    ]
