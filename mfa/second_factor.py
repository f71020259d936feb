"""Proving the second factor at sign-in: a TOTP code, or else one of the recovery codes."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts import signals
from accounts.client import ClientInfo
from accounts.models import User
from accounts.tokens import ONE_TIME_CODE, RECOVERY_CODE
from mfa.models import RecoveryCode
from mfa.recovery_codes.services import recovery_code_use
from mfa.totp import otp
from mfa.totp.services import totp_code_use

CODE_MAX_LENGTH = 64
# What /api/auth/login/ answers a user with two-factor on may send next, and how it asks.
METHODS = ["totp", "recovery_code"]
MFA_REQUIRED = _("Enter a code from your authenticator app, or one of your recovery codes.")


@dataclass(frozen=True)
class SecondFactorProof:
    """How the user proved the second factor (an ``amr`` method), and for a recovery code how many are left."""

    method: str
    recovery_codes_left: int | None = None


def second_factor_use(*, user: User, code: str, client: ClientInfo | None) -> SecondFactorProof | None:
    """Spends ``code`` (6 digits: a TOTP code; else a recovery code); ``None`` when it is not right.

    Run it in a transaction (the one that starts the session, where there is
    one). Using a recovery code sends the user a notice.
    """
    code = code.strip()
    if len(code) == otp.DIGITS and code.isascii() and code.isdigit():
        return SecondFactorProof(ONE_TIME_CODE) if totp_code_use(user=user, code=code) else None
    left = recovery_code_use(user=user, code=code)
    if left is None:
        return None
    signals.security_event.send(
        sender=RecoveryCode, user=user, kind="recovery_code_used", client=client, remaining=left
    )
    return SecondFactorProof(RECOVERY_CODE, recovery_codes_left=left)
