"""CSRF enforcement for cookie-authenticated and ``/api/auth/`` requests."""

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from rest_framework import exceptions
from rest_framework.authentication import CSRFCheck


def enforce_csrf(request: HttpRequest) -> None:
    """Runs Django's CSRF check, as DRF's ``SessionAuthentication`` does.

    DRF views are exempt from ``CsrfViewMiddleware``; a cookie sent by the
    browser is as exposed to cross-site forgery as a session cookie, so the
    check runs here instead. Raises 403 ``csrf_failed``.
    """

    def no_response(request: HttpRequest) -> None:
        return None

    check = CSRFCheck(no_response)
    check.process_request(request)
    try:
        # Without the header Django looks for the token in the form body.
        reason = check.process_view(request, None, (), {})
    except MultiPartParserError as exc:
        raise exceptions.ParseError(f"Malformed multipart body: {exc}") from exc
    if reason:
        raise exceptions.PermissionDenied(f"CSRF Failed: {reason}", code="csrf_failed")
