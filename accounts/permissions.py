"""Permission policies of the auth API."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, status

from accounts import conf, ways_in
from accounts.csrf import enforce_csrf
from accounts.models import User
from accounts.revocation import runtime as revocations
from accounts.tokens import auth_time_of, keys


class CsrfProtected(permissions.BasePermission):
    """Every unsafe request must carry a valid ``X-CSRFToken``, whatever authenticates it."""

    def has_permission(self, request, view) -> bool:
        if request.method not in permissions.SAFE_METHODS:
            enforce_csrf(request._request)
        return True


class VerifyingOnlyServer(exceptions.APIException):
    status_code = status.HTTP_501_NOT_IMPLEMENTED
    default_detail = _(
        "This server only verifies tokens (it has no JWT_PRIVATE_KEY); log in and refresh at the auth server."
    )
    default_code = "verifying_only_server"


class CanIssueTokens(permissions.BasePermission):
    """Only a server holding the signing key logs people in or refreshes their tokens."""

    def has_permission(self, request, view) -> bool:
        if not keys.can_issue_tokens():
            raise VerifyingOnlyServer()
        return True


class UserRowsElsewhere(VerifyingOnlyServer):
    default_detail = _(
        "This server only verifies tokens and keeps no accounts or sessions (it follows REVOCATION_FEED_URL); "
        "do this at the auth server."
    )


class HasUserRows(permissions.BasePermission):
    """The user's rows (sessions, passkeys, email, authored objects) are in this server's database.

    A verifying-only server on a database of its own (it follows the auth
    server's revocation feed) has none: what would read or write them answers
    501 ``verifying_only_server`` instead of failing, or of changing rows
    nobody reads. ``reads_allowed``: only unsafe methods need the rows.
    """

    reads_allowed = False

    def has_permission(self, request, view) -> bool:
        if self.reads_allowed and request.method in permissions.SAFE_METHODS:
            return True
        if revocations.feed_mode():
            raise UserRowsElsewhere()
        return True


class WritesNeedUserRows(HasUserRows):
    reads_allowed = True


class ReauthenticationRequired(exceptions.PermissionDenied):
    """403 ``reauthentication_required``; with ``methods``, only those (``amr`` names' API spellings) will do."""

    default_detail = _("Confirm it is you: re-authenticate, then try again.")
    default_code = "reauthentication_required"

    def __init__(self, detail=None, *, methods: list[str] | None = None) -> None:
        super().__init__(detail)
        self.extra = {"methods": methods} if methods else {}


def recently_authenticated(claims) -> bool:
    """Whether the token's user proved who they are within the last ``REAUTH_WINDOW`` seconds.

    ``claims``: a validated token or its payload (anything with ``get``).
    """
    auth_time = auth_time_of(claims)
    return auth_time is not None and timezone.now() - auth_time <= timedelta(seconds=conf.REAUTH_WINDOW)


# The ways the page's re-authentication dialog offers unasked: the password, a passkey when the user has one.
OFFERED_UNASKED = frozenset({"password", "passkey"})


def reauthentication_methods(user) -> list[str] | None:
    """Every way ``user`` can confirm it is them, when one is beyond ``OFFERED_UNASKED`` (a linked provider), else None.

    None keeps the 403 as it always was (any way will do); a list lets the
    page offer what the account has, and only that (no password field for an
    account without one).
    """
    if not isinstance(user, User):  # a verifying-only server's user has no rows to look at
        return None
    kinds = ways_in.kinds(user)
    return kinds if set(kinds) - OFFERED_UNASKED else None


class RecentlyAuthenticated(permissions.BasePermission):
    """A sensitive action: the user must have signed in or re-authenticated within ``REAUTH_WINDOW``.

    Use after ``IsAuthenticated``: a signed-out request gets its 401 first.
    Otherwise 403 ``reauthentication_required``, before anything changes, with
    ``methods`` for an account that has a way beyond a password and passkeys
    (``reauthentication_methods``).
    """

    def has_permission(self, request, view) -> bool:
        if request.auth is None or not recently_authenticated(request.auth):
            raise ReauthenticationRequired(methods=reauthentication_methods(request.user))
        return True
