"""Login throttles, per username and per client IP, on the shared cache.

``/api/auth/login/`` and ``/api/token/`` use the same scopes, so their
attempts count together. Rates are read from settings at call time. The
ceiling on failed sign-ins per username is accounts/limits.py's.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.limits import LoginFailureCeilingThrottle, username_digest, username_in


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
        username = username_in(request.data)
        if username is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username_digest(username)}


LOGIN_THROTTLES = [LoginUsernameThrottle, LoginIPThrottle, LoginFailureCeilingThrottle]
