"""The callback is a browser navigation: every outcome is a redirect to a page, never JSON and never a 500.

Success goes to ``next`` (a same-site path) with the session's cookies; a
second factor to ask goes to /login/ with the held attempt's cookie, whose
page shows the code form (``?second_factor=1&methods=totp,recovery_code[,passkey]``); a re-authentication
goes back to ``next`` (default /account/) with ``?reauthenticated=1``, which the page announces; a refusal
goes to /login/ (or /account/ when linking or re-authenticating) with ``?provider_error=<code>``, which the page
turns into a readable message (static/js/pages/login-providers.js); the code
never carries free text, so nobody can make the page say what they like.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

LOGIN_PAGE = "/login/"
ACCOUNT_PAGE = "/account/"
HOME = "/"
CONFIRMED = "reauthenticated"  # the query parameter of a re-authentication's way back


def safe_next(value: str | None, *, host: str) -> str:
    """``value`` when it is a path on this site, else ``""``."""
    if (
        isinstance(value, str)
        and value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and len(value) <= 1000
        and url_has_allowed_host_and_scheme(value, allowed_hosts={host}, require_https=False)
    ):
        return value
    return ""


def to(path: str, **params: str) -> HttpResponseRedirect:
    query = urlencode({key: value for key, value in params.items() if value})
    return HttpResponseRedirect(f"{path}?{query}" if query else path)


def confirmed(next_path: str) -> HttpResponseRedirect:
    """Back to ``next_path`` (a ``safe_next`` value; default /account/), ``reauthenticated=1`` added to its query."""
    parts = urlsplit(next_path or ACCOUNT_PAGE)
    kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != CONFIRMED]
    query = urlencode([*kept, (CONFIRMED, "1")])
    return HttpResponseRedirect(urlunsplit(("", "", parts.path, query, parts.fragment)))


def refused(code: str, *, next_path: str = "", signed_in: bool = False) -> HttpResponseRedirect:
    """To /login/ with why (and ``next``); to /account/ for a trip a signed-in user began (linking, confirming)."""
    if signed_in:
        return to(ACCOUNT_PAGE, provider_error=code)
    return to(LOGIN_PAGE, provider_error=code, next=next_path)
