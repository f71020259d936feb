"""The auth API: browser (cookie) endpoints under /api/auth/, Bearer endpoints under /api/token/.

Views parse input, call one service or selector and respond; the session
rules live in accounts/services.py.
"""

import contextlib

from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import conf, keys, selectors, services
from accounts.client import client_info
from accounts.cookies import clear_auth_cookies, set_auth_cookies
from accounts.exceptions import InvalidRefreshToken, SessionError
from accounts.permissions import CanIssueTokens, CsrfProtected
from accounts.serializers import (
    CredentialsInputSerializer,
    ExpiriesOutputSerializer,
    JwksOutputSerializer,
    LoginInputSerializer,
    LoginOutputSerializer,
    PasswordChangeInputSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    SessionOutputSerializer,
    TokenPairOutputSerializer,
    UserOutputSerializer,
)
from accounts.throttles import LOGIN_THROTTLES
from accounts.tokens import SESSION_CLAIM, IssuedTokens
from jwtsite.openapi import CSRF_HEADER, errors

WWW_AUTHENTICATE = 'Bearer realm="api"'
SETS_COOKIES = "Sets the httpOnly `access_token` and `refresh_token` cookies."


def session_failed(exc: SessionError) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(exc.message, code=exc.code)


def current_session_id(request: Request) -> str | None:
    return request.auth.get(SESSION_CLAIM) if request.auth is not None else None


@method_decorator(never_cache, name="dispatch")
class AuthAPIView(APIView):
    """Base of every auth endpoint: never cached; a 401 always says how to authenticate."""

    def get_authenticate_header(self, request: Request) -> str:
        return WWW_AUTHENTICATE


class CookieAuthAPIView(AuthAPIView):
    """Base of /api/auth/: every unsafe request needs ``X-CSRFToken``."""

    def get_permissions(self):
        return [CsrfProtected(), *super().get_permissions()]


class AnonymousCookieAuthAPIView(CookieAuthAPIView):
    """An /api/auth/ endpoint that ignores the access cookie (a stale one must not get in the way)."""

    authentication_classes = []
    permission_classes = [AllowAny]


class TokenIssuingMixin:
    """Refuses (501) on a verifying-only server, which has no key to sign with."""

    def get_permissions(self):
        return [*super().get_permissions(), CanIssueTokens()]


def expiries(tokens: IssuedTokens) -> dict:
    return {"access_expires": tokens.access_expires, "refresh_expires": tokens.refresh_expires}


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(AnonymousCookieAuthAPIView):
    """Sets the ``csrftoken`` cookie; 204."""

    @extend_schema(tags=["auth"], auth=[], responses={204: OpenApiResponse(description="Sets the `csrftoken` cookie.")})
    def get(self, request: Request) -> Response:
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegisterView(TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Takes ``username``, ``password``, ``email``; creates the user and logs them in. 201 ``{"user"}``."""

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=RegisterInputSerializer,
        responses={
            201: OpenApiResponse(
                RegisterOutputSerializer, description="Sets the httpOnly `access_token` and `refresh_token` cookies."
            ),
            **errors(400, 403, 415, 501),
        },
    )
    def post(self, request: Request) -> Response:
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.user_register(**data.validated_data, client=client_info(request))
        response = Response({"user": UserOutputSerializer(user).data}, status=status.HTTP_201_CREATED)
        set_auth_cookies(response, tokens)
        return response


class LoginView(TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Takes ``username``, ``password``, ``remember``; sets the auth cookies. 200 user and expiries."""

    throttle_classes = LOGIN_THROTTLES

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=LoginInputSerializer,
        responses={
            200: OpenApiResponse(
                LoginOutputSerializer, description="Sets the httpOnly `access_token` and `refresh_token` cookies."
            ),
            **errors(400, 401, 403, 415, 429, 501),
        },
    )
    def post(self, request: Request) -> Response:
        data = LoginInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        user = data.validated_data["user"]
        tokens = services.session_create(
            user=user, client=client_info(request), remember=data.validated_data["remember"]
        )
        body = LoginOutputSerializer({"user": user, **expiries(tokens)}).data
        response = Response(body)
        set_auth_cookies(response, tokens)
        return response


