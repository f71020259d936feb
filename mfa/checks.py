"""The second factor at sign-in: a ``SIGN_IN_CHECKS`` entry (accounts/sign_in.py).

A user with two-factor on who gave the right password is not signed in yet.
A browser (the cookie login) gets 401 ``mfa_required`` and an ``mfa_ticket``
cookie to finish with at ``POST /api/auth/login/mfa/``; a Bearer client
(``POST /api/token/``) sends the code with the password, in ``otp``. A passkey
sign-in needs no second factor: the passkey is already two.
"""

from django.db import transaction
from rest_framework import serializers
from rest_framework.request import Request

from accounts import audit as accounts_audit
from accounts.client import client_info
from accounts.models import User
from accounts.sign_in import SignInStep
from accounts.tokens import PASSKEY
from mfa import api, audit, failures, throttles, tickets
from mfa.exceptions import CodeInvalid
from mfa.second_factor import CODE_MAX_LENGTH, second_factor_use


def second_factor(*, user: User, request: Request, bearer: bool, first_factor: str) -> SignInStep | None:
    """Asks for (or, from a Bearer client, checks) the second factor of a user with two-factor on."""
    if first_factor == PASSKEY or not user.totp_enabled:
        return None
    client = client_info(request)
    if not bearer:
        secret = tickets.login_ticket_create(user=user, remember=_remember(request), methods=(first_factor,))
        accounts_audit.audit(audit.SECOND_FACTOR_REQUIRED, client=client, user_id=user.pk)
        response = api.mfa_required()
        tickets.set_ticket_cookie(response, secret)
        return SignInStep(refusal=response)

    code = _otp(request)
    if not code:
        return SignInStep(refusal=api.mfa_required())
    wait = throttles.code_attempt_wait(request, user_id=user.pk)
    if wait is not None:
        accounts_audit.audit(
            accounts_audit.THROTTLED, client=client, user_id=user.pk, path=request.path, retry_after=wait
        )
        return SignInStep(refusal=api.throttled(wait))
    with transaction.atomic():
        proof = second_factor_use(user=user, code=code, client=client)
    if proof is None:
        failures.second_factor_failed(user=user, client=client, bearer=True)
        return SignInStep(refusal=api.unauthorized(CodeInvalid.message, CodeInvalid.code))
    if proof.recovery_codes_left is not None:
        accounts_audit.audit(
            audit.RECOVERY_CODE_USED, client=client, user_id=user.pk, remaining=proof.recovery_codes_left
        )
    return SignInStep(methods=(proof.method,))


def _otp(request: Request) -> str:
    # The token serializer has validated it already (a string of at most
    # CODE_MAX_LENGTH characters); read it the same way.
    value = request.data.get("otp") if hasattr(request.data, "get") else None
    if value is None:
        return ""
    try:
        return serializers.CharField(max_length=CODE_MAX_LENGTH, allow_blank=True).run_validation(value)
    except serializers.ValidationError:
        return ""


def _remember(request: Request) -> bool:
    # The login serializer has validated it already; read it the same way.
    value = request.data.get("remember", True) if hasattr(request.data, "get") else True
    try:
        return serializers.BooleanField().to_internal_value(value)
    except serializers.ValidationError:
        return True
