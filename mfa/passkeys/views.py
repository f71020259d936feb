"""The passkey API under /api/auth/passkeys/: registering, listing, renaming, removing, and signing in.

Every POST needs ``X-CSRFToken`` (accounts' cookie API base classes). Adding
and removing a passkey need a recent sign-in; signing in with one needs no
second factor.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit as accounts_audit
from accounts.client import client_info
from accounts.devices import describe_user_agent
from accounts.permissions import RecentlyAuthenticated
from accounts.serializers import LoginOutputSerializer
from accounts.sign_in import SignInAttempt, SignInMethod
from accounts.tokens import PASSKEY
from accounts.views.base import (
    SETS_COOKIES,
    AnonymousCookieAuthAPIView,
    CookieAuthAPIView,
    TokenIssuingMixin,
    current_session_id,
)
from accounts.views.sign_in import SignInMixin
from jwtsite.openapi import CSRF_HEADER, errors
from mfa import api_errors, audit, failures
from mfa.exceptions import ClonedAuthenticator, CredentialRejected, MfaError
from mfa.models import Passkey
from mfa.passkeys import challenges, selectors, services
from mfa.passkeys.serializers import (
    CredentialOptionsOutputSerializer,
    PasskeyCreateInputSerializer,
    PasskeyLoginInputSerializer,
    PasskeyOutputSerializer,
    PasskeyRenameInputSerializer,
)
from mfa.reauthentication import audit_clone
from mfa.throttles import PasskeyLoginIPThrottle, PasskeyLoginOptionsIPThrottle

OPTIONS_SET_COOKIE = "Sets the httpOnly `webauthn_challenge` cookie (2 minutes) that the answer needs."
DEFAULT_NAME = "Passkey"


def ceremony_response(ceremony: services.Ceremony) -> Response:
    response = Response(ceremony.options)
    challenges.set_challenge_cookie(response, ceremony.secret)
    return response


class PasskeyLoginOptionsView(AnonymousCookieAuthAPIView):
    """Request options for signing in with any passkey of this site (discoverable: no username)."""

    throttle_classes = [PasskeyLoginOptionsIPThrottle]

    @extend_schema(
        tags=["passkeys"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=None,
        responses={
            200: OpenApiResponse(CredentialOptionsOutputSerializer, description=OPTIONS_SET_COOKIE),
            **errors(403, 429),
        },
    )
    def post(self, request: Request) -> Response:
        return ceremony_response(services.passkey_authentication_begin(purpose=challenges.Purpose.LOGIN))


class PasskeyLoginView(SignInMixin, TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Takes the assertion (and ``remember``); signs in as the passkey's owner with ``amr=["webauthn"]``.

    No second factor is asked: the passkey is already two. The other sign-in
    stages (a verified email) apply.
    """

    throttle_classes = [PasskeyLoginIPThrottle]
    throttled_event = accounts_audit.LOGIN_THROTTLED

    @extend_schema(
        tags=["passkeys"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=PasskeyLoginInputSerializer,
        responses={
            200: OpenApiResponse(LoginOutputSerializer, description=SETS_COOKIES),
            **errors(400, 401, 403, 415, 429, 501),
        },
    )
    def post(self, request: Request) -> Response:
        data = PasskeyLoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        remember = data.validated_data.pop("remember")
        try:
            passkey = services.passkey_authenticate(
                secret=request.COOKIES.get(challenges.COOKIE_NAME),
                purpose=challenges.Purpose.LOGIN,
                credential=data.validated_data,
            )
        except MfaError as exc:
            self.refused(exc)
            raise api_errors.api_error(exc) from exc
        attempt = SignInAttempt.start(
            user=passkey.user,
            method=SignInMethod.PASSKEY,
            client=client_info(request),
            remember=remember,
            details={"method": PASSKEY, "passkey_id": passkey.pk},
        )
        response = self.sign_in(attempt)
        if response.status_code == status.HTTP_200_OK:
            challenges.clear_challenge_cookie(response)
        return response

    def refused(self, exc: MfaError) -> None:
        if isinstance(exc, ClonedAuthenticator):
            audit_clone(self.request, exc)
        if isinstance(exc, CredentialRejected):
            self.audit(accounts_audit.LOGIN_FAILED, method=PASSKEY, reason=exc.code)
            if exc.passkey is not None:
                failures.passkey_sign_in_failed(user=exc.passkey.user, client=client_info(self.request))
        else:
            self.audit(audit.PASSKEY_REJECTED, reason=exc.code)


class PasskeyListView(CookieAuthAPIView):
    """The user's passkeys (GET); registers a new one from its attestation (POST, recent sign-in needed)."""

    permission_classes = [IsAuthenticated]

    def get_permissions(self):
        permissions = super().get_permissions()
        return [*permissions, RecentlyAuthenticated()] if self.request.method == "POST" else permissions

    @extend_schema(tags=["passkeys"], responses={200: PasskeyOutputSerializer(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(PasskeyOutputSerializer(selectors.passkey_list(user=request.user), many=True).data)

    @extend_schema(
        tags=["passkeys"],
        parameters=[CSRF_HEADER],
        request=PasskeyCreateInputSerializer,
        responses={201: PasskeyOutputSerializer, **errors(400, 401, 403, 415)},
    )
    def post(self, request: Request) -> Response:
        data = PasskeyCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = client_info(request)
        name = data.validated_data.get("name") or describe_user_agent(client.user_agent) or DEFAULT_NAME
        try:
            passkey = services.passkey_register(
                user=request.user,
                session_id=current_session_id(request),
                secret=request.COOKIES.get(challenges.COOKIE_NAME),
                credential=data.validated_data["credential"],
                name=name,
                client=client,
            )
        except MfaError as exc:
            self.audit(audit.PASSKEY_REJECTED, user_id=request.user.pk, reason=exc.code, registering=True)
            raise api_errors.api_error(exc) from exc
        self.audit(
            audit.PASSKEY_ADDED, user_id=request.user.pk, session_id=current_session_id(request), passkey_id=passkey.pk
        )
        response = Response(PasskeyOutputSerializer(passkey).data, status=status.HTTP_201_CREATED)
        challenges.clear_challenge_cookie(response)
        return response


class PasskeyRegisterOptionsView(CookieAuthAPIView):
    """Creation options for a new passkey of the signed-in user (recent sign-in needed)."""

    permission_classes = [IsAuthenticated, RecentlyAuthenticated]

    @extend_schema(
        tags=["passkeys"],
        parameters=[CSRF_HEADER],
        request=None,
        responses={
            200: OpenApiResponse(CredentialOptionsOutputSerializer, description=OPTIONS_SET_COOKIE),
            **errors(401, 403),
        },
    )
    def post(self, request: Request) -> Response:
        ceremony = services.passkey_registration_begin(user=request.user, session_id=current_session_id(request))
        return ceremony_response(ceremony)


class PasskeyReauthenticateOptionsView(CookieAuthAPIView):
    """Request options for re-authenticating with one of the user's passkeys.

    The answer goes to ``POST /api/auth/reauthenticate/`` as ``assertion``.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["passkeys"],
        parameters=[CSRF_HEADER],
        request=None,
        responses={
            200: OpenApiResponse(CredentialOptionsOutputSerializer, description=OPTIONS_SET_COOKIE),
            **errors(401, 403),
        },
    )
    def post(self, request: Request) -> Response:
        ceremony = services.passkey_authentication_begin(
            purpose=challenges.Purpose.REAUTHENTICATE, user=request.user, session_id=current_session_id(request)
        )
        return ceremony_response(ceremony)


class PasskeyDetailView(CookieAuthAPIView):
    """Renames (PATCH ``name``) or removes (DELETE, recent sign-in needed) one of the user's passkeys."""

    permission_classes = [IsAuthenticated]

    def get_permissions(self):
        permissions = super().get_permissions()
        return [*permissions, RecentlyAuthenticated()] if self.request.method == "DELETE" else permissions

    def get_passkey(self, passkey_id: int) -> Passkey:
        passkey = selectors.passkey_get(user=self.request.user, passkey_id=passkey_id)
        if passkey is None:
            raise exceptions.NotFound()
        return passkey

    @extend_schema(
        tags=["passkeys"],
        parameters=[CSRF_HEADER],
        request=PasskeyRenameInputSerializer,
        responses={200: PasskeyOutputSerializer, **errors(400, 401, 403, 404, 415)},
    )
    def patch(self, request: Request, passkey_id: int) -> Response:
        data = PasskeyRenameInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        passkey = services.passkey_rename(passkey=self.get_passkey(passkey_id), name=data.validated_data["name"])
        self.audit(audit.PASSKEY_RENAMED, user_id=request.user.pk, passkey_id=passkey.pk)
        return Response(PasskeyOutputSerializer(passkey).data)

    @extend_schema(
        tags=["passkeys"],
        parameters=[CSRF_HEADER],
        responses={204: OpenApiResponse(description="The passkey removed."), **errors(401, 403, 404, 409)},
    )
    def delete(self, request: Request, passkey_id: int) -> Response:
        passkey = self.get_passkey(passkey_id)
        try:
            services.passkey_delete(passkey=passkey, client=client_info(request))
        except MfaError as exc:
            raise api_errors.api_error(exc) from exc
        self.audit(audit.PASSKEY_REMOVED, user_id=request.user.pk, passkey_id=passkey.pk, by="user")
        return Response(status=status.HTTP_204_NO_CONTENT)
