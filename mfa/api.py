"""The HTTP side of passkeys and two-factor: domain errors as API errors, and the answers the seams give.

A ``CeremonyError`` is a 400 ``{"detail", "code"}``, a failed proof a 401
(with ``WWW-Authenticate``), a ``StateConflict`` a 409.
"""

import math

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.api import WWW_AUTHENTICATE
from mfa import second_factor
from mfa.exceptions import CeremonyError, MfaError, StateConflict

MFA_REQUIRED = _("Enter a code from your authenticator app, or one of your recovery codes.")


class CeremonyFailed(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("This passkey response cannot be used.")
    default_code = "webauthn_invalid"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This does not fit the account's current state.")
    default_code = "conflict"


def api_error(exc: MfaError) -> exceptions.APIException:
    """The API error a domain error of this app answers as."""
    if isinstance(exc, CeremonyError):
        return CeremonyFailed(exc.message, code=exc.code)
    if isinstance(exc, StateConflict):
        return Conflict(exc.message, code=exc.code)
    return exceptions.AuthenticationFailed(exc.message, code=exc.code)


def mfa_required() -> Response:
    """401 ``mfa_required``: the password was right, a second factor must follow."""
    return unauthorized(MFA_REQUIRED, "mfa_required", methods=second_factor.METHODS)


def unauthorized(detail, code: str, **extra) -> Response:
    return Response(
        {"detail": str(detail), "code": code, **extra},
        status=status.HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": WWW_AUTHENTICATE},
    )


def throttled(wait: float) -> Response:
    """429 with ``Retry-After``, as DRF's own throttles answer."""
    exc = exceptions.Throttled(wait)
    return Response(
        {"detail": str(exc.detail), "code": exc.default_code},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(math.ceil(wait))},
    )
