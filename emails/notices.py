"""Security notices: a mail to the account's address when something about its security changes.

Each names the device (in words, and its IP) and the time, and links to
/sessions/ where the user can see and revoke devices; none carries a link or
token that signs anyone in. Sent for: a sign-in from a device new to the
user, a password change or reset, an email change (to the old address), and,
from other apps, passkeys added or removed, two-factor turned off, a recovery
code used, second-factor codes failed after the right password, and a
sign-in provider linked or unlinked (providers/).
"""

from dataclasses import dataclass

from django.utils import timezone

from accounts.client import ClientInfo
from accounts.models import User
from emails import outbox


@dataclass(frozen=True)
class NoticeKind:
    subject: str
    headline: str  # what happened, one sentence


KINDS = {
    "new_sign_in": NoticeKind("New sign-in to your account", "Your account was just signed in to from a new device."),
    "password_changed": NoticeKind("Your password was changed", "The password of your account was changed."),
    "password_reset": NoticeKind(
        "Your password was reset",
        "The password of your account was reset through a link sent to this address. Every device was signed out.",
    ),
    "email_change_requested": NoticeKind(
        "Your email address is being changed",
        "Someone signed in to your account asked to change its email address to {new_address}. "
        "The change takes effect once the new address is verified.",
    ),
    "passkey_added": NoticeKind("A passkey was added", "A passkey named “{name}” was added to your account."),
    "passkey_removed": NoticeKind("A passkey was removed", "The passkey named “{name}” was removed from your account."),
    "two_factor_disabled": NoticeKind("Two-factor sign-in was turned off", "Two-factor sign-in was turned off."),
    "second_factor_failed": NoticeKind(
        "Someone has your password",
        "Someone entered your password, then failed the second step of signing in {failures} times. "
        "If it was not you, someone has your password: change it now, and check your devices.",
    ),
    "recovery_code_used": NoticeKind("A recovery code was used", "A recovery code was used to sign in; {left}."),
    "provider_linked": NoticeKind(
        "A sign-in provider was linked", "Your {name} account was linked: it can now sign in to your account."
    ),
    "provider_unlinked": NoticeKind(
        "A sign-in provider was unlinked", "Your {name} account was unlinked: it no longer signs in to your account."
    ),
}


def send_notice(*, user: User, kind: str, client: ClientInfo | None, to: str | None = None, **details) -> None:
    """Promises notice ``kind`` to ``to`` (the account's address by default), sent by the worker (emails/compose.py).

    ``details`` fill the kind's headline (``{name}``, ``{new_address}``...); they are stored, so JSON values only.
    """
    address = to if to is not None else user.email
    if not address:
        return
    KINDS[kind].headline.format(**details, left="")  # a detail missing is the caller's error, raised here
    outbox.promise(
        "security_notice",
        notice=kind,
        address=address,
        username=user.username,
        details=details,
        user_agent=client.user_agent if client else None,
        ip_address=client.ip_address if client else None,
        when=timezone.now().isoformat(),
    )


def left(count: int) -> str:
    """How many recovery codes are left, with the plural right ("1 is left", not "1 are left")."""
    return "none is left" if count == 0 else "1 is left" if count == 1 else f"{count} are left"
