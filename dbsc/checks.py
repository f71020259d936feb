"""System checks of dbsc's settings (``dbsc.E001``...); accounts/checks.py says when they run."""

from django.core.checks import Error, Warning, register

from accounts import conf as accounts_conf
from dbsc import conf
from jwtsite.app_settings import CONFIGURATION, whole_number_error

# Chromium signs at most 6 proofs per site in 9 minutes and renews a bound cookie 2 minutes
# before it expires (net/device_bound_sessions/session_service_impl.cc): a shorter access
# lifetime runs out of signings, and the bound session then signs its user out.
MIN_BOUND_ACCESS_LIFETIME = 180


@register(CONFIGURATION)
def check_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    if not isinstance(conf.DBSC, bool):
        errors.append(
            Error(f"DBSC must be true or false, not {conf.DBSC!r}.", hint="Set DBSC to 1 or 0.", id="dbsc.E001")
        )
    errors += whole_number_error("DBSC_CHALLENGE_TTL", conf.DBSC_CHALLENGE_TTL, "dbsc.E002", low=5, high=3600)
    algorithms = conf.DBSC_ALGORITHMS
    if not algorithms or not isinstance(algorithms, list | tuple) or set(algorithms) - set(conf.ALGORITHMS):
        errors.append(
            Error(
                f"DBSC_ALGORITHMS must name one or more of {', '.join(conf.ALGORITHMS)}, not {algorithms!r}.",
                hint="Set DBSC_ALGORITHMS to ES256,RS256 (or one of them).",
                id="dbsc.E003",
            )
        )
    return errors


@register(CONFIGURATION)
def check_access_lifetime(app_configs=None, **kwargs) -> list[Warning]:
    lifetime = accounts_conf.ACCESS_TOKEN_LIFETIME
    # A lifetime accounts refuses (accounts.E005) is reported there alone.
    if conf.DBSC is True and type(lifetime) is int and 1 <= lifetime < MIN_BOUND_ACCESS_LIFETIME:
        return [
            Warning(
                f"ACCESS_TOKEN_LIFETIME is {lifetime} s: Chrome renews a device-bound cookie at most about every "
                f"{MIN_BOUND_ACCESS_LIFETIME // 60} minutes (6 signatures per 9 minutes), so bound sessions will "
                "be signed out.",
                hint=f"Set ACCESS_TOKEN_LIFETIME to {MIN_BOUND_ACCESS_LIFETIME} or more, or DBSC=0.",
                id="dbsc.W001",
            )
        ]
    return []
