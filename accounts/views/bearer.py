"""The header (Bearer) API under /api/token/ for scripts, apps and other servers: no cookies, no CSRF."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit
from accounts.authentication import INVALID_DPOP_PROOF, dpop_challenge, set_challenge
from accounts.binding import bearer_key_proof
from accounts.client import client_info
from accounts.exceptions import KeyProofRequired, SessionError
from accounts.serializers import RefreshInputSerializer, TokenObtainInputSerializer, TokenPairOutputSerializer
from accounts.sign_in import OTP_ANSWER, SignInAttempt, SignInMethod
from accounts.throttles import LOGIN_THROTTLES
from accounts.views.base import AuthAPIView, TokenIssuingMixin, session_failed
from accounts.views.sign_in import SignInMixin, token_pair
from jwtsite.openapi import errors

DPOP_PROOF_NEEDED = _("This session is bound to a DPoP key: its refresh needs a DPoP proof of that key.")
KEY_PROOF_HEADER = OpenApiParameter(
    "DPoP",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A DPoP proof JWT (RFC 9449; `htm` POST, `htu` this endpoint): the tokens are bound to its key "
    "and the answer says `token_type: DPoP`. A bad proof: 401 `invalid_dpop_proof` (or `use_dpop_nonce` with a "
    "`DPoP-Nonce` header) and `WWW-Authenticate: DPoP error=...`. docs/dpop.md.",
)


class BearerAPIView(AuthAPIView):
    """Base of /api/token/: credentials travel in the body, so nothing authenticates the request."""

    authentication_classes = []
    permission_classes = [AllowAny]


class TokenObtainView(SignInMixin, TokenIssuingMixin, BearerAPIView):
    """Takes ``username``, ``password``; returns ``{"access", "refresh"}`` for Bearer clients.

    The sign-in stages apply as on the cookie login; nothing is held for
    later, so a second factor travels in the body (``otp``). With a DPoP
    proof the session is bound to its key from birth (``token_type: DPoP``).
    """

    throttle_classes = LOGIN_THROTTLES
    throttled_event = audit.LOGIN_THROTTLED

    @extend_schema(
        tags=["token"],
        auth=[],
        request=TokenObtainInputSerializer,
        parameters=[KEY_PROOF_HEADER],
        responses={200: TokenPairOutputSerializer, **errors(400, 401, 403, 415, 429, 501)},
    )
    def post(self, request: Request) -> Response:
        # Before the password: a bad proof costs no password hash.
        proof = bearer_key_proof(request)
        credentials = self.validated_credentials(TokenObtainInputSerializer)
        attempt = SignInAttempt.start(
            user=credentials["user"],
            method=SignInMethod.PASSWORD,
            client=client_info(request),
            bearer=True,
            answers={OTP_ANSWER: credentials.get("otp", "")},
            bound_to=proof,
        )
        return self.sign_in(attempt)


class TokenRefreshView(TokenIssuingMixin, BearerAPIView):
    """Takes ``refresh``; returns ``{"access", "refresh"}`` with the same rotation rules as cookies.

    A session bound to a DPoP key rotates only with a proof of that key
    (without one: 401 ``invalid_dpop_proof``); an unbound one ignores a proof.
    """

    @extend_schema(
        tags=["token"],
        auth=[],
        request=RefreshInputSerializer,
        parameters=[KEY_PROOF_HEADER],
        responses={200: TokenPairOutputSerializer, **errors(400, 401, 415, 501)},
    )
    def post(self, request: Request) -> Response:
        proof = bearer_key_proof(request)
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            tokens = self.refreshed(data.validated_data["refresh"], proof)
        except AuthenticationFailed as exc:
            if exc.get_codes() == KeyProofRequired.code:
                # RFC 9449's words for it, as a DPoP client expects them.
                set_challenge(request, dpop_challenge(INVALID_DPOP_PROOF, DPOP_PROOF_NEEDED))
                raise AuthenticationFailed(DPOP_PROOF_NEEDED, code=INVALID_DPOP_PROOF) from exc
            raise
        return Response(token_pair(tokens))


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
