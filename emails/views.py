"""The emailed-link API under /api/auth/: password reset, email verification and change.

Every POST needs ``X-CSRFToken`` (accounts' cookie API base classes); each
endpoint that checks a secret (a link token) or sends mail is throttled.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.client import client_info
from accounts.permissions import RecentlyAuthenticated
from accounts.views.base import AnonymousCookieAuthAPIView, CookieAuthAPIView
from emails import audit, services
from emails.serializers import (
    AcceptedOutputSerializer,
    DetailCodeOutputSerializer,
    EmailInputSerializer,
    LinkTokenInputSerializer,
    PasswordResetConfirmInputSerializer,
)
from emails.throttles import PASSWORD_RESET_THROTTLES, EmailLinkIPThrottle, EmailSendUserThrottle
from jwtsite.openapi import CSRF_HEADER, errors

RESET_ACCEPTED = "If an account uses that address, a link to reset its password is on its way."
VERIFICATION_ACCEPTED = "If your address still needs verifying, a new link is on its way."
CHANGE_ACCEPTED = "A link to verify the new address is on its way; it replaces the old one once verified."


def accepted(detail: str) -> Response:
    return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class PasswordResetRequestView(AnonymousCookieAuthAPIView):
    """Takes ``email``; 202 whatever the address, and a mail with a reset link if an active account has it."""

    throttle_classes = PASSWORD_RESET_THROTTLES

    @extend_schema(
        tags=["account"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=EmailInputSerializer,
        responses={202: AcceptedOutputSerializer, **errors(400, 403, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        data = EmailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"])
        self.audit(audit.PASSWORD_RESET_REQUESTED)
        return accepted(RESET_ACCEPTED)


class PasswordResetCheckView(AnonymousCookieAuthAPIView):
    """Takes ``token``; 204 when the reset link still works, else 400 ``{"token": [...]}``. Changes nothing."""

    throttle_classes = [EmailLinkIPThrottle]

    @extend_schema(
        tags=["account"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=LinkTokenInputSerializer,
        description="Checks a password-reset link without using it (the page asks as it opens, so a dead link "
        "says so before the user types a password). Counts toward the same per-IP limit as the confirmation.",
        responses={
            204: OpenApiResponse(description="The link works: a confirmation with it would be accepted."),
            **errors(400, 403, 415, 429),
        },
    )
    def post(self, request: Request) -> Response:
        data = LinkTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_check(token=data.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetConfirmView(AnonymousCookieAuthAPIView):
    """Takes ``token``, ``new_password``; sets the password and signs the user out everywhere. 204, no cookies."""

    throttle_classes = [EmailLinkIPThrottle]

    @extend_schema(
        tags=["account"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=PasswordResetConfirmInputSerializer,
        responses={
            204: OpenApiResponse(description="Password set; every session revoked."),
            **errors(400, 403, 415, 429),
        },
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.password_reset_confirm(**data.validated_data, client=client_info(request))
        self.audit(audit.PASSWORD_RESET_COMPLETED, user_id=user.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyView(AnonymousCookieAuthAPIView):
    """Takes ``token`` (from a verification link); the address it names is verified (and becomes the user's). 204."""

    throttle_classes = [EmailLinkIPThrottle]

    @extend_schema(
        tags=["account"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=LinkTokenInputSerializer,
        responses={
            204: OpenApiResponse(description="The address is verified."),
            200: OpenApiResponse(
                DetailCodeOutputSerializer,
                description="The link was followed before and its address is still verified (a second click, "
                "a mail scanner): `code` `already_verified`; nothing changed.",
            ),
            **errors(400, 403, 415, 429),
        },
    )
    def post(self, request: Request) -> Response:
        data = LinkTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, outcome = services.email_verify(token=data.validated_data["token"])
        if outcome == "already":
            return Response({"detail": services.ALREADY_VERIFIED, "code": "already_verified"})
        self.audit(audit.EMAIL_CHANGED if outcome == "changed" else audit.EMAIL_VERIFIED, user_id=user.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyResendView(CookieAuthAPIView):
    """Mails a new verification link when the signed-in user's address is unverified. 202."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [EmailSendUserThrottle]

    @extend_schema(
        tags=["account"],
        parameters=[CSRF_HEADER],
        request=None,
        responses={202: AcceptedOutputSerializer, **errors(401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        if services.email_verification_send(user=request.user):
            self.audit(audit.EMAIL_VERIFICATION_SENT, user_id=request.user.pk)
        return accepted(VERIFICATION_ACCEPTED)


class EmailChangeView(CookieAuthAPIView):
    """Takes ``email`` (recent authentication needed); mails it a verification link, the old one a notice. 202."""

    permission_classes = [IsAuthenticated, RecentlyAuthenticated]
    throttle_classes = [EmailSendUserThrottle]

    @extend_schema(
        tags=["account"],
        parameters=[CSRF_HEADER],
        request=EmailInputSerializer,
        responses={202: AcceptedOutputSerializer, **errors(400, 401, 403, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        data = EmailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.email_change_request(
            user=request.user, new_email=data.validated_data["email"], client=client_info(request)
        )
        self.audit(audit.EMAIL_CHANGE_REQUESTED, user_id=request.user.pk)
        return accepted(CHANGE_ACCEPTED)
