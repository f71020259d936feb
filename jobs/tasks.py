"""The periodic work, as tasks (``PERIODIC_TASKS`` schedules them, jobs/schedule.py).

Each deletes in batches of ``batch_size`` rows, one short statement each, so
memory and lock times stay bounded however much expired (the sizes
``cleanup_sessions`` measured: docs/benchmarks.md).
"""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from accounts import services as accounts_services
from accounts.audit import audit_events_delete_expired
from accounts.revocation import store as revocations
from emails import delivery as deliveries
from mfa.models import LoginTicket, WebAuthnChallenge

logger = logging.getLogger("jwtsite.jobs")
BATCH_SIZE = 5000


def cleanup(*, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Deletes what has expired: sessions, token records, revocations, challenges, old audit rows and mail."""
    deleted = accounts_services.sessions_delete_expired(batch_size=batch_size)
    deleted["revocations"] = revocations.delete_expired(batch_size=batch_size)
    # Challenges and sign-in tickets also go as new ones come; a quiet site keeps its last ones until here.
    for name, model in (("webauthn_challenges", WebAuthnChallenge), ("login_tickets", LoginTicket)):
        deleted[name] = _delete_in_batches(model.objects.filter(expires_at__lte=timezone.now()), batch_size)
    deleted["audit_events"] = audit_events_delete_expired(batch_size=batch_size)
    deleted["mail"] = deliveries.deliveries_delete_finished(batch_size=batch_size)
    deleted["tasks"] = _finished_tasks_delete(batch_size=batch_size)
    return deleted


@task()
def cleanup_expired() -> dict[str, int]:
    deleted = cleanup()
    logger.info("Cleanup: %s", ", ".join(f"{name}: {count}" for name, count in deleted.items()))
    return deleted


@task()
def mail_resume() -> int:
    """Enqueues again the mail whose task was lost (emails/delivery.py)."""
    return deliveries.deliveries_resume()


def _finished_tasks_delete(*, batch_size: int, keep_days: int = 1) -> int:
    """Finished rows of the database task backend, after a day (nothing reads them after that)."""
    from django_tasks_db.models import DBTaskResult

    old = DBTaskResult.objects.finished().filter(finished_at__lt=timezone.now() - timedelta(days=keep_days))
    return _delete_in_batches(old, batch_size)


def _delete_in_batches(rows, batch_size: int) -> int:
    deleted = 0
    while ids := list(rows.values_list("pk", flat=True)[:batch_size]):
        deleted += rows.model.objects.filter(pk__in=ids).delete()[0]
    return deleted
