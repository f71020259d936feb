"""Middleware that keeps every ``/api/`` error JSON, debug mode included."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import APIException

from jwtsite.exceptions import as_api_exception, error_body

logger = logging.getLogger("django.request")


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") or path == "/healthz"


class JsonApiErrorsMiddleware:
    """Answers an exception that escaped the views under ``/api/`` with JSON.

    Django's request errors (a body too large, a malformed multipart) get
    their 4xx; anything else a 500.

    Without it, debug mode shows Django's HTML debug page to API clients.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path):
            return None
        known = as_api_exception(exception)
        if isinstance(known, APIException):
            response = JsonResponse(error_body(known), status=known.status_code)
            if getattr(known, "wait", None):
                response["Retry-After"] = str(known.wait)
            return response
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return server_error_response()


def server_error_response() -> JsonResponse:
    return JsonResponse({"detail": "A server error occurred.", "code": "server_error"}, status=500)
