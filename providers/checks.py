"""System checks of the providers app: a malformed ``OIDC_PROVIDERS`` is reported at start, with why."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from providers.conf import ProvidersMisconfigured, parse


@register()
def oidc_providers_check(app_configs=None, **kwargs) -> list:
    try:
        configured = parse(getattr(settings, "OIDC_PROVIDERS", ""))
    except ProvidersMisconfigured as exc:
        return [Error(str(exc), hint="See docs/providers.md.", id="providers.E001")]
    return [
        Warning(
            f"OIDC provider {each.id!r}: its issuer {each.issuer} is plain HTTP.",
            hint="Only a provider on loopback (tests) should be reached over plain HTTP.",
            id="providers.W001",
        )
        for each in configured
        if each.issuer.startswith("http://")
        and not settings.DEBUG
        and "://127.0.0.1" not in each.issuer
        and "://localhost" not in each.issuer
    ]
