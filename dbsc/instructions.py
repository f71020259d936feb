"""The session instructions JSON a registration (and each refresh) answers (W3C DBSC, "JSON session instructions").

They name the one bound credential, the access cookie, with the attributes
accounts/cookies.py sets it with; the browser renews it at ``refresh_url``
whenever a request in scope would go without it. The scope is this origin only
(``include_site`` false: on a bare host such as localhost Chromium refreshed
nothing with true), less the static files, which never need the cookie.
"""

from django.conf import settings
from django.urls import reverse
from rest_framework.request import Request

from accounts import conf as accounts_conf


def access_cookie_attributes() -> str:
    secure = "; Secure" if accounts_conf.cookie_secure() else ""
    return f"Path={accounts_conf.ACCESS_COOKIE_PATH}{secure}; HttpOnly; SameSite={accounts_conf.COOKIE_SAMESITE}"


def session_instructions(request: Request, session_id: str) -> dict:
    host = request.get_host()
    hostname = host if host.endswith("]") else host.rsplit(":", 1)[0]
    return {
        "session_identifier": session_id,
        "refresh_url": reverse("dbsc:refresh"),
        "scope": {
            "origin": f"{request.scheme}://{host}",
            "include_site": False,
            "scope_specification": [{"type": "exclude", "domain": hostname, "path": settings.STATIC_URL}],
        },
        "credentials": [
            {"type": "cookie", "name": accounts_conf.access_cookie_name(), "attributes": access_cookie_attributes()}
        ],
    }
