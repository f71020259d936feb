"""Bench-only views: the ceiling that authenticated requests are compared against."""

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.views.base import AuthAPIView

# The same shape and size as ``GET /api/me/`` for the bench user (see bench/in_process.py).
CEILING_BODY = {
    "id": 1,
    "username": "bench-user",
    "email": "bench-user@example.com",
    "email_verified": False,
    "mfa": {"totp": False, "passkeys": 0},
}


class CeilingView(AuthAPIView):
    """``MeView`` without authentication: the same DRF stack, renderer and headers, no user.

    What an authenticated ``/api/me/`` is measured against: the cost of
    checking the token and loading the user is the difference.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response(CEILING_BODY)
