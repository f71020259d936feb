"""System checks of dbsc's settings (``dbsc.E001``...); accounts/checks.py says when they run."""

from django.core.checks import Error, register

from dbsc import conf
from jwtsite.app_settings import CONFIGURATION, whole_number_error


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
