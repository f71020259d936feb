"""The one place that turns exceptions into API.md's JSON error shape.

Errors are ``{"detail": "...", "code": "..."}``; validation errors keep DRF's
``{"field": ["message"]}``.
"""

import logging
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from jwtsite.cache import CacheUnavailableError
from jwtsite.wording import duration


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("Request body too large.")
    default_code = "request_too_large"


logger = logging.getLogger("django.request")


class DatabaseUnavailable(exceptions.APIException):
    """The database could not be reached or timed out: worth a retry, unlike a 500."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The database is unavailable; try again shortly.")
    default_code = "database_unavailable"
    wait = 1  # seconds; DRF's handler sends it as Retry-After


class CacheUnavailable(exceptions.APIException):
    """The shared cache is down and ``CACHE_OUTAGE_POLICY=closed``: refused rather than unthrottled."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is temporarily unavailable; try again shortly.")
    default_code = "cache_unavailable"
    wait = 5  # seconds; the cache backend tries Redis again every second


def as_api_exception(exc: Exception) -> Exception:
    """Django's own request and database errors as DRF exceptions; anything else unchanged."""
    if isinstance(exc, CacheUnavailableError):
        return CacheUnavailable()  # jwtsite/cache.py has logged the outage
    if isinstance(exc, OperationalError | InterfaceError):
        # A lost connection, a restart, SQLite's busy timeout: an outage to log, not a bug.
        logger.error("Database unavailable: %s", exc, exc_info=exc)
        return DatabaseUnavailable()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    # Raised while reading request.POST/request.body, e.g. by the CSRF check.
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation | BadRequest):
        return exceptions.ParseError(_("Malformed request."))
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Let DRF build the response, then give its body the contract's shape."""
    exc = as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        if not isinstance(response.data, dict):
            response.data = {"non_field_errors": response.data}
        return response
    response.data = error_body(exc)
    if isinstance(exc, exceptions.Throttled):
        # DRF says "Expected available in 2875 seconds"; people read minutes and hours.
        wait = f" Try again in {duration(exc.wait)}." if exc.wait is not None else " Try again later."
        response.data["detail"] = str(_("Too many requests.")) + wait
    return response


def error_body(exc: exceptions.APIException) -> dict:
    """``{"detail", "code"}`` for any APIException, including simplejwt's dict details, plus its ``extra``.

    ``extra``: what the client needs to go on (the methods that would do), never a secret.
    """
    return {**_detail_and_code(exc), **getattr(exc, "extra", {})}


def _detail_and_code(exc: exceptions.APIException) -> dict[str, str]:
    detail, codes = exc.detail, exc.get_codes()
    if isinstance(detail, dict):
        # simplejwt's InvalidToken carries {"detail", "code", "messages"}.
        return {
            "detail": str(detail.get("detail", exc.default_detail)),
            "code": str(detail.get("code", exc.default_code)),
        }
    if isinstance(detail, list):
        return {"detail": " ".join(str(item) for item in detail), "code": exc.default_code}
    return {"detail": str(detail), "code": str(codes)}
