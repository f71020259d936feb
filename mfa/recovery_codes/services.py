"""Recovery codes: a set of ten made when two-factor is turned on (or on request), each usable once."""

import hmac

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from mfa import crypto
from mfa.exceptions import TwoFactorOff
from mfa.models import RecoveryCode
from mfa.recovery_codes import codes


def recovery_codes_replace(*, user: User) -> list[str]:
    """Deletes the user's codes and makes ``codes.COUNT`` new ones; the codes, to show once.

    Call within the transaction that turns two-factor on, or through ``recovery_codes_regenerate``.
    """
    fresh = codes.generate()
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, digest=crypto.code_digest(codes.normalize(code))) for code in fresh
    )
    return fresh


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """A new set for a user with two-factor on; the old set stops working. ``TwoFactorOff`` otherwise."""
    with transaction.atomic():
        if not User.objects.filter(pk=user.pk, totp_enabled=True).select_for_update().exists():
            raise TwoFactorOff()
        return recovery_codes_replace(user=user)


def recovery_code_use(*, user: User, code: str) -> int | None:
    """Spends ``code`` if it is one of the user's unused codes: how many are left then; else ``None``.

    Every unused code's digest is compared in constant time, whichever matched;
    the conditional UPDATE makes a code work once even for two requests at once.
    """
    normalized = codes.normalize(code)
    if normalized is None:
        return None
    candidates = crypto.code_digests(normalized)
    matched = None
    for pk, stored in RecoveryCode.objects.filter(user=user, used_at__isnull=True).values_list("pk", "digest"):
        for candidate in candidates:
            if hmac.compare_digest(stored, candidate):
                matched = pk
    if matched is None:
        return None
    if not RecoveryCode.objects.filter(pk=matched, used_at__isnull=True).update(used_at=timezone.now()):
        return None
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
