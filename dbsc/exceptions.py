"""Why a registration or a refresh with a device-key proof is refused: each a 4xx ``{"detail", "code"}``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


class DbscRefused(APIException):
    """Base: the browser ends its registration (or bound session) on any 4xx but 403 (W3C DBSC, "send a request")."""


class ProofMalformed(DbscRefused):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "dbsc_proof_malformed"
    default_detail = _(
        "Secure-Session-Response must hold a dbsc+jwt signed with an offered algorithm, with the challenge as jti."
    )


class ProofInvalid(DbscRefused):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "key_proof_invalid"
    default_detail = _("The proof is not signed by this session's device key.")


class ChallengeInvalid(DbscRefused):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "challenge_invalid"
    default_detail = _("The challenge is unknown, expired, already used or for another session.")


class SessionRequired(DbscRefused):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "session_required"
    default_detail = _("No live session in this request's cookies.")


class SessionAlreadyBound(DbscRefused):
    status_code = status.HTTP_409_CONFLICT
    default_code = "session_already_bound"
    default_detail = _("This session is already bound to a device key.")


class SessionNotBound(DbscRefused):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "session_not_bound"
    default_detail = _("This session is not bound to a device key; renew it at /api/auth/refresh/.")
