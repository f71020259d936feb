"""App config for dbsc: the browser's session bound to a device key (Device Bound Session Credentials)."""

from django.apps import AppConfig


class DbscConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dbsc"
    verbose_name = "Device-bound browser sessions"

    def ready(self) -> None:
        from accounts import signals
        from dbsc import checks, receivers  # noqa: F401 - registers the checks of dbsc's settings

        signals.session_cookies_issued.connect(receivers.offer_registration, dispatch_uid="dbsc.offer_registration")
