"""Setting and clearing jwtsite's cookies: their flags live here and nowhere else.

Other apps' short-lived httpOnly cookies (the ``mfa_ticket``, the WebAuthn
challenge) go through ``set_private_cookie`` and ``expire_cookie`` too.
"""

from datetime import datetime

from django.http import HttpResponse

from accounts import conf, signals
from accounts.tokens import IssuedTokens


def set_auth_cookies(response: HttpResponse, tokens: IssuedTokens, *, signed_in: bool = False) -> None:
    """Puts both tokens in httpOnly cookies.

    ``Max-Age`` is each token's lifetime; a session started with
    ``remember=false`` gets browser-session cookies instead. A sign-in's answer
    (``signed_in``) is offered to the apps listening on ``session_cookies_issued``.
    """
    persistent = tokens.persistent
    set_private_cookie(
        response,
        conf.access_cookie_name(),
        tokens.access,
        max_age=seconds_between(tokens.issued_at, tokens.access_expires) if persistent else None,
        path=conf.ACCESS_COOKIE_PATH,
    )
    set_private_cookie(
        response,
        conf.refresh_cookie_name(),
        tokens.refresh,
        max_age=seconds_between(tokens.issued_at, tokens.refresh_expires) if persistent else None,
        path=conf.REFRESH_COOKIE_PATH,
    )
    if signed_in:
        signals.session_cookies_issued.send(sender=set_auth_cookies, response=response, tokens=tokens)


def clear_auth_cookies(response: HttpResponse) -> None:
    """Expires both cookies with the path they were set with."""
    expire_cookie(response, conf.access_cookie_name(), path=conf.ACCESS_COOKIE_PATH)
    expire_cookie(response, conf.refresh_cookie_name(), path=conf.REFRESH_COOKIE_PATH)


def set_private_cookie(response: HttpResponse, name: str, value: str, *, max_age: int | None, path: str) -> None:
    """httpOnly, with the site's ``Secure`` and ``SameSite`` flags; ``max_age=None`` makes a browser-session cookie."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        secure=conf.cookie_secure(),
        httponly=True,
        samesite=conf.COOKIE_SAMESITE,
    )


def expire_cookie(response: HttpResponse, name: str, *, path: str) -> None:
    """Expires a cookie set by ``set_private_cookie`` (same path, same ``SameSite``)."""
    response.delete_cookie(name, path=path, samesite=conf.COOKIE_SAMESITE)


def seconds_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))
