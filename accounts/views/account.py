"""The account endpoints under /api/auth/: re-authentication (step-up) and deleting the account."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit, reauthentication, services
from accounts.cookies import clear_auth_cookies, set_auth_cookies
from accounts.exceptions import SessionError
from accounts.permissions import RecentlyAuthenticated
from accounts.serializers import (
    ReauthenticateOutputSerializer,
    ReauthenticateProofSerializer,
    TokenPairOutputSerializer,
    UsernameChangeInputSerializer,
    UserOutputSerializer,
    user_body,
)
from accounts.throttles import PASSWORD_CHECK_THROTTLES
from accounts.views.base import (
    SETS_COOKIES,
    CookieAuthAPIView,
    TokenIssuingMixin,
    authenticated_by_bearer,
    current_session_id,
    expiries,
    session_failed,
)
from jwtsite.openapi import CSRF_HEADER, errors


class ReauthenticateView(TokenIssuingMixin, CookieAuthAPIView):
    """Takes ``password``, a passkey ``assertion`` or a second-factor ``code``; re-issues this session's tokens.

    The session's ``auth_time`` becomes now, its ``amr`` what was proven.

    Cookie clients get new cookies and the expiries; a Bearer client gets its
    new pair in the body, as from ``/api/token/refresh/``.
    """

    permission_classes = [IsAuthenticated]
    throttle_classes = PASSWORD_CHECK_THROTTLES

    @extend_schema(
        tags=["auth"],
        parameters=[CSRF_HEADER],
        request=ReauthenticateProofSerializer,
        responses={
            200: OpenApiResponse(ReauthenticateOutputSerializer, description=SETS_COOKIES + " (cookie clients)"),
            **errors(400, 401, 403, 415, 429, 501),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            methods = reauthentication.prove_identity(request)
        except exceptions.AuthenticationFailed:
            self.audit(audit.REAUTHENTICATION_FAILED, user_id=request.user.pk, session_id=current_session_id(request))
            raise
        try:
            tokens = services.user_reauthenticate(
                user=request.user, session_id=current_session_id(request), methods=methods
            )
        except SessionError as exc:
            raise session_failed(exc) from exc
        method = " ".join(methods)
        self.audit(audit.REAUTHENTICATED, user_id=tokens.user_id, session_id=tokens.session_id, method=method)
        if authenticated_by_bearer(request):
            return Response({**TokenPairOutputSerializer(tokens).data, **expiries(tokens)})
        response = Response(ReauthenticateOutputSerializer(expiries(tokens)).data)
        set_auth_cookies(response, tokens)
        return response


class AccountView(CookieAuthAPIView):
    """The signed-in user's account (recent authentication needed): rename it, or delete it (sessions, posts)."""

    permission_classes = [IsAuthenticated, RecentlyAuthenticated]

    @extend_schema(
        tags=["auth"],
        parameters=[CSRF_HEADER],
        request=UsernameChangeInputSerializer,
        responses={200: UserOutputSerializer, **errors(400, 401, 403)},
        description="Renames the account (a name proposed from a provider's claims, say): the new name signs in "
        "from now on, the old one no longer does; sessions go on.",
    )
    def patch(self, request: Request) -> Response:
        data = UsernameChangeInputSerializer(data=request.data, context={"user": request.user})
        data.is_valid(raise_exception=True)
        old = request.user.username
        user = services.user_username_change(user=request.user, username=data.validated_data["username"])
        self.audit(audit.USERNAME_CHANGED, user_id=user.pk, session_id=current_session_id(request), old=old)
        return Response(user_body(user))

    @extend_schema(
        tags=["auth"],
        parameters=[CSRF_HEADER],
        responses={
            204: OpenApiResponse(description="Account, sessions and posts deleted; cookies cleared."),
            **errors(401, 403),
        },
    )
    def delete(self, request: Request) -> Response:
        user_id = request.user.pk
        services.user_delete(user=request.user)
        # Nothing that identified the person stays in the trail: only the id.
        audit.audit(audit.ACCOUNT_DELETED, user_id=user_id)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_auth_cookies(response)
        return response
