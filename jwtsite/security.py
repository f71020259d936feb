"""Response hardening: a Content-Security-Policy on every response, no caching of auth answers, private API answers.

Django's ``SecurityMiddleware`` already sends HSTS, ``X-Content-Type-Options``
and ``Referrer-Policy``, and ``XFrameOptionsMiddleware`` sends
``X-Frame-Options``; this middleware adds what Django 5.2 lacks.
"""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from jwtsite import conf

# Answers that carry who the user is or set auth cookies: a shared cache or the
# browser's back button must never replay them, errors (401, 403, 429) included.
NO_STORE_PREFIXES = ("/api/auth/", "/api/me/", "/api/token/")
# Every other API answer may depend on who asks (the access cookie, a Bearer
# token): a shared cache may keep none, a browser's cache keys it on both.
PRIVATE_PREFIXES = ("/api/",)
CREDENTIAL_HEADERS = ("Cookie", "Authorization")


class SecurityHeadersMiddleware:
    """Adds ``Content-Security-Policy`` to every response and ``Cache-Control: no-store`` to auth answers.

    Every other ``/api/`` answer is ``Cache-Control: private`` (unless it says
    ``public`` itself), and all of them ``Vary: Cookie, Authorization``.

    The policy is ``conf.CONTENT_SECURITY_POLICY``, read per request; DRF
    responses rendered as HTML (the browsable API, Swagger UI) under a prefix of
    ``conf.CONTENT_SECURITY_POLICY_RELAXED`` get that mapping's policy
    instead. A response that already has a policy keeps it. Listed first in
    ``MIDDLEWARE``, so responses made by other middleware (CORS preflights,
    redirects, static files) get the headers too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy_for(request.path, response)
        if request.path.startswith(NO_STORE_PREFIXES):
            never_cache(response)
        if request.path.startswith(PRIVATE_PREFIXES):
            keep_private(response)
        return response


VARY_CREDENTIALS = ", ".join(CREDENTIAL_HEADERS)


def keep_private(response: HttpResponse) -> None:
    """``Cache-Control: private`` (unless public or no-store already) and ``Vary`` on the credentials.

    The usual case (no ``Vary`` yet) sets the header without parsing, as ``never_cache`` does.
    """
    cache_control = response.get("Cache-Control", "")
    if "public" not in cache_control and "no-store" not in cache_control:
        patch_cache_control(response, private=True)
    if response.has_header("Vary"):
        patch_vary_headers(response, CREDENTIAL_HEADERS)
    else:
        response.headers["Vary"] = VARY_CREDENTIALS


NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def never_cache(response: HttpResponse) -> None:
    """Django's ``add_never_cache_headers``, for the usual case (neither header set yet) without parsing them.

    Every ``/api/me/`` answer gets these: the same two headers, an eighth of the cost.
    """
    if response.has_header("Cache-Control") or response.has_header("Expires"):
        add_never_cache_headers(response)
        return
    response.headers["Expires"] = _http_now()
    response.headers["Cache-Control"] = NEVER_CACHE


_now: tuple[int, str] = (0, "")


def _http_now() -> str:
    """``http_date()`` of now, formatted once a second."""
    global _now
    second = int(time.time())
    if _now[0] != second:
        _now = (second, http_date(second))
    return _now[1]


def policy_for(path: str, response: HttpResponse) -> str:
    # Set by DRF's Response only: a page DRF rendered, not any HTML under the prefix.
    if getattr(response, "accepted_media_type", "").startswith("text/html"):
        for prefix, policy in conf.CONTENT_SECURITY_POLICY_RELAXED.items():
            if path.startswith(prefix):
                return policy
    return conf.CONTENT_SECURITY_POLICY
