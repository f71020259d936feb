"""Deleting what expired: sessions and simplejwt's token records, in batches (``cleanup_sessions``)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Session


def sessions_delete_expired(*, batch_size: int = 5000, now: datetime | None = None) -> dict[str, int]:
    """Deletes expired sessions and expired token records in batches of ``batch_size``.

    Memory stays bounded by one batch, however many rows expired; simplejwt's
    ``flushexpiredtokens`` loads them all through its cascade.
    """
    now = now or timezone.now()
    deleted = {"sessions": 0, "outstanding_tokens": 0, "blacklisted_tokens": 0}
    while ids := list(Session.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch_size]):
        # Expired: no token of theirs is honoured any more, so nothing to revoke.
        deleted["sessions"] += Session.objects.filter(pk__in=ids).delete_revoked()[0]
    while ids := list(OutstandingToken.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            deleted["blacklisted_tokens"] += BlacklistedToken.objects.filter(token_id__in=ids).delete()[0]
            Session.objects.filter(current_token_id__in=ids).update(current_token=None)
            # Nothing refers to these rows any more: one plain DELETE, instead of
            # the collector loading the batch and deleting it 100 rows at a time.
            deleted["outstanding_tokens"] += OutstandingToken.objects.filter(pk__in=ids)._raw_delete(
                OutstandingToken.objects.db
            )
    return deleted
