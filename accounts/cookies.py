"""Setting and clearing the auth cookies: their flags live here and nowhere else."""

from datetime import datetime

from django.http import HttpResponse

from accounts import conf
from accounts.tokens import IssuedTokens


def set_auth_cookies(response: HttpResponse, tokens: IssuedTokens) -> None:
    """Puts both tokens in httpOnly cookies.

    ``Max-Age`` is each token's lifetime; a session started with
    ``remember=false`` gets browser-session cookies instead.
    """
    persistent = tokens.persistent
    response.set_cookie(
        conf.access_cookie_name(),
        tokens.access,
        max_age=seconds_between(tokens.issued_at, tokens.access_expires) if persistent else None,
        path=conf.ACCESS_COOKIE_PATH,
        secure=conf.cookie_secure(),
        httponly=True,
        samesite=conf.COOKIE_SAMESITE,
    )
    response.set_cookie(
        conf.refresh_cookie_name(),
        tokens.refresh,
        max_age=seconds_between(tokens.issued_at, tokens.refresh_expires) if persistent else None,
        path=conf.REFRESH_COOKIE_PATH,
        secure=conf.cookie_secure(),
        httponly=True,
        samesite=conf.COOKIE_SAMESITE,
    )


def clear_auth_cookies(response: HttpResponse) -> None:
    """Expires both cookies with the path they were set with."""
    response.delete_cookie(conf.access_cookie_name(), path=conf.ACCESS_COOKIE_PATH, samesite=conf.COOKIE_SAMESITE)
    response.delete_cookie(conf.refresh_cookie_name(), path=conf.REFRESH_COOKIE_PATH, samesite=conf.COOKIE_SAMESITE)


def seconds_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))
