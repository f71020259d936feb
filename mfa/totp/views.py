"""The two-factor API under /api/auth/: turning TOTP on (with recovery codes) and off, and new recovery codes.

Every POST and DELETE needs ``X-CSRFToken``; all but confirming need a recent
sign-in (confirming needs the code of a secret only the recent sign-in saw).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.client import client_info
from accounts.cookies import set_auth_cookies
from accounts.exceptions import SessionError
from accounts.permissions import RecentlyAuthenticated
from accounts.serializers import TokenPairOutputSerializer
from accounts.views.base import (
    CookieAuthAPIView,
    TokenIssuingMixin,
    authenticated_by_bearer,
    current_session_id,
    session_failed,
)
from jwtsite.openapi import CSRF_HEADER, errors
from mfa import api_errors, audit
from mfa.exceptions import CodeInvalid, MfaError
from mfa.permissions import RecentlySecondFactor
from mfa.recovery_codes.services import recovery_codes_regenerate
from mfa.throttles import CODE_THROTTLES
from mfa.totp import services
from mfa.totp.serializers import CodeInputSerializer, RecoveryCodesOutputSerializer, TotpSetupOutputSerializer


class TotpView(CookieAuthAPIView):
    """Starts turning two-factor on (POST: a new secret, its URI and QR code) or turns it off (DELETE).

    Turning it off needs a recent proof of a second factor (a code or a
    passkey) when the account has one: 403 ``reauthentication_required`` with
    the ``methods`` that would do.
    """

    permission_classes = [IsAuthenticated, RecentlyAuthenticated]

    def get_permissions(self):
        permissions = super().get_permissions()
        return [*permissions, RecentlySecondFactor()] if self.request.method == "DELETE" else permissions

    @extend_schema(
        tags=["two-factor"],
        parameters=[CSRF_HEADER],
        request=None,
        responses={
            200: OpenApiResponse(TotpSetupOutputSerializer, description="Not active until confirmed."),
            **errors(401, 403, 409),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            setup = services.totp_setup_start(user=request.user)
        except MfaError as exc:
            raise api_errors.api_error(exc) from exc
        self.audit(audit.TWO_FACTOR_SETUP_STARTED, user_id=request.user.pk, session_id=current_session_id(request))
        return Response(TotpSetupOutputSerializer(setup).data)

    @extend_schema(
        tags=["two-factor"],
        parameters=[CSRF_HEADER],
        responses={
            204: OpenApiResponse(description="Two-factor off; the secret and recovery codes deleted."),
            **errors(401, 403),
        },
    )
    def delete(self, request: Request) -> Response:
        if services.totp_disable(user=request.user, client=client_info(request)):
            self.audit(
                audit.TWO_FACTOR_DISABLED, user_id=request.user.pk, session_id=current_session_id(request), by="user"
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TotpConfirmView(TokenIssuingMixin, CookieAuthAPIView):
    """Takes ``code`` from the new secret: two-factor is on, and the 10 recovery codes are shown this once.

    Every other session of the user ends (signed in without the second
    factor); this one's tokens are re-issued: new cookies, or for a Bearer
    client ``access`` and ``refresh`` beside the codes.
    """

    permission_classes = [IsAuthenticated]
    throttle_classes = CODE_THROTTLES

    @extend_schema(
        tags=["two-factor"],
        parameters=[CSRF_HEADER],
        request=CodeInputSerializer,
        responses={200: RecoveryCodesOutputSerializer, **errors(400, 401, 403, 409, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        data = CodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            codes, tokens = services.two_factor_turn_on(
                user=request.user, code=data.validated_data["code"], session_id=current_session_id(request)
            )
        except CodeInvalid as exc:
            self.audit(audit.SECOND_FACTOR_FAILED, user_id=request.user.pk, confirming=True)
            raise exceptions.ValidationError({"code": [exc.message]}) from exc
        except MfaError as exc:
            raise api_errors.api_error(exc) from exc
        except SessionError as exc:
            raise session_failed(exc) from exc
        self.audit(audit.TWO_FACTOR_ENABLED, user_id=request.user.pk, session_id=current_session_id(request))
        body = RecoveryCodesOutputSerializer({"recovery_codes": codes}).data
        if authenticated_by_bearer(request):
            return Response({**body, **TokenPairOutputSerializer(tokens).data})
        response = Response(body)
        set_auth_cookies(response, tokens)
        return response


class RecoveryCodesView(CookieAuthAPIView):
    """A new set of 10 recovery codes (a recent proof of a second factor needed); the old set stops working.

    Whoever holds recovery codes can sign in without the authenticator app:
    a password alone must not mint them.
    """

    permission_classes = [IsAuthenticated, RecentlyAuthenticated, RecentlySecondFactor]

    @extend_schema(
        tags=["two-factor"],
        parameters=[CSRF_HEADER],
        request=None,
        responses={200: RecoveryCodesOutputSerializer, **errors(401, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        try:
            codes = recovery_codes_regenerate(user=request.user)
        except MfaError as exc:
            raise api_errors.api_error(exc) from exc
        self.audit(audit.RECOVERY_CODES_REGENERATED, user_id=request.user.pk, session_id=current_session_id(request))
        return Response(RecoveryCodesOutputSerializer({"recovery_codes": codes}).data)
