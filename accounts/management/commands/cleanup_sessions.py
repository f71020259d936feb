"""``manage.py cleanup_sessions``: deletes expired sessions, token records, revocations, old audit rows (daily)."""

from django.core.management.base import BaseCommand

from accounts import services
from accounts.audit import audit_events_delete_expired
from accounts.revocation import store as revocations


class Command(BaseCommand):
    help = (
        "Deletes expired login sessions, expired outstanding/blacklisted tokens, spent revocations "
        "and audit rows older than AUDIT_LOG_RETENTION_DAYS, in batches."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per delete (default 5000)")

    def handle(self, *args, batch_size: int, **options) -> None:
        deleted = services.sessions_delete_expired(batch_size=batch_size)
        deleted["revocations"] = revocations.delete_expired(batch_size=batch_size)
        deleted["audit_events"] = audit_events_delete_expired(batch_size=batch_size)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in deleted.items()))
