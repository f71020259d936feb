"""App config for jobs: the task worker that runs beside the site, and the periodic work it schedules."""

from django.apps import AppConfig


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = "Jobs: the task worker and periodic work"