class RefreshView(TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Rotates the refresh cookie and issues a new access cookie. 200 expiries."""

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=None,
        responses={
            200: OpenApiResponse(ExpiriesOutputSerializer, description="Rotates both cookies."),
            **errors(401, 403, 501),
        },
    )
    def post(self, request: Request) -> Response:
        raw_refresh = request.COOKIES.get(conf.refresh_cookie_name())
        try:
            if not raw_refresh:
                raise InvalidRefreshToken("No refresh token.")
            tokens = services.session_refresh(raw_refresh=raw_refresh)
        except SessionError as exc:
            raise session_failed(exc) from exc
        response = Response(ExpiriesOutputSerializer(expiries(tokens)).data)
        set_auth_cookies(response, tokens)
        return response

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            clear_auth_cookies(response)
        return response


class LogoutView(AnonymousCookieAuthAPIView):
    """Revokes this session and clears the cookies; 204 even with no or a broken cookie."""

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=None,
        responses={204: OpenApiResponse(description="This session revoked, cookies cleared."), **errors(403)},
    )
    def post(self, request: Request) -> Response:
        raw_refresh = request.COOKIES.get(conf.refresh_cookie_name())
        if raw_refresh:
            # A broken cookie has nothing to revoke; the cookies go all the same.
            with contextlib.suppress(SessionError):
                services.session_revoke_by_token(raw_refresh=raw_refresh)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_auth_cookies(response)
        return response


class LogoutAllView(CookieAuthAPIView):
    """Revokes every session of the user and every token already issued to them. 204."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        parameters=[CSRF_HEADER],
        request=None,
        responses={204: OpenApiResponse(description="Every session revoked, cookies cleared."), **errors(401, 403)},
    )
    def post(self, request: Request) -> Response:
        services.user_sessions_revoke_all(user=request.user)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_auth_cookies(response)
        return response


class PasswordChangeView(TokenIssuingMixin, CookieAuthAPIView):
    """Takes ``old_password``, ``new_password``; keeps only this session (cookies re-issued). 204."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        parameters=[CSRF_HEADER],
        request=PasswordChangeInputSerializer,
        responses={
            204: OpenApiResponse(description="Other sessions revoked; this one's cookies re-issued."),
            **errors(400, 401, 403, 415, 501),
        },
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            tokens = services.user_password_change(
                user=request.user,
                session_id=current_session_id(request),
                new_password=data.validated_data["new_password"],
            )
        except SessionError as exc:
            raise session_failed(exc) from exc
        response = Response(status=status.HTTP_204_NO_CONTENT)
        set_auth_cookies(response, tokens)
        return response


class SessionListView(CookieAuthAPIView):
    """The user's live sessions, newest first, the caller's own marked ``current``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["auth"], responses={200: SessionOutputSerializer(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        sessions = selectors.session_list_live(user=request.user)
        context = {"current_session_id": current_session_id(request)}
        return Response(SessionOutputSerializer(sessions, many=True, context=context).data)


class SessionDetailView(CookieAuthAPIView):
    """Revokes one of the user's sessions; 404 for anyone else's. 204."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        parameters=[CSRF_HEADER],
        responses={204: OpenApiResponse(description="That session revoked."), **errors(401, 403, 404)},
    )
    def delete(self, request: Request, session_id) -> Response:
        session = selectors.session_get_live(user=request.user, session_id=session_id)
        if session is None:
            raise exceptions.NotFound()
        services.session_revoke_one(session=session)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        if str(session.pk) == current_session_id(request):
            clear_auth_cookies(response)
        return response


class JwksView(APIView):
    """The public keys that verify this site's tokens, as a JWK Set (empty with HS256)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(tags=["keys"], auth=[], responses={200: JwksOutputSerializer})
    def get(self, request: Request) -> Response:
        response = Response(keys.jwks())
        patch_cache_control(response, public=True, max_age=300)
        return response


class MeView(AuthAPIView):
    """The authenticated user, ``U``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["auth"], responses={200: UserOutputSerializer, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)


class TokenObtainView(TokenIssuingMixin, AuthAPIView):
    """Takes ``username``, ``password``; returns ``{"access", "refresh"}`` for Bearer clients."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(
        tags=["token"],
        auth=[],
        request=CredentialsInputSerializer,
        responses={200: TokenPairOutputSerializer, **errors(400, 401, 415, 429, 501)},
    )
    def post(self, request: Request) -> Response:
        data = CredentialsInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        tokens = services.session_create(user=data.validated_data["user"], client=client_info(request))
        return Response(TokenPairOutputSerializer(tokens).data)


class TokenRefreshView(TokenIssuingMixin, AuthAPIView):
    """Takes ``refresh``; returns ``{"access", "refresh"}`` with the same rotation rules as cookies."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["token"],
        auth=[],
        request=RefreshInputSerializer,
        responses={200: TokenPairOutputSerializer, **errors(400, 401, 415, 501)},
    )
    def post(self, request: Request) -> Response:
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            tokens = services.session_refresh(raw_refresh=data.validated_data["refresh"])
        except SessionError as exc:
            raise session_failed(exc) from exc
        return Response(TokenPairOutputSerializer(tokens).data)


class TokenBlacklistView(AuthAPIView):
    """Takes ``refresh``; revokes its session. 204."""

    authentication_classes = []
    permission_classes = [AllowAny]

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
            services.session_revoke_by_token(raw_refresh=data.validated_data["refresh"])
        except SessionError as exc:
            raise session_failed(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
