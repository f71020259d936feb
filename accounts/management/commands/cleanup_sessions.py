"""``manage.py cleanup_sessions``: delete expired sessions and token records (run daily)."""

from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = "Deletes expired login sessions and expired outstanding/blacklisted tokens, in batches."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per delete (default 5000)")

    def handle(self, *args, batch_size: int, **options) -> None:
        deleted = services.sessions_delete_expired(batch_size=batch_size)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in deleted.items()))
