"""Turning TOTP two-factor on and off, and checking its codes."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts import services as accounts_services
from accounts import signals
from accounts.client import ClientInfo
from accounts.models import User
from accounts.tokens import IssuedTokens
from mfa import crypto
from mfa.exceptions import CodeInvalid, NoSetupToConfirm, TwoFactorAlreadyOn
from mfa.models import RecoveryCode, TotpDevice
from mfa.recovery_codes.services import recovery_codes_replace
from mfa.totp import otp

logger = logging.getLogger("jwtsite.mfa")


@dataclass(frozen=True)
class TotpSetup:
    """What the user needs to add the account to an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_svg: str


def totp_setup_start(*, user: User) -> TotpSetup:
    """A new secret for the user, not active until confirmed with a code from it.

    Starting again replaces a setup not yet confirmed; with two-factor already
    on, ``TwoFactorAlreadyOn``.
    """
    secret = otp.new_secret()
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.confirmed_at is not None:
            raise TwoFactorAlreadyOn()
        TotpDevice.objects.update_or_create(
            user=user,
            defaults={"secret": crypto.encrypt_secret(secret), "created_at": timezone.now(), "last_used_step": 0},
        )
    uri = otp.provisioning_uri(secret=secret, account_name=user.get_username())
    return TotpSetup(secret=secret, otpauth_uri=uri, qr_svg=otp.qr_svg(uri))


def totp_confirm(*, user: User, code: str) -> list[str]:
    """Turns two-factor on if ``code`` comes from the pending secret; the recovery codes, to show once.

    ``CodeInvalid`` for a wrong code, ``NoSetupToConfirm`` when nothing is
    pending, ``TwoFactorAlreadyOn`` when it is already on. The code's step
    counts as used: it cannot sign in afterwards.
    """
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            raise NoSetupToConfirm()
        if device.confirmed_at is not None:
            raise TwoFactorAlreadyOn()
        secret = _secret(device)
        step = None if secret is None else otp.matching_step(secret=secret, code=code)
        if step is None:
            raise CodeInvalid()
        device.confirmed_at = timezone.now()
        device.last_used_step = step
        device.save(update_fields=["confirmed_at", "last_used_step"])
        User.objects.filter(pk=user.pk).update(totp_enabled=True)
        user.totp_enabled = True
        return recovery_codes_replace(user=user)


def two_factor_turn_on(*, user: User, code: str, session_id: str) -> tuple[list[str], IssuedTokens]:
    """``totp_confirm``, and every other session of the user ends with it: those signed in without it.

    Only the session ``session_id`` stays, its tokens re-issued (as a password
    change does). The recovery codes, to show once, and those tokens.
    """
    with transaction.atomic():
        codes = totp_confirm(user=user, code=code)
        return codes, accounts_services.user_other_sessions_end(user=user, session_id=session_id)


def totp_disable(*, user: User, client: ClientInfo | None) -> bool:
    """Turns two-factor off: the TOTP secret (pending or active) and the recovery codes are deleted.

    Whether it was on; if so, a notice goes to the user (the admin's
    "Remove two-factor" comes here too).
    """
    with transaction.atomic():
        was_on = User.objects.filter(pk=user.pk, totp_enabled=True).update(totp_enabled=False) > 0
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        user.totp_enabled = False
        if was_on:
            signals.security_event.send(sender=TotpDevice, user=user, kind="two_factor_disabled", client=client)
    return was_on


def totp_remove(*, user: User) -> bool:
    """The admin's "Remove two-factor": turned off as ``totp_disable`` does, and the user logged out everywhere.

    Whoever asked the admin to remove it has lost the factor, or someone else
    may have it: no session that it (or only the password) opened survives.
    Whether it was on; nothing changes when it was not.
    """
    with transaction.atomic():
        if not totp_disable(user=user, client=None):
            return False
        accounts_services.user_sessions_revoke_all(user=user)
    return True


def totp_code_use(*, user: User, code: str) -> bool:
    """Whether ``code`` is a current code of the user's active TOTP; it then can never be used again.

    Only a step later than the last one accepted counts, and the conditional
    UPDATE settles two requests racing with the same code: one wins.
    """
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        return False
    secret = _secret(device)
    step = None if secret is None else otp.matching_step(secret=secret, code=code)
    if step is None or step <= device.last_used_step:
        return False
    return TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step) == 1


def _secret(device: TotpDevice) -> str | None:
    try:
        return crypto.decrypt_secret(device.secret)
    except crypto.SecretUnreadable:
        # Its key is no longer configured: no code can match. The user signs in
        # with a recovery code, or an admin removes two-factor (docs/two-factor.md).
        logger.error("The TOTP secret of user %s was encrypted with a key that is no longer configured", device.user_id)
        return None
