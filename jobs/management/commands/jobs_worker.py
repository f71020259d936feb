"""``manage.py jobs_worker``: one task worker with the periodic scheduler (make run and make serve start it)."""

from django.core.management.base import BaseCommand

from jobs import worker


class Command(BaseCommand):
    help = "Runs the tasks (mail, periodic cleanup) of the configured backend, and schedules the periodic ones."

    def handle(self, *args, **options) -> None:
        worker.run()
