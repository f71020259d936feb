"""App config for emails: everything the site does by email (links, verification, security notices)."""

from django.apps import AppConfig


class EmailsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "emails"
    verbose_name = "Email: password reset, verification, security notices"

    def ready(self) -> None:
        from emails import (
            checks,  # noqa: F401 - registers the checks of emails's settings
            receivers,
        )

        receivers.connect()
