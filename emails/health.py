"""The ``mail`` check of ``/healthz`` (``HEALTH_CHECKS``): is promised mail getting out?"""

from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone

from emails.models import Delivery

# A due mail still unsent this long after its time means no worker is taking it (seconds).
STALLED_AFTER = 300


def mail() -> tuple[str, dict] | str:
    """``"failing"`` while dead mail is in the outbox (until an admin retries or deletes it) or due mail
    waits longer than ``STALLED_AFTER`` (no worker running); with the counts, under ``"mail"`` in the body."""
    try:
        dead = Delivery.objects.filter(state=Delivery.State.DEAD).count()
        stalled = Delivery.objects.filter(
            state=Delivery.State.PENDING, next_attempt_at__lt=timezone.now() - timedelta(seconds=STALLED_AFTER)
        ).count()
    except DatabaseError:
        return "unavailable"
    return ("failing" if dead or stalled else "ok"), {"dead": dead, "stalled": stalled}
