"""Login throttles, per username and per client IP, on the shared cache.

``/api/auth/login/`` and ``/api/token/`` use the same scopes, so their
attempts count together. Rates are read from settings at call time.
"""

import hashlib
import unicodedata

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class LoginRateThrottle(SimpleRateThrottle):
    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)


class LoginIPThrottle(LoginRateThrottle):
    """Counts login attempts per client IP (``LOGIN_RATE_IP``)."""

    scope = "login_ip"
    rate_setting = "LOGIN_RATE_IP"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(LoginRateThrottle):
    """Counts login attempts per username (``LOGIN_RATE_USERNAME``), however it is spelled."""

    scope = "login_username"
    rate_setting = "LOGIN_RATE_USERNAME"

    def get_cache_key(self, request, view) -> str | None:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        canonical = unicodedata.normalize("NFKC", username).casefold()
        ident = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


LOGIN_THROTTLES = [LoginUsernameThrottle, LoginIPThrottle]
