"""Signing in with a code by email (``EMAIL_SIGN_IN``): ask for a code, then confirm it from the same browser.

Both endpoints answer 404 while ``EMAIL_SIGN_IN`` is off. The code flow is
emails/sign_in_codes.py; confirming starts a sign-in attempt (method
``code``) that goes through the same stages as a password (second factor,
verified email) and ends in accounts' ``SignInMixin``.
"""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit as accounts_audit
from accounts import cookies, failed_sign_ins
from accounts.client import client_info
from accounts.models import User
from accounts.serializers import LoginOutputSerializer
from accounts.sign_in import SignInAttempt, SignInMethod
from accounts.views.base import SETS_COOKIES, WWW_AUTHENTICATE, AnonymousCookieAuthAPIView, TokenIssuingMixin
from accounts.views.sign_in import SignInMixin
from emails import audit, sign_in_codes
from emails.serializers import AcceptedOutputSerializer, EmailInputSerializer
from emails.throttles import SIGN_IN_CODE_CONFIRM_THROTTLES, SIGN_IN_CODE_REQUEST_THROTTLES
from jwtsite.openapi import CSRF_HEADER, errors

CODE_ACCEPTED = "If an account uses that address, a sign-in code is on its way. Enter it in this browser."
BINDS_BROWSER = (
    "Sets the httpOnly `sign_in_code` cookie (whatever the address): the code works only with it, "
    "so only in this browser."
)


class CodeConfirmInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    remember = serializers.BooleanField(required=False, default=True)


class EmailSignInView(AnonymousCookieAuthAPIView):
    """404 while ``EMAIL_SIGN_IN`` is off, before throttles or the body are looked at."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        if not sign_in_codes.enabled():
            raise NotFound()
        super().initial(request, *args, **kwargs)


class SignInCodeRequestView(EmailSignInView):
    """Takes ``email``; 202 and the binding cookie whatever the address; a code by mail if an account has it."""

    throttle_classes = SIGN_IN_CODE_REQUEST_THROTTLES

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=EmailInputSerializer,
        responses={
            202: OpenApiResponse(AcceptedOutputSerializer, description=BINDS_BROWSER),
            **errors(400, 403, 404, 415, 429),
        },
    )
    def post(self, request: Request) -> Response:
        data = EmailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        secret = sign_in_codes.code_request(email=data.validated_data["email"])
        self.audit(audit.SIGN_IN_CODE_REQUESTED)
        response = Response({"detail": CODE_ACCEPTED}, status=status.HTTP_202_ACCEPTED)
        cookies.set_private_cookie(
            response,
            sign_in_codes.COOKIE_NAME,
            secret,
            max_age=int(sign_in_codes.lifetime().total_seconds()),
            path=sign_in_codes.COOKIE_PATH,
        )
        return response


class SignInCodeConfirmView(SignInMixin, TokenIssuingMixin, EmailSignInView):
    """Takes ``code`` (and ``remember``) with the browser's ``sign_in_code`` cookie; signs in as ``/login/`` does.

    The attempt (method ``code``, ``amr`` ``["email"]``) goes through every
    sign-in stage: 401 ``mfa_required`` for a user with two-factor on, 403
    ``email_unverified`` never (the code proved the mailbox, which is marked
    verified). A wrong code counts toward the failed-sign-in ceiling.
    """

    throttle_classes = SIGN_IN_CODE_CONFIRM_THROTTLES
    throttled_event = accounts_audit.LOGIN_THROTTLED

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=CodeConfirmInputSerializer,
        responses={
            200: OpenApiResponse(LoginOutputSerializer, description=SETS_COOKIES + " Clears `sign_in_code`."),
            **errors(400, 401, 403, 404, 415, 429, 501),
        },
    )
    def post(self, request: Request) -> Response:
        data = CodeConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = sign_in_codes.code_of_browser(secret=request.COOKIES.get(sign_in_codes.COOKIE_NAME))
        if row is None or not row.user.is_active:
            return self.refused(user_id=row.user_id if row else None, reason="no_code" if row is None else "inactive")
        client = client_info(request)
        # Wrong codes count toward the address owner's failed-sign-in ceiling, which holds here too.
        reservation, wait = failed_sign_ins.sign_in_reserve(username=row.user.get_username(), client=client)
        if wait is not None:
            self.throttled(request, wait)
        try:
            with transaction.atomic():
                checked = sign_in_codes.code_check(row=row, code=data.validated_data["code"])
                if checked.user is not None:
                    return self.confirmed(checked.user, remember=data.validated_data["remember"])
            failed_sign_ins.sign_in_failed(username=None, client=client, reservation=reservation)
            return self.refused(user_id=row.user_id, reason="wrong_code", attempts_left=checked.failures_left)
        finally:
            failed_sign_ins.sign_in_settled(reservation)

    def confirmed(self, user: User, *, remember: bool) -> Response:
        """The right code: the mailbox is proven, and the attempt goes through the stages."""
        if not user.email_verified:
            User.objects.filter(pk=user.pk).update(email_verified=True)
            user.email_verified = True
        self.audit(audit.SIGN_IN_CODE_CONFIRMED, user_id=user.pk)
        attempt = SignInAttempt.start(
            user=user,
            method=SignInMethod.CODE,
            client=client_info(self.request),
            remember=remember,
            details={"method": SignInMethod.CODE.value},
        )
        response = self.sign_in(attempt)
        cookies.expire_cookie(response, sign_in_codes.COOKIE_NAME, path=sign_in_codes.COOKIE_PATH)
        return response

    def refused(self, *, user_id: int | None, reason: str, attempts_left: int | None = None) -> Response:
        """401 ``code_invalid``, audited; the binding cookie goes when no code is left behind it."""
        self.audit(audit.SIGN_IN_CODE_REFUSED, user_id=user_id, reason=reason)
        response = Response(
            {"detail": str(sign_in_codes.CODE_INVALID_DETAIL), "code": sign_in_codes.CODE_INVALID},
            status=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": WWW_AUTHENTICATE},
        )
        if not attempts_left:
            cookies.expire_cookie(response, sign_in_codes.COOKIE_NAME, path=sign_in_codes.COOKIE_PATH)
        return response
