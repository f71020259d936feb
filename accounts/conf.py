"""Session and cookie settings, read at call time so test overrides just work."""

from datetime import timedelta

from django.apps import apps
from django.conf import settings


def access_lifetime() -> timedelta:
    return timedelta(seconds=settings.ACCESS_TOKEN_LIFETIME)


def refresh_lifetime() -> timedelta:
    return timedelta(seconds=settings.REFRESH_TOKEN_LIFETIME)


def session_max_age() -> timedelta:
    return timedelta(seconds=settings.SESSION_MAX_AGE)


def reuse_grace() -> timedelta:
    return timedelta(seconds=settings.REFRESH_REUSE_GRACE)


def cookie_secure() -> bool:
    return settings.JWT_COOKIE_SECURE


def access_cookie_name() -> str:
    # Browsers only accept a __Host- cookie that is Secure, Path=/ and has no Domain.
    return "__Host-access_token" if cookie_secure() else "access_token"


def refresh_cookie_name() -> str:
    return "__Secure-refresh_token" if cookie_secure() else "refresh_token"


ACCESS_COOKIE_PATH = "/"
REFRESH_COOKIE_PATH = "/api/auth/"
COOKIE_SAMESITE = "Lax"


# The sign-in stages (accounts/sign_in.py) when SIGN_IN_STAGES is not set: those
# of these apps that are installed, in this order. Only strings: accounts imports
# neither app.
DEFAULT_SIGN_IN_STAGES = (
    ("emails", "emails.stages.verified_email"),
    ("mfa", "mfa.stages.second_factor"),
)


def sign_in_stages() -> tuple[str, ...]:
    """The dotted paths of the sign-in stages, in order: ``SIGN_IN_STAGES``, else the installed apps' defaults."""
    configured = getattr(settings, "SIGN_IN_STAGES", None)
    if configured is not None:
        return tuple(configured)
    return tuple(path for app, path in DEFAULT_SIGN_IN_STAGES if apps.is_installed(app))
