"""Failures of a sign-in's second step: they count toward the failed-sign-in ceiling, and a few of them warn the user.

A wrong TOTP or recovery code after the right password counts as a failed
sign-in of the account's username (``LOGIN_FAILURES_USERNAME``, over every
IP; accounts/failed_sign_ins.py), so guessing codes with a known password is bounded
like guessing passwords. The ``MFA_FAILURE_NOTICE_AFTER``-th such failure
within that ceiling's window mails the user a notice (someone has their
password: change it), once per window, and is audited
(``second_factor_notice_sent``). A passkey assertion refused at sign-in counts
toward the ceiling too; it involves no password, so it sends no notice.
"""

import time

from accounts import audit as accounts_audit
from accounts import failed_sign_ins, rates, signals
from accounts.client import ClientInfo
from accounts.models import User
from mfa import audit, conf


def second_factor_failed(
    *, user: User, client: ClientInfo, reservation: failed_sign_ins.Reservation | None = None, **details
) -> None:
    """A wrong code at sign-in for ``user``: audited, counted, and the user warned when it is one too many.

    ``reservation``: the sign-in counted it already (``failed_sign_ins.sign_in_reserve``).
    """
    accounts_audit.audit(audit.SECOND_FACTOR_FAILED, client=client, user_id=user.pk, **details)
    failed_sign_ins.sign_in_failed(username=user.get_username(), client=client, reservation=reservation)
    _, window = failed_sign_ins.failure_ceiling()
    failures = rates.increment(f"second_factor_failures:{user.pk}:{int(time.time() // window)}", window)
    if failures == conf.MFA_FAILURE_NOTICE_AFTER:
        signals.security_event.send(
            sender=User, user=user, kind="second_factor_failed", client=client, failures=failures
        )
        accounts_audit.audit(audit.SECOND_FACTOR_NOTICE_SENT, client=client, user_id=user.pk, failures=failures)


def passkey_sign_in_failed(*, user: User, client: ClientInfo) -> None:
    """A passkey of ``user`` refused at sign-in (its signature, a cloned counter): counted toward the ceiling."""
    failed_sign_ins.sign_in_failed(username=user.get_username(), client=client)
