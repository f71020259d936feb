"""Throttles of every endpoint that checks a secret, on the shared cache.

Each counts attempts per one thing (a client IP, a signed-in user, the value
of a body field such as a username) at a rate read from settings at call
time, with atomic increments (accounts/rates.py), so two workers racing
count both attempts. Throttles that need no body run first (accounts/views/base.py):
a request they refuse gets its 429 before its body is read.
``/api/auth/login/`` and ``/api/token/`` use the same scopes, so their
attempts count together; the password change and re-authentication share
theirs, since both check the signed-in user's password. The ceiling on failed
sign-ins per username over every IP is accounts/failed_sign_ins.py's,
applied by ``LoginFailureCeilingThrottle``.
"""

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts import conf, rates
from accounts.client import client_info
from accounts.failed_sign_ins import canonical_digest, sign_in_reserve, username_in


class SettingRateThrottle(BaseThrottle):
    """Counts requests per ``ident()`` at the rate in setting ``rate_setting``; no ident, no count.

    ``rate_settings``: the app's ``conf`` that owns the setting (and its default).

    ``reads_body``: its ident comes from the request's body.
    """

    scope = ""
    rate_setting = ""
    rate_settings = conf
    reads_body = False

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        rate = rates.Rate.parse(getattr(self.rate_settings, self.rate_setting))
        self._wait = None if ident is None else rates.hit(f"throttle_{self.scope}_{ident}", rate)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait

    def ident(self, request) -> str | None:
        raise NotImplementedError


class PerIPThrottle(SettingRateThrottle):
    def ident(self, request) -> str | None:
        return self.get_ident(request)


class PerUserThrottle(SettingRateThrottle):
    """Per signed-in user (throttles run after authentication)."""

    def ident(self, request) -> str | None:
        user = getattr(request, "user", None)
        return str(user.pk) if user is not None and user.is_authenticated else None


class PerFieldThrottle(SettingRateThrottle):
    """Per value of the body field ``field``, however it is spelled."""

    field = ""
    reads_body = True

    def ident(self, request) -> str | None:
        value = request.data.get(self.field) if hasattr(request.data, "get") else None
        return canonical_digest(value) if isinstance(value, str) and value else None


class LoginIPThrottle(PerIPThrottle):
    """Login attempts per client IP (``LOGIN_RATE_IP``)."""

    scope = "login_ip"
    rate_setting = "LOGIN_RATE_IP"


class LoginUsernameThrottle(SettingRateThrottle):
    """Login attempts per username (``LOGIN_RATE_USERNAME``), however it is spelled."""

    scope = "login_username"
    rate_setting = "LOGIN_RATE_USERNAME"
    reads_body = True

    def ident(self, request) -> str | None:
        # As the login serializer reads it: a number sent as the username counts too.
        username = username_in(request.data)
        return None if username is None else canonical_digest(username)


class RegisterIPThrottle(PerIPThrottle):
    """Registrations per client IP (``REGISTER_RATE_IP``)."""

    scope = "register_ip"
    rate_setting = "REGISTER_RATE_IP"


class PasswordCheckUserThrottle(PerUserThrottle):
    """Checks of a signed-in user's password (change, re-authentication) per user."""

    scope = "password_check_user"
    rate_setting = "PASSWORD_CHECK_RATE_USER"


class PasswordCheckIPThrottle(PerIPThrottle):
    """Checks of a signed-in user's password per client IP."""

    scope = "password_check_ip"
    rate_setting = "PASSWORD_CHECK_RATE_IP"


class RevocationFeedThrottle(SettingRateThrottle):
    """Reads of the revocation feed per feed key and client IP (``REVOCATION_FEED_RATE``).

    One follower polls every ``REVOCATION_POLL_INTERVAL`` (240 reads a minute
    at 0.25 s), and each process of a verifying-only server runs its own: the
    default leaves room for 25 of them behind one address (docs/limits.md).
    """

    scope = "revocation_feed"
    rate_setting = "REVOCATION_FEED_RATE"

    def ident(self, request) -> str | None:
        key = request.headers.get("Authorization", "")
        return f"{canonical_digest(key)[:16]}:{self.get_ident(request)}"


class LoginFailureCeilingThrottle(BaseThrottle):
    """Refuses sign-in to a username that reached ``LOGIN_FAILURES_USERNAME`` (accounts/failed_sign_ins.py).

    An attempt it lets through is reserved (``sign_in_reserve``) on the
    request, as ``request.sign_in_reservation``, for the view to settle.
    """

    reads_body = True

    def allow_request(self, request: Request, view) -> bool:
        username = username_in(request.data)
        self._wait = None
        if username is not None:
            request.sign_in_reservation, self._wait = sign_in_reserve(username=username, client=client_info(request))
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


LOGIN_THROTTLES = [LoginUsernameThrottle, LoginIPThrottle, LoginFailureCeilingThrottle]
PASSWORD_CHECK_THROTTLES = [PasswordCheckUserThrottle, PasswordCheckIPThrottle]
