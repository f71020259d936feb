"""The browser (cookie) auth API under /api/auth/, plus /api/me/ and the JWKS document.

The devices API (``/api/auth/sessions/``) is ``sessions.py``.

Views parse input, call one service or selector and respond; the session
rules live in accounts/services/, the HTTP glue in accounts/views/base.py and,
for signing in, accounts/views/sign_in.py.
"""

from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import audit, conf, services
from accounts.client import client_info
from accounts.cookies import clear_auth_cookies, set_auth_cookies
from accounts.exceptions import KeyProofRequired, SessionError
from accounts.serializers import (
    ExpiriesOutputSerializer,
    JwksOutputSerializer,
    LoginInputSerializer,
    LoginOutputSerializer,
    PasswordChangeInputSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    UserOutputSerializer,
    user_body,
)
from accounts.sign_in import SignInAttempt, SignInMethod
from accounts.throttles import LOGIN_THROTTLES, PASSWORD_CHECK_THROTTLES, RegisterIPThrottle
from accounts.tokens import keys
from accounts.views.base import (
    SETS_COOKIES,
    AnonymousCookieAuthAPIView,
    AuthAPIView,
    CookieAuthAPIView,
    TokenIssuingMixin,
    current_session_id,
    expiries,
    session_failed,
)
from accounts.views.sign_in import SignInMixin
from jwtsite.openapi import CSRF_HEADER, ValidationErrorSerializer, errors


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(AnonymousCookieAuthAPIView):
    """Sets the ``csrftoken`` cookie; 204."""

    needs_user_rows = False

    @extend_schema(tags=["auth"], auth=[], responses={204: OpenApiResponse(description="Sets the `csrftoken` cookie.")})
    def get(self, request: Request) -> Response:
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegisterView(TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Takes ``username``, ``password``, ``email``; creates the user and logs them in. 201 ``{"user"}``.

    The answer never tells whether another account holds ``email``: a taken
    username is a 400 (usernames are public), a taken address is not.
    """

    throttle_classes = [RegisterIPThrottle]

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=RegisterInputSerializer,
        description="Creates an account and signs it in. Registering does not enumerate addresses: the same 201, "
        "in the same time, whether or not another account holds `email`. A free address becomes the "
        "account's, unverified, and is mailed a verification link; a taken one (however spelled: case, "
        "full-width, IDNA) is shown back in `user.email` but never becomes this account's, and its owner "
        "is mailed that someone tried to sign up with it.",
        responses={
            201: OpenApiResponse(
                RegisterOutputSerializer,
                description=f"{SETS_COOKIES} The same answer whether or not `email` is taken.",
            ),
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description="Field errors: `username` taken (however capitalised), changed by NFKC (the message "
                "names the form to type) or mixing look-alike scripts; a weak `password`; a malformed "
                "`email` or one with an invisible (format) character. Never a taken `email`.",
            ),
            **errors(403, 415, 429, 501),
        },
    )
    def post(self, request: Request) -> Response:
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.user_register(**data.validated_data, client=client_info(request))
        self.audit(audit.REGISTERED, user_id=user.pk, session_id=tokens.session_id)
        response = Response({"user": UserOutputSerializer(user).data}, status=status.HTTP_201_CREATED)
        set_auth_cookies(response, tokens, signed_in=True)
        return response


class LoginView(SignInMixin, TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Takes ``username``, ``password``, ``remember``; sets the auth cookies. 200 user and expiries.

    A sign-in stage may ask or refuse instead (accounts/sign_in.py): 401
    ``mfa_required`` (with the ``mfa_ticket`` cookie), 403 ``email_unverified``;
    no auth cookie is set then.
    """

    throttle_classes = LOGIN_THROTTLES
    throttled_event = audit.LOGIN_THROTTLED

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=LoginInputSerializer,
        responses={
            200: OpenApiResponse(LoginOutputSerializer, description=SETS_COOKIES),
            **errors(400, 401, 403, 415, 429, 501),
        },
    )
    def post(self, request: Request) -> Response:
        credentials = self.validated_credentials(LoginInputSerializer)
        attempt = SignInAttempt.start(
            user=credentials["user"],
            method=SignInMethod.PASSWORD,
            client=client_info(request),
            remember=credentials["remember"],
        )
        return self.sign_in(attempt)


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
        tokens = self.refreshed(request.COOKIES.get(conf.refresh_cookie_name()))
        response = Response(ExpiriesOutputSerializer(expiries(tokens)).data)
        set_auth_cookies(response, tokens)
        return response

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # A dead refresh cookie is cleared. With none sent there is nothing to
        # clear, and a Set-Cookie could land after a login racing this call. A
        # device-bound session's is alive: its browser renews it with its key (dbsc/).
        dead = response.status_code == status.HTTP_401_UNAUTHORIZED and not bound_session_refused(exc)
        if dead and conf.refresh_cookie_name() in self.request.COOKIES:
            clear_auth_cookies(response)
        return response


def bound_session_refused(exc: Exception) -> bool:
    return getattr(exc, "get_codes", lambda: None)() == KeyProofRequired.code


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
        # The refresh cookie names the session; without a usable one, a live
        # access cookie does. A broken cookie has nothing to revoke, and the
        # cookies go all the same.
        cookies = (
            (conf.refresh_cookie_name(), self.revoked_by_token),
            (conf.access_cookie_name(), self.revoked_by_access_token),
        )
        for name, revoke in cookies:
            if raw := request.COOKIES.get(name):
                try:
                    revoke(raw)
                    break
                except SessionError:
                    continue
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
        count = services.user_sessions_revoke_all(user=request.user)
        self.audit(
            audit.LOGGED_OUT_EVERYWHERE, user_id=request.user.pk, session_id=current_session_id(request), sessions=count
        )
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_auth_cookies(response)
        return response


class PasswordChangeView(TokenIssuingMixin, CookieAuthAPIView):
    """Takes ``old_password``, ``new_password``; keeps only this session (cookies re-issued). 204."""

    permission_classes = [IsAuthenticated]
    throttle_classes = PASSWORD_CHECK_THROTTLES

    @extend_schema(
        tags=["auth"],
        parameters=[CSRF_HEADER],
        request=PasswordChangeInputSerializer,
        responses={
            204: OpenApiResponse(description="Other sessions revoked; this one's cookies re-issued."),
            **errors(400, 401, 403, 415, 429, 501),
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
                client=client_info(request),
            )
        except SessionError as exc:
            raise session_failed(exc) from exc
        self.audit(audit.PASSWORD_CHANGED, user_id=request.user.pk, session_id=tokens.session_id)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        set_auth_cookies(response, tokens)
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

    needs_user_rows = False  # a verifying-only server answers it from the token's claims
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["auth"], responses={200: UserOutputSerializer, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(user_body(request.user))
