"""``manage.py runserver`` (``make run``), with the task worker beside it: mail goes out with nothing else to start.

The worker is started once, by the outer process that lives as long as the
command (with autoreload, not the child that restarts on every code change).
``--noworker`` leaves it out.
"""

import atexit
import os

from django.utils import autoreload
from whitenoise.runserver_nostatic.management.commands.runserver import Command as RunserverCommand

from jobs import conf
from jobs.supervisor import Supervisor


class Command(RunserverCommand):
    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--noworker", action="store_false", dest="worker", help="Do not start the task worker.")

    def handle(self, *args, **options) -> None:
        if options["worker"] and os.environ.get(autoreload.DJANGO_AUTORELOAD_ENV) != "true":
            supervisor = Supervisor(conf.TASKS_WORKERS).start()
            atexit.register(supervisor.stop)
        super().handle(*args, **options)
