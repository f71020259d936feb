"""A bare DRF view (no authentication, no database) and plain simplejwt's Bearer authentication."""

from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

BODY = {"id": 1, "username": "bench-user", "email": "bench-user@example.com"}


class BareView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(BODY)


class SimpleJWTMeView(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        user = request.user
        return Response({"id": user.pk, "username": user.username, "email": user.email})
