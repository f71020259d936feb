"""System checks of emails' settings (``emails.E001``...); accounts/checks.py says when they run."""

from django.core.checks import Error, register

from accounts.checks import rate_errors
from emails import conf
from jwtsite.app_settings import CONFIGURATION, whole_number_error


@register(CONFIGURATION)
def check_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = rate_errors(conf, conf.RATE_SETTINGS, "emails.E001")
    errors += _retry_delay_errors()
    for name, low in conf.OUTBOX_NUMBERS.items():
        errors += whole_number_error(name, getattr(conf, name), "emails.E003", low=low)
    return errors


def _retry_delay_errors() -> list[Error]:
    delays = conf.MAIL_RETRY_DELAYS
    if isinstance(delays, list | tuple) and all(type(delay) is int and delay >= 0 for delay in delays):
        return []
    return [
        Error(
            f"MAIL_RETRY_DELAYS must be whole numbers of seconds (0 or more) separated by commas, not {delays!r}.",
            hint="Set MAIL_RETRY_DELAYS to the seconds before each retry, e.g. '10,30,60,120,300'.",
            id="emails.E002",
        )
    ]
