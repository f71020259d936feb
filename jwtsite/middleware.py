"""The site's middleware: JSON errors under ``/api/``, one kind of auth body, sessions and messages for pages only."""

import logging
from collections.abc import Callable

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
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


# The auth endpoints take JSON, and urlencoded forms (the browsable API's); never files.
AUTH_PREFIXES = ("/api/auth/", "/api/token/")
AUTH_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded")


class AuthBodyTypeMiddleware:
    """Answers 415 JSON to a body under ``AUTH_PREFIXES`` that is neither JSON nor a urlencoded form.

    It looks at ``Content-Type`` only, before anything reads the body: a
    multipart upload is never parsed, nor spooled to disk (the CSRF check
    would read it as a form otherwise).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(AUTH_PREFIXES) and has_body(request):
            media_type = request.content_type or ""
            if media_type.lower() not in AUTH_BODY_TYPES:
                return JsonResponse(
                    {"detail": f'Unsupported media type "{media_type}" in request.', "code": "unsupported_media_type"},
                    status=415,
                )
        return self.get_response(request)


def has_body(request: HttpRequest) -> bool:
    length = request.META.get("CONTENT_LENGTH") or "0"
    return request.META.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" or length.strip() not in ("", "0")


class PageSessionMiddleware(SessionMiddleware):
    """Django's ``SessionMiddleware`` for pages and the admin; the JSON API has no server session.

    API requests authenticate with JWTs (accounts/authentication.py) and
    nothing under ``/api/`` reads ``request.session``: making a session store
    for each of them, and checking it on the way out, was work for nothing.
    """

    def process_request(self, request: HttpRequest) -> None:
        if not is_api_path(request.path):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not hasattr(request, "session"):
            return response
        return super().process_response(request, response)


class PageMessageMiddleware(MessageMiddleware):
    """Django's ``MessageMiddleware`` for pages and the admin (its one-time notices); none under ``/api/``."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_api_path(request.path):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not hasattr(request, "_messages"):
            return response
        return super().process_response(request, response)
