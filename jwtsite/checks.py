"""System checks of the site-wide settings (``jwtsite.E001``, ``jwtsite.W001``), and the refusal to serve.

Every app's settings checks carry the tag ``configuration``: ``manage.py
check`` (and ``check --deploy``) lists every bad value at once, runserver and
migrate stop before serving, and ``configuration_refusal`` is what
jwtsite/wsgi.py and asgi.py exit with, so gunicorn (or any server) never
serves with a bad setting either (docs/configuration.md, "Checks").
"""

from urllib.parse import urlsplit

from django.core import checks
from django.core.checks import Warning, register

from jwtsite import conf
from jwtsite.app_settings import CONFIGURATION, choice_error


@register(CONFIGURATION)
def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = choice_error("CACHE_OUTAGE_POLICY", conf.CACHE_OUTAGE_POLICY, conf.OUTAGE_POLICIES, "jwtsite.E001")
    site = urlsplit(conf.SITE_URL)
    if site.scheme not in ("http", "https") or not site.hostname or site.path or site.query:
        errors.append(
            Warning(
                f"SITE_URL must be an origin such as 'https://example.com', not {conf.SITE_URL!r}.",
                hint="Links in mails and passkeys use it: set SITE_URL to the scheme and host people open.",
                id="jwtsite.W001",
            )
        )
    return errors


def configuration_refusal() -> str | None:
    """The lines a server refuses to start with while a settings check fails, or ``None``."""
    failing = [
        message
        for message in checks.run_checks(tags=[CONFIGURATION])
        if message.is_serious() and not message.is_silenced()
    ]
    if not failing:
        return None
    lines = [f"jwtsite: {message.msg} ({message.id})" for message in failing]
    return "\n".join([*lines, "jwtsite: python manage.py check lists them with hints."])
