"""The promise of a mail: an outbox row, written in the transaction that causes the mail, and its task.

``promise`` is all a request does about a mail: one ``INSERT`` (and, on the
database task backend, the task's own row, in the same transaction). Nothing
is read, built or sent here, so the answer and its timing are the same whatever
the mail turns out to be. The task (emails/delivery.py) is enqueued with the
transaction: on the database backend its row commits with the promise; on a
separate queue (Redis) it is sent once the transaction commits, and should that
fail (the process killed in between, Redis down), the row is still there and
``deliveries_resume`` enqueues it again.
"""

import logging

from django.db import transaction
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from emails.models import Delivery

logger = logging.getLogger("jwtsite.mail")


def promise(kind: str, **params) -> Delivery:
    """Records that mail ``kind`` (a builder of emails/compose.py) is to be sent, and enqueues its delivery."""
    # No savepoint: inside the caller's transaction the row simply joins it (one statement, and
    # if it fails the whole change fails); outside one, the row and its task commit together.
    with transaction.atomic(savepoint=False):
        delivery = Delivery.objects.create(kind=kind, params=params)
        enqueue(delivery.pk)
    return delivery


def enqueue(delivery_id: int, *, run_after=None) -> None:
    """Enqueues the delivery of row ``delivery_id``: in the transaction on the database backend, after it elsewhere."""
    from emails.delivery import deliver  # the task module imports this one

    task = deliver if run_after is None else deliver.using(run_after=run_after)
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(delivery_id)
    else:
        transaction.on_commit(lambda: _enqueue_after_commit(task, delivery_id))


def stores_tasks_in_the_database() -> bool:
    return isinstance(task_backends["default"], DatabaseBackend)


def _enqueue_after_commit(task, delivery_id: int) -> None:
    try:
        task.enqueue(delivery_id)
    except Exception:  # the queue unreachable: the row stays pending and deliveries_resume finds it
        logger.warning(
            "Could not enqueue mail delivery %s; it will be resumed from the outbox", delivery_id, exc_info=True
        )
