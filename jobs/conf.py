"""jobs' settings and their defaults, read at call time (``from jobs import conf``; jwtsite/app_settings.py).

``TASKS_URL`` picks the queue's backend; jwtsite/settings.py turns it into
Django's ``TASKS`` (and django-rq's ``RQ_QUEUES``) when it reads the
environment, and jobs/checks.py refuses a value that is neither (``jobs.E001``).
The mail the queue carries has its own settings in emails/conf.py (``MAIL_*``).
"""

from jwtsite.app_settings import AppSettings

# The queue's places: empty (or "database") is a table of the site's database, else Redis.
DATABASE_QUEUES = ("", "database")
REDIS_SCHEMES = ("redis://", "rediss://")
# Whole numbers, and the least each may be: every one of the periods divides time into slots.
NUMBERS = {"TASKS_WORKERS": 0, "TASKS_NICE": 0, "CLEANUP_EVERY": 1, "MAIL_RESUME_EVERY": 1}


class JobsSettings(AppSettings):
    defaults = {
        # Where the queue lives (docs/tasks.md): the site's database, or redis://host:6379/N.
        "TASKS_URL": "",
        # Worker processes make run and make serve start beside the site (jobs/supervisor.py); 0: none.
        "TASKS_WORKERS": 1,
        # The workers yield the CPU to the web workers: under a burst the answers come first, the mail a moment later.
        "TASKS_NICE": 10,
        # Seconds between the periodic tasks' runs (PERIODIC_TASKS below).
        "CLEANUP_EVERY": 86400,
        "MAIL_RESUME_EVERY": 30,
    }

    @property
    def PERIODIC_TASKS(self) -> dict[str, tuple[str, int]]:
        # Periodic work (jobs/schedule.py): name -> (task, every N seconds). Enqueued by the worker's
        # scheduler, once per period for the whole site (a lock in the shared cache); no cron line.
        return self._setting(
            "PERIODIC_TASKS",
            {
                "cleanup": ("jobs.tasks.cleanup_expired", self.CLEANUP_EVERY),
                "mail_resume": ("jobs.tasks.mail_resume", self.MAIL_RESUME_EVERY),
            },
        )


app_settings = JobsSettings()


def __getattr__(name: str):
    # PEP 562: conf.TASKS_WORKERS and the like, read at call time.
    return app_settings.get(name)
