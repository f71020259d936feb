"""``POST /api/auth/passkeys/signup/options/`` and ``POST /api/auth/passkeys/signup/``: an account with only a passkey.

Throttled as ``POST /api/auth/register/`` is (per IP, both steps), with its
username and address rules and its answer for a taken address (the same
201, the address kept aside, its owner told): mfa/passkeys/sign_up.py.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit as accounts_audit
from accounts.client import client_info
from accounts.cookies import set_auth_cookies
from accounts.devices import describe_user_agent
from accounts.serializers import RegisterOutputSerializer, UserOutputSerializer
from accounts.throttles import RegisterIPThrottle
from accounts.views.base import SETS_COOKIES, AnonymousCookieAuthAPIView, TokenIssuingMixin
from jwtsite.openapi import CSRF_HEADER, ValidationErrorSerializer, errors
from mfa import api_errors, audit
from mfa.exceptions import MfaError
from mfa.passkeys import challenges, sign_up
from mfa.passkeys.serializers import (
    CredentialOptionsOutputSerializer,
    PasskeySignUpInputSerializer,
    PasskeySignUpOptionsInputSerializer,
)
from mfa.passkeys.views import DEFAULT_NAME, OPTIONS_SET_COOKIE, ceremony_response


class PasskeySignUpOptionsView(AnonymousCookieAuthAPIView):
    """Takes ``username`` and ``email``; creation options for the new account's passkey (nothing is created yet)."""

    throttle_classes = [RegisterIPThrottle]

    @extend_schema(
        tags=["passkeys"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=PasskeySignUpOptionsInputSerializer,
        description="The first step of a passkey-only sign-up. The username and address are checked as "
        "`POST /api/auth/register/` checks them (a taken username is a 400; a taken address is not, and is "
        "never revealed) and kept with the challenge: the second step cannot change them.",
        responses={
            200: OpenApiResponse(CredentialOptionsOutputSerializer, description=OPTIONS_SET_COOKIE),
            400: OpenApiResponse(ValidationErrorSerializer, description="Field errors, as registering's."),
            **errors(403, 415, 429),
        },
    )
    def post(self, request: Request) -> Response:
        data = PasskeySignUpOptionsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return ceremony_response(sign_up.passkey_sign_up_begin(**data.validated_data))


class PasskeySignUpView(TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Takes the attestation (and an optional ``name``); creates the account with that passkey and signs it in."""

    throttle_classes = [RegisterIPThrottle]

    @extend_schema(
        tags=["passkeys"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=PasskeySignUpInputSerializer,
        description="The second step of a passkey-only sign-up: the account (no password; its address mailed a "
        'verification link, as registering does) and its passkey, signed in with `amr=["webauthn"]`. '
        "A lost passkey is recovered by a password reset through the address.",
        responses={
            201: OpenApiResponse(
                RegisterOutputSerializer, description=f"{SETS_COOKIES} The same answer whether or not `email` is taken."
            ),
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description='A passkey response that cannot be used (`{"detail", "code"}`: a stale or replayed '
                "challenge, another origin, no user verification, a passkey registered already), or `username` "
                "taken since the options were given.",
            ),
            **errors(403, 415, 429),
        },
    )
    def post(self, request: Request) -> Response:
        data = PasskeySignUpInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = client_info(request)
        name = data.validated_data.get("name") or describe_user_agent(client.user_agent) or DEFAULT_NAME
        try:
            done = sign_up.passkey_sign_up(
                secret=request.COOKIES.get(challenges.COOKIE_NAME),
                credential=data.validated_data["credential"],
                name=name,
                client=client,
            )
        except MfaError as exc:
            self.audit(audit.PASSKEY_REJECTED, reason=exc.code, signing_up=True)
            raise api_errors.api_error(exc) from exc
        self.audit(accounts_audit.REGISTERED, user_id=done.user.pk, session_id=done.tokens.session_id, method="passkey")
        self.audit(audit.PASSKEY_ADDED, user_id=done.user.pk, passkey_id=done.passkey.pk)
        response = Response({"user": UserOutputSerializer(done.user).data}, status=status.HTTP_201_CREATED)
        set_auth_cookies(response, done.tokens)
        challenges.clear_challenge_cookie(response)
        return response
