"""Reads of passkeys."""

from django.db.models import QuerySet

from accounts.models import User
from mfa.models import Passkey


def passkey_list(*, user: User) -> QuerySet[Passkey]:
    """The user's passkeys, oldest first."""
    return Passkey.objects.filter(user=user)


def passkey_get(*, user: User, passkey_id: int) -> Passkey | None:
    """The user's passkey ``passkey_id``, or ``None`` (someone else's included)."""
    return Passkey.objects.filter(user=user, pk=passkey_id).first()
