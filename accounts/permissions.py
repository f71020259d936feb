"""Permission policies of the auth API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, status

from accounts import keys
from accounts.csrf import enforce_csrf


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
