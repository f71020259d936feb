"""Delivering a promised mail: the task a worker runs for each outbox row, with retries and a dead end.

``deliver`` claims its row with one conditional ``UPDATE`` (pending and due, or
held by a worker whose lease ran out) to ``sending``, builds the mail
(emails/compose.py), sends it over SMTP with the row's own Message-ID, and marks
the row ``sent``. A row already sent, skipped or dead, or held by a live worker,
is left alone: a task run twice (a duplicate, a resumed one) never sends a
second copy. The one window left is the instant between the mail server's
"250 accepted" and the ``UPDATE`` that records it: a worker killed exactly
there resends, with the same Message-ID, once its lease runs out.

A failure (SMTP refused, timed out, a 4xx) is retried after
``MAIL_RETRY_DELAYS[attempt - 1]`` seconds; after the last the row is dead,
logged at ERROR, shown in the admin and on ``/healthz``. A 5xx refusal of the
recipient is permanent: dead at once.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from emails import compose, conf, outbox
from emails.models import Delivery

logger = logging.getLogger("jwtsite.mail")
State = Delivery.State
# Rows enqueued again per run of deliveries_resume (it runs every MAIL_RESUME_EVERY seconds).
RESUME_BATCH = 500


@task()
def deliver(delivery_id: int) -> str:
    """Sends outbox row ``delivery_id`` if it is due and nobody else holds it; returns what became of it."""
    now = timezone.now()
    lease = timedelta(seconds=conf.MAIL_SEND_LEASE)
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(
            # A second of slack: the task may be run by a machine whose clock is a little ahead.
            Q(state=State.PENDING, next_attempt_at__lte=now + timedelta(seconds=1))
            | Q(state=State.SENDING, lease_until__lt=now)
        )
        .update(state=State.SENDING, lease_until=now + lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "not due"
    delivery = Delivery.objects.get(pk=delivery_id)
    try:
        message = compose.build(delivery)
        if message is None:
            _finish(delivery, State.SKIPPED)
            return State.SKIPPED
        # The row's own: a resend after a lost acknowledgement carries the same id, and none is written first.
        delivery.message_id = message_id(delivery)
        message.extra_headers["Message-ID"] = delivery.message_id
        delivery.to, delivery.subject = ", ".join(message.to), message.subject[:200]
        message.send()
    except Exception as exc:  # SMTP refused or timed out, a template broke: retried, then dead
        return _failed(delivery, exc)
    _finish(delivery, State.SENT, sent=True)
    return State.SENT


def deliveries_resume(*, overdue_after: float | None = None) -> int:
    """Enqueues again every row whose task was lost: pending and overdue, or held by a worker that died.

    Tasks are wake-up calls; a process killed between a commit and its
    enqueue, a queue that lost a job (a Redis restart without persistence), a
    worker killed mid-send all leave a row here. Returns how many it enqueued.
    """
    now = timezone.now()
    overdue_after = conf.MAIL_RESUME_AFTER if overdue_after is None else overdue_after
    lost = Delivery.objects.filter(
        Q(state=State.PENDING, next_attempt_at__lte=now - timedelta(seconds=overdue_after))
        | Q(state=State.SENDING, lease_until__lt=now)
    ).values_list("pk", flat=True)[:RESUME_BATCH]
    ids = list(lost)
    # Their clock restarts: a row still waiting behind a long queue gets one more task per period, not one per run.
    Delivery.objects.filter(pk__in=ids, state=State.PENDING).update(next_attempt_at=now)
    for delivery_id in ids:
        outbox.enqueue(delivery_id)
    if ids:
        logger.warning("Resumed %d mail deliveries whose task was lost", len(ids))
    return len(ids)


def deliveries_retry(ids) -> int:
    """Sends dead (or any unsent) rows again from the first attempt: the admin's "Retry" action."""
    now = timezone.now()
    rows = Delivery.objects.filter(pk__in=list(ids)).exclude(state__in=[State.SENT, State.SENDING])
    retried = list(rows.values_list("pk", flat=True))
    rows.update(state=State.PENDING, attempts=0, next_attempt_at=now, lease_until=None, finished_at=None)
    for delivery_id in retried:
        outbox.enqueue(delivery_id)
    return len(retried)


def deliveries_delete_finished(*, batch_size: int = 5000, now=None) -> int:
    """Deletes rows finished longer ago than their keep: ``MAIL_KEEP_DAYS`` (sent, skipped), ``MAIL_KEEP_DEAD_DAYS``."""
    now = now or timezone.now()
    deleted = 0
    for states, days in (
        ([State.SENT, State.SKIPPED], conf.MAIL_KEEP_DAYS),
        ([State.DEAD], conf.MAIL_KEEP_DEAD_DAYS),
    ):
        old = Delivery.objects.filter(state__in=states, finished_at__lt=now - timedelta(days=days))
        while ids := list(old.values_list("pk", flat=True)[:batch_size]):
            deleted += Delivery.objects.filter(pk__in=ids)._raw_delete(Delivery.objects.db)
    return deleted


def message_id(delivery: Delivery) -> str:
    """The Message-ID of ``delivery``'s mail, the same at every attempt: its row and when it was promised."""
    return f"<jwtsite.{delivery.pk}.{int(delivery.created_at.timestamp() * 1000)}@{_message_id_domain()}>"


def retry_delays() -> list[int]:
    return [int(delay) for delay in conf.MAIL_RETRY_DELAYS]


# Internals -----------------------------------------------------------------------


def _finish(delivery: Delivery, state: str, *, sent: bool = False) -> None:
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, state=State.SENDING).update(
        state=state,
        to=delivery.to,
        subject=delivery.subject,
        lease_until=None,
        finished_at=now,
        sent_at=now if sent else None,
        message_id=delivery.message_id,
        last_error="" if sent else delivery.last_error,
    )


def _failed(delivery: Delivery, exc: Exception) -> str:
    delays = retry_delays()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    what = delivery.kind.replace("_", " ")
    permanent = _is_permanent(exc)
    if permanent or delivery.attempts > len(delays):
        Delivery.objects.filter(pk=delivery.pk, state=State.SENDING).update(
            state=State.DEAD,
            last_error=error,
            lease_until=None,
            finished_at=timezone.now(),
            to=delivery.to,
            subject=delivery.subject,
        )
        logger.error(
            "Could not send the %s email (delivery %s) after %d attempts%s; it is dead: %s",
            what,
            delivery.pk,
            delivery.attempts,
            " (refused for good)" if permanent else "",
            error,
            exc_info=exc,
        )
        return State.DEAD
    delay = delays[delivery.attempts - 1]
    next_attempt_at = timezone.now() + timedelta(seconds=delay)
    Delivery.objects.filter(pk=delivery.pk, state=State.SENDING).update(
        state=State.PENDING,
        last_error=error,
        lease_until=None,
        next_attempt_at=next_attempt_at,
        to=delivery.to,
        subject=delivery.subject,
    )
    logger.error(
        "Could not send the %s email (delivery %s, attempt %d of %d); next attempt in %d s",
        what,
        delivery.pk,
        delivery.attempts,
        len(delays) + 1,
        delay,
        exc_info=exc,
    )
    if deliver.get_backend().supports_defer:
        outbox.enqueue(delivery.pk, run_after=next_attempt_at)
    # Otherwise (the immediate backend of the tests) deliveries_resume picks it up when due.
    return State.PENDING


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _message_id_domain() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")
    return domain or "localhost"
