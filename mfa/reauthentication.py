"""Re-authenticating with a passkey or a code: ``REAUTHENTICATION_METHODS`` provers (accounts/reauthentication.py).

The body's ``assertion`` answers the options of
``POST /api/auth/passkeys/reauthenticate/options/``, whose challenge is bound
to the signed-in user and session; the passkey must be one of the user's.
Its ``code`` is a TOTP code or one of the recovery codes (spent), as at
sign-in, and throttled like them. Either proves a second factor: the session's
``amr`` says so, which turning two-factor off needs (mfa/permissions.py).
"""

from django.db import transaction
from rest_framework import exceptions
from rest_framework.request import Request

from accounts import audit as accounts_audit
from accounts.client import client_info
from accounts.tokens import PASSKEY
from accounts.views.base import current_session_id
from mfa import api_errors, audit, throttles
from mfa.exceptions import ClonedAuthenticator, CodeInvalid, MfaError
from mfa.passkeys import challenges
from mfa.passkeys.serializers import ReauthenticateAssertionInputSerializer
from mfa.passkeys.services import passkey_authenticate
from mfa.second_factor import second_factor_use
from mfa.totp.serializers import SecondFactorInputSerializer


def passkey(request: Request) -> str | None:
    """``webauthn`` when ``assertion`` is a passkey of the user's, verified; ``None`` without one."""
    if not hasattr(request.data, "get") or request.data.get("assertion") is None:
        return None
    data = ReauthenticateAssertionInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        passkey_authenticate(
            secret=request.COOKIES.get(challenges.COOKIE_NAME),
            purpose=challenges.Purpose.REAUTHENTICATE,
            credential=data.validated_data["assertion"],
            user=request.user,
            session_id=current_session_id(request),
        )
    except ClonedAuthenticator as exc:
        audit_clone(request, exc)
        raise api_errors.api_error(exc) from exc
    except MfaError as exc:
        raise api_errors.api_error(exc) from exc
    return PASSKEY


def code(request: Request) -> str | None:
    """``otp`` or ``recovery`` when ``code`` is one of the user's second-factor codes, spent; ``None`` without one."""
    if not hasattr(request.data, "get") or request.data.get("code") is None:
        return None
    data = SecondFactorInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    wait = throttles.code_attempt_wait(request, user_id=request.user.pk)
    if wait is not None:
        raise exceptions.Throttled(wait)
    with transaction.atomic():
        proof = second_factor_use(user=request.user, code=data.validated_data["code"], client=client_info(request))
    if proof is None:
        raise exceptions.AuthenticationFailed(CodeInvalid.message, code=CodeInvalid.code)
    return proof.method


def audit_clone(request: Request, exc: ClonedAuthenticator) -> None:
    passkey = exc.passkey
    accounts_audit.audit(
        audit.PASSKEY_CLONE_DETECTED,
        client=client_info(request),
        user_id=passkey.user_id if passkey else None,
        passkey_id=passkey.pk if passkey else None,
        sign_count=exc.counted,
        known_sign_count=passkey.sign_count if passkey else None,
    )
