"""App config for providers: signing in with an external OpenID Connect provider, and linked identities."""

from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "providers"
    verbose_name = "External sign-in providers"

    def ready(self) -> None:
        from accounts import ways_in
        from providers import checks  # noqa: F401  (registers the system checks)
        from providers.models import ExternalIdentity

        ways_in.register("provider", lambda user: ExternalIdentity.objects.filter(user=user).count())
