"""One task worker process: the periodic scheduler on a thread, the backend's worker loop on the main one.

The database backend's loop is django-tasks-db's (it claims a task row with
``SELECT ... FOR UPDATE SKIP LOCKED``, or an exclusive transaction on SQLite);
Redis's is RQ's ``SimpleWorker`` (tasks run in this process, no fork per task)
with its scheduler, which moves retries due later onto the queue.
"""

import logging
import os
import threading

from django.conf import settings
from django.utils.crypto import get_random_string
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from jobs import schedule

logger = logging.getLogger("jwtsite.jobs")
# Seconds the database worker sleeps when it found nothing to do.
POLL_SECONDS = 0.5


def run() -> None:
    """Runs until SIGTERM or SIGINT (a task under way is finished first)."""
    if settings.TASKS_NICE:
        os.nice(settings.TASKS_NICE)
    stop = threading.Event()
    scheduler = threading.Thread(target=schedule.run_scheduler, args=(stop,), name="scheduler", daemon=True)
    scheduler.start()
    backend = task_backends["default"]
    logger.info("Task worker %s started on %s", os.getpid(), type(backend).__name__)
    try:
        if isinstance(backend, DatabaseBackend):
            _run_database_worker(backend)
        else:
            _run_rq_worker()
    finally:
        stop.set()


def _run_database_worker(backend: DatabaseBackend) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=sorted(backend.queues),
        interval=POLL_SECONDS,
        batch=False,
        backend_name=backend.alias,
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{os.uname().nodename[:40]}-{os.getpid()}-{get_random_string(6)}",
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()


def _run_rq_worker() -> None:
    import django_rq
    from rq.worker import SimpleWorker

    worker = django_rq.get_worker("default", job_class="django_tasks_rq.Job", worker_class=SimpleWorker)
    worker.work(with_scheduler=True, logging_level="WARNING")
