"""The header (Bearer) API under /api/token/ for scripts, apps and other servers: no cookies, no CSRF."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit
from accounts.client import client_info
from accounts.exceptions import SessionError
from accounts.serializers import RefreshInputSerializer, TokenObtainInputSerializer, TokenPairOutputSerializer
from accounts.sign_in import OTP_ANSWER, SignInAttempt, SignInMethod
from accounts.throttles import LOGIN_THROTTLES
from accounts.views.base import AuthAPIView, TokenIssuingMixin, session_failed
from accounts.views.sign_in import SignInMixin
from jwtsite.openapi import errors


class BearerAPIView(AuthAPIView):
    """Base of /api/token/: credentials travel in the body, so nothing authenticates the request."""

    authentication_classes = []
    permission_classes = [AllowAny]


class TokenObtainView(SignInMixin, TokenIssuingMixin, BearerAPIView):
    """Takes ``username``, ``password``; returns ``{"access", "refresh"}`` for Bearer clients.

    The sign-in stages apply as on the cookie login; nothing is held for
    later, so a second factor travels in the body (``otp``).
    """

    throttle_classes = LOGIN_THROTTLES
    throttled_event = audit.LOGIN_THROTTLED

    @extend_schema(
        tags=["token"],
        auth=[],
        request=TokenObtainInputSerializer,
        responses={200: TokenPairOutputSerializer, **errors(400, 401, 403, 415, 429, 501)},
    )
    def post(self, request: Request) -> Response:
        credentials = self.validated_credentials(TokenObtainInputSerializer)
        attempt = SignInAttempt.start(
            user=credentials["user"],
            method=SignInMethod.PASSWORD,
            client=client_info(request),
            bearer=True,
            answers={OTP_ANSWER: credentials.get("otp", "")},
        )
        return self.sign_in(attempt)


class TokenRefreshView(TokenIssuingMixin, BearerAPIView):
    """Takes ``refresh``; returns ``{"access", "refresh"}`` with the same rotation rules as cookies."""

    @extend_schema(
        tags=["token"],
        auth=[],
        request=RefreshInputSerializer,
        responses={200: TokenPairOutputSerializer, **errors(400, 401, 415, 501)},
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = self.refreshed(data.validated_data["refresh"])
        return Response(TokenPairOutputSerializer(tokens).data)


class TokenBlacklistView(BearerAPIView):
    """Takes ``refresh``; revokes its session. 204."""

    @extend_schema(
        tags=["token"],
        auth=[],
        request=RefreshInputSerializer,
        responses={204: OpenApiResponse(description="That session revoked."), **errors(400, 401, 415)},
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            self.revoked_by_token(data.validated_data["refresh"])
        except SessionError as exc:
            raise session_failed(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
