"""System checks of dpop's settings (``dpop.E001``...); accounts/checks.py says when they run."""

from django.conf import settings
from django.core.checks import Error, register

from dpop import conf
from jwtsite.app_settings import CONFIGURATION, whole_number_error

AUTHENTICATION = "dpop.authentication.DPoPAuthentication"
MIDDLEWARE = "dpop.middleware.DPoPNonceMiddleware"


@register(CONFIGURATION)
def check_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for name, check_id in (("DPOP_REQUIRED", "dpop.E001"), ("DPOP_NONCE", "dpop.E002")):
        if type(getattr(conf, name)) is not bool:
            errors.append(Error(f"{name} must be true or false, not {getattr(conf, name)!r}.", id=check_id))
    errors += whole_number_error("DPOP_IAT_WINDOW", conf.DPOP_IAT_WINDOW, "dpop.E003", low=1, high=3600)
    errors += whole_number_error("DPOP_NONCE_LIFETIME", conf.DPOP_NONCE_LIFETIME, "dpop.E004", low=10, high=86400)
    algorithms = conf.DPOP_ALGORITHMS
    if (
        not isinstance(algorithms, list | tuple)
        or not algorithms
        or not set(algorithms) <= set(conf.SUPPORTED_ALGORITHMS)
    ):
        allowed = ", ".join(conf.SUPPORTED_ALGORITHMS)
        errors.append(
            Error(
                f"DPOP_ALGORITHMS must be a non-empty list of {allowed}; not {algorithms!r}.",
                hint="Set DPOP_ALGORITHMS to a comma-separated list of those names.",
                id="dpop.E005",
            )
        )
    # Without its authentication class DPoP tokens are refused everywhere; without the middleware no nonce is sent.
    if AUTHENTICATION not in settings.REST_FRAMEWORK.get("DEFAULT_AUTHENTICATION_CLASSES", ()):
        errors.append(Error(f"{AUTHENTICATION} is not in DEFAULT_AUTHENTICATION_CLASSES.", id="dpop.E006"))
    if conf.DPOP_NONCE is True and MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(Error(f"DPOP_NONCE needs {MIDDLEWARE} in MIDDLEWARE.", id="dpop.E007"))
    return errors
