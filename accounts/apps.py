"""App config for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts and sessions"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save, pre_migrate
        from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

        from accounts import (
            checks,  # noqa: F401 - registers the checks of accounts's settings
            schema,  # noqa: F401 - registers the OpenAPI auth extension
            users_cache,
        )
        from accounts.models import User
        from accounts.revocation import blacklist, triggers

        # The user cache: this process drops a user it changes at once (the triggers tell the others).
        post_save.connect(users_cache.on_user_saved, sender=User, dispatch_uid="accounts.users_cache.saved")
        post_delete.connect(users_cache.on_user_deleted, sender=User, dispatch_uid="accounts.users_cache.deleted")
        # The user-change triggers: none while migrations change the table, made again after.
        pre_migrate.connect(triggers.on_pre_migrate, sender=self, dispatch_uid="accounts.revocation.triggers.pre")
        post_migrate.connect(triggers.on_post_migrate, sender=self, dispatch_uid="accounts.revocation.triggers")
        # simplejwt's blacklist refuses what it lists: its trigger revokes the session, this reaches the views at once.
        post_save.connect(
            blacklist.on_token_blacklisted, sender=BlacklistedToken, dispatch_uid="accounts.revocation.blacklist.saved"
        )
        pre_migrate.connect(blacklist.on_pre_migrate, sender=self, dispatch_uid="accounts.revocation.blacklist.pre")
        post_migrate.connect(blacklist.on_post_migrate, sender=self, dispatch_uid="accounts.revocation.blacklist")
