"""System checks of mfa's settings (``mfa.E001``...); accounts/checks.py says when they run."""

from django.core.checks import Error, register

from accounts.checks import rate_errors
from jwtsite.app_settings import CONFIGURATION, whole_number_error
from mfa import conf


@register(CONFIGURATION)
def check_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = whole_number_error("MFA_FAILURE_NOTICE_AFTER", conf.MFA_FAILURE_NOTICE_AFTER, "mfa.E001", low=1)
    errors += rate_errors(conf, conf.RATE_SETTINGS, "mfa.E002")
    return errors
