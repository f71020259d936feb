"""Throttles of passkey sign-in and of every endpoint that checks a second-factor code (rates in settings)."""

from rest_framework.request import Request

from accounts import rates
from accounts.client import ClientInfo
from accounts.throttles import PerIPThrottle, PerUserThrottle
from mfa import conf


class CodeUserThrottle(PerUserThrottle):
    """Second-factor codes checked per user (``MFA_CODE_RATE_USER``).

    Signed in, the user is the request's; at sign-in, where nobody is signed in
    yet, it is the one the password (or ticket) named: ``CodeUserThrottle(user_id)``.
    """

    scope = "mfa_code_user"
    rate_setting = "MFA_CODE_RATE_USER"
    rate_settings = conf

    def __init__(self, user_id: int | None = None) -> None:
        self.user_id = user_id
        super().__init__()

    def ident(self, request: Request) -> str | None:
        return str(self.user_id) if self.user_id is not None else super().ident(request)


class CodeIPThrottle(PerIPThrottle):
    """Second-factor codes checked per client IP (``MFA_CODE_RATE_IP``)."""

    scope = "mfa_code_ip"
    rate_setting = "MFA_CODE_RATE_IP"
    rate_settings = conf


class PasskeyLoginOptionsIPThrottle(PerIPThrottle):
    """Passkey sign-in options asked for, per client IP (``PASSKEY_LOGIN_RATE_IP``)."""

    scope = "passkey_login_options_ip"
    rate_setting = "PASSKEY_LOGIN_RATE_IP"
    rate_settings = conf


class PasskeyLoginIPThrottle(PerIPThrottle):
    """Passkey sign-in assertions checked, per client IP (``PASSKEY_LOGIN_RATE_IP``)."""

    scope = "passkey_login_ip"
    rate_setting = "PASSKEY_LOGIN_RATE_IP"
    rate_settings = conf


CODE_THROTTLES = [CodeUserThrottle, CodeIPThrottle]


def code_attempt_wait(request: Request, *, user_id: int, per_ip: bool = True) -> float | None:
    """Counts one code attempt for ``user_id`` (and the client's IP, unless the view counts that itself).

    The seconds to wait when one of them is over its rate, else ``None``.
    """
    checks = (CodeUserThrottle(user_id), CodeIPThrottle()) if per_ip else (CodeUserThrottle(user_id),)
    waits = [throttle.wait() or 0.0 for throttle in checks if not throttle.allow_request(request, None)]
    return max(waits) if waits else None


def code_attempt_wait_for(*, client: ClientInfo, user_id: int) -> float | None:
    """``code_attempt_wait`` without a request: a sign-in stage knows the client, and counts the same keys."""
    counted = [(CodeUserThrottle, str(user_id))]
    if client.ip_address is not None:
        counted.append((CodeIPThrottle, client.ip_address))
    waits = [
        rates.hit(
            f"throttle_{throttle.scope}_{ident}",
            rates.Rate.parse(getattr(throttle.rate_settings, throttle.rate_setting)),
        )
        for throttle, ident in counted
    ]
    waits = [wait or 0.0 for wait in waits if wait is not None]
    return max(waits) if waits else None
