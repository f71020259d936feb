"""``manage.py mfa_rotate_keys``: re-encrypts every TOTP secret with the newest key (docs/two-factor.md)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from mfa import crypto
from mfa.models import TotpDevice


class Command(BaseCommand):
    help = "Re-encrypts every TOTP secret with the first key of MFA_ENCRYPTION_KEYS (or DJANGO_SECRET_KEY)."

    def handle(self, *args, **options) -> None:
        rotated = unreadable = 0
        for pk in TotpDevice.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                device = TotpDevice.objects.select_for_update().filter(pk=pk).first()
                if device is None:
                    continue
                try:
                    device.secret = crypto.reencrypt_secret(device.secret)
                except crypto.SecretUnreadable:
                    unreadable += 1
                    self.stderr.write(f"user {device.user_id}: no configured key reads this TOTP secret")
                    continue
                device.save(update_fields=["secret"])
                rotated += 1
        self.stdout.write(f"{rotated} TOTP secret(s) re-encrypted with the newest key; {unreadable} unreadable.")
