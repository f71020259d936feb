"""Site-wide views: health check and JSON error pages for API paths."""

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from jwtsite import health
from jwtsite.middleware import is_api_path, server_error_response


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok" | "degraded", "checks"}``; 503 when the database does not answer."""
    status, body = health.run_checks()
    return JsonResponse(body, status=status)


@csrf_exempt  # Nothing to protect: it only ever answers 404.
def api_not_found(request: HttpRequest, unmatched: str = "") -> JsonResponse:
    """Catch-all for unknown ``/api/`` paths: JSON, whatever the debug setting."""
    return not_found_response()


def not_found_response() -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return not_found_response()
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 raised outside the views (a ``Host`` not in ``DJANGO_ALLOWED_HOSTS``...): JSON under ``/api/``."""
    if not is_api_path(request.path):
        return defaults.bad_request(request, exception)
    if isinstance(exception, DisallowedHost):
        body = {"detail": "This site does not answer to that Host header.", "code": "invalid_host"}
        return JsonResponse(body, status=400)
    return JsonResponse({"detail": "Malformed request.", "code": "parse_error"}, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return server_error_response()
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: JSON for API paths, the site's page otherwise."""
    if is_api_path(request.path):
        return JsonResponse({"detail": f"CSRF Failed: {reason}", "code": "csrf_failed"}, status=403)
    return csrf.csrf_failure(request, reason=reason, template_name="403_csrf.html")
