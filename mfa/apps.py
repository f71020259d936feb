"""App config for mfa: passkeys (WebAuthn), TOTP two-factor and recovery codes."""

from django.apps import AppConfig


class MfaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mfa"
    verbose_name = "Passkeys and two-factor"

    def ready(self) -> None:
        from accounts import ways_in
        from mfa import checks  # noqa: F401 - registers the checks of mfa's settings

        ways_in.register("passkey", lambda user: user.passkey_count)
