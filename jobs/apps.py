"""App config for jobs: the task worker that runs beside the site, and the periodic work it schedules."""

from django.apps import AppConfig


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = "Jobs: the task worker and periodic work"

    def ready(self) -> None:
        from django.apps import apps

        from jobs import checks  # noqa: F401 - registers the checks of jobs' settings

        if apps.is_installed("django_rq"):
            from jobs import rq_connections

            rq_connections.share()
