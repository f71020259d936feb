"""System checks of emails' settings (``emails.E001``...); accounts/checks.py says when they run."""

from django.core.checks import Error, register

from accounts.checks import rate_errors
from emails import conf
from jwtsite.app_settings import CONFIGURATION


@register(CONFIGURATION)
def check_settings(app_configs=None, **kwargs) -> list[Error]:
    return rate_errors(conf, conf.RATE_SETTINGS, "emails.E001")
