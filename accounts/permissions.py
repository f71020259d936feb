"""Permission policies of the auth API."""

from rest_framework import permissions

from accounts.csrf import enforce_csrf


class CsrfProtected(permissions.BasePermission):
    """Every unsafe request must carry a valid ``X-CSRFToken``, whatever authenticates it."""

    def has_permission(self, request, view) -> bool:
        if request.method not in permissions.SAFE_METHODS:
            enforce_csrf(request._request)
        return True
