"""The second factor at sign-in: a ``SIGN_IN_STAGES`` entry (accounts/sign_in.py).

A user with two-factor on who gave the right password is not signed in yet.
The stage asks for the code: a browser (the cookie login) gets 401
``mfa_required`` and an ``mfa_ticket`` cookie (the held attempt, mfa/tickets.py),
answers at ``POST /api/auth/login/mfa/`` and the sign-in resumes at the
stage after this one. It may answer with one of the user's passkeys instead
(``POST /api/auth/login/mfa/passkey/``: ``amr`` then says ``pwd webauthn``).
A Bearer client (``POST /api/token/``) sends the code with the password, in
``otp``, and this stage checks it. A passkey sign-in
needs no second factor: the passkey is already two. Having a passkey does not
turn two-factor on by itself: only TOTP does (the user chose it), so an
account with passkeys and no TOTP signs in with a password alone, as before.
"""

from http import HTTPStatus

from django.db import transaction

from accounts import audit as accounts_audit
from accounts.sign_in import OTP_ANSWER, PASS, Ask, HeldAttempt, Outcome, Passed, Refuse, SignInAttempt, SignInMethod
from mfa import audit, failures, throttles, tickets
from mfa.exceptions import CodeInvalid
from mfa.second_factor import METHODS, MFA_REQUIRED, second_factor_use

MFA_REQUIRED_CODE = "mfa_required"
PASSKEY_METHOD = "passkey"


def second_factor(attempt: SignInAttempt) -> Outcome:
    """Asks for (or, when it came with the attempt, checks) the second factor of a user with two-factor on."""
    if attempt.method == SignInMethod.PASSKEY or not attempt.user.totp_enabled:
        return PASS
    code = (attempt.answers.get(OTP_ANSWER) or "").strip()
    if not code:
        return Ask(MFA_REQUIRED_CODE, MFA_REQUIRED, extra={"methods": methods_of(attempt.user)}, hold=hold)
    return _checked(attempt, code)


def methods_of(user) -> list[str]:
    """How ``user`` may prove the second factor: the codes, and a passkey when they have one.

    ``passkey`` is offered to a cookie client only (it answers at
    ``POST /api/auth/login/mfa/passkey/``); a Bearer client's ``otp`` is a code.
    """
    return [*METHODS, PASSKEY_METHOD] if user.passkey_count else list(METHODS)


def hold(attempt: SignInAttempt, *, resume_after: str) -> HeldAttempt:
    """Keeps ``attempt`` in a sign-in ticket until the code comes (``POST /api/auth/login/mfa/``)."""
    held = tickets.login_ticket_hold(attempt, resume_after=resume_after)
    accounts_audit.audit(audit.SECOND_FACTOR_REQUIRED, client=attempt.client, user_id=attempt.user.pk)
    return held


def _checked(attempt: SignInAttempt, code: str) -> Outcome:
    """The code sent with the attempt (a Bearer client's ``otp``), throttled and spent."""
    user, client = attempt.user, attempt.client
    wait = throttles.code_attempt_wait_for(client=client, user_id=user.pk)
    if wait is not None:
        return Refuse.rate_limited(wait)
    with transaction.atomic():
        proof = second_factor_use(user=user, code=code, client=client)
    if proof is None:
        failures.second_factor_failed(user=user, client=client, bearer=True)
        return Refuse(CodeInvalid.code, CodeInvalid.message, HTTPStatus.UNAUTHORIZED)
    if proof.recovery_codes_left is not None:
        accounts_audit.audit(
            audit.RECOVERY_CODE_USED, client=client, user_id=user.pk, remaining=proof.recovery_codes_left
        )
    return Passed(proved=(proof.method,))
