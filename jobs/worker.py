"""One task worker process: the periodic scheduler on a thread, the backend's worker loop on the main one.

The database backend's loop is django-tasks-db's (it claims a task row with
``SELECT ... FOR UPDATE SKIP LOCKED``, or an exclusive transaction on SQLite);
Redis's is RQ's ``SimpleWorker`` (tasks run in this process, no fork per task);
tasks due later (a mail's retry) wait in RQ's scheduled-job registry, and the
scheduler thread here moves them onto the queue when due (RQ's own scheduler
process dies with a Redis restart and is only revived every ten minutes).
"""

import logging
import os
import threading

from django.utils.crypto import get_random_string
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from jobs import conf, schedule

logger = logging.getLogger("jwtsite.jobs")
# Seconds the database worker sleeps when it found nothing to do.
POLL_SECONDS = 0.25


def run() -> None:
    """Runs until SIGTERM or SIGINT (a task under way is finished first)."""
    if conf.TASKS_NICE:
        os.nice(conf.TASKS_NICE)
    stop = threading.Event()
    backend = task_backends["default"]
    every_tick = None if isinstance(backend, DatabaseBackend) else _promote_due_rq_jobs
    scheduler = threading.Thread(
        target=schedule.run_scheduler, args=(stop,), kwargs={"every_tick": every_tick}, name="scheduler", daemon=True
    )
    scheduler.start()
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

    from jobs import rq_connections

    rq_connections.blocking = True

    worker = django_rq.get_worker("default", job_class="django_tasks_rq.Job", worker_class=SimpleWorker)
    worker.work(with_scheduler=False, logging_level="WARNING")


def _promote_due_rq_jobs() -> int:
    """Moves the jobs whose time has come from RQ's scheduled-job registry onto the queue; how many.

    Several workers may do this at once: only the one whose ``ZREM`` removes a
    job enqueues it.
    """
    import django_rq
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry
    from rq.utils import current_timestamp

    queue = django_rq.get_queue("default", job_class="django_tasks_rq.Job")
    registry = ScheduledJobRegistry(queue=queue)
    promoted = 0
    for job_id in registry.get_jobs_to_schedule(current_timestamp()):
        if not queue.connection.zrem(registry.key, job_id):
            continue  # another worker took it
        job = Job.fetch(job_id, connection=queue.connection)
        queue._enqueue_job(job, at_front=job.should_enqueue_at_front())
        promoted += 1
    return promoted
