"""System checks of jobs' settings (``jobs.E001``...); accounts/checks.py says when they run."""

from django.core.checks import Error, register

from jobs import conf
from jwtsite.app_settings import CONFIGURATION, whole_number_error


@register(CONFIGURATION)
def check_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    url = conf.TASKS_URL
    if not (url in conf.DATABASE_QUEUES or (isinstance(url, str) and url.startswith(conf.REDIS_SCHEMES))):
        errors.append(
            Error(
                f"TASKS_URL must be empty (the database) or redis://..., not {url!r}.",
                hint="Leave TASKS_URL unset for the database's queue, or set it to redis://host:6379/N.",
                id="jobs.E001",
            )
        )
    for name, low in conf.NUMBERS.items():
        errors += whole_number_error(name, getattr(conf, name), "jobs.E002", low=low)
    return errors
