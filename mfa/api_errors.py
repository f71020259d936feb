"""Passkey and two-factor domain errors as API errors (mfa/exceptions.py holds the domain side).

A ``CeremonyError`` is a 400 ``{"detail", "code"}``, a failed proof a 401
(with ``WWW-Authenticate``), a ``StateConflict`` a 409. How a sign-in is
asked for its second factor or refused is accounts/views/sign_in.py's.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.views.base import WWW_AUTHENTICATE
from mfa.exceptions import CeremonyError, MfaError, StateConflict


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


def unauthorized(detail, code: str, **extra) -> Response:
    """401 ``{"detail", "code"}`` answered directly (a view that must set or clear a cookie with it)."""
    return Response(
        {"detail": str(detail), "code": code, **extra},
        status=status.HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": WWW_AUTHENTICATE},
    )
