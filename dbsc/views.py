"""DBSC's two endpoints, called by the browser itself (never by page scripts): registration and refresh.

Neither asks for ``X-CSRFToken``: the browser sends none on these requests, the
session cookies are ``SameSite=Lax`` (no cross-site POST carries them), and
nothing happens without a proof signed for a challenge only this session's
browser was given. Status codes follow the draft: on a refresh, a 403 makes the
browser sign the challenge in ``Secure-Session-Challenge`` and try again; any
other 4xx ends its bound session (a revoked session's included).
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import conf as accounts_conf
from accounts.cookies import clear_auth_cookies, seconds_between, set_auth_cookies, set_private_cookie
from accounts.exceptions import InvalidRefreshToken
from accounts.services.revoking import decode_session_token
from accounts.tokens import decode_access
from accounts.views.base import AuthAPIView, TokenIssuingMixin
from dbsc import audit, services
from dbsc.exceptions import ChallengeInvalid, DbscRefused
from dbsc.instructions import session_instructions
from dbsc.serializers import SessionInstructionsSerializer
from jwtsite.openapi import errors

RESPONSE_HEADER = "Secure-Session-Response"
SESSION_ID_HEADER = "Sec-Secure-Session-Id"
CHALLENGE_HEADER = "Secure-Session-Challenge"
PROOF = OpenApiParameter(
    RESPONSE_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    description="A `dbsc+jwt` (ES256 or RS256) signed with the session's device key, the challenge as `jti`; "
    "a registration's carries the public key as its header's `jwk`.",
)
SESSION_ID = OpenApiParameter(
    SESSION_ID_HEADER, type=str, location=OpenApiParameter.HEADER, description="The bound session's id (an sf-string)."
)


def bound_access_cookie(response: Response, raw_access: str, expires_at, *, now=None) -> None:
    """Re-sets the access cookie to expire with its token, even in a browser-session (``remember=false``) login:
    the browser renews a bound cookie only once it is gone."""
    set_private_cookie(
        response,
        accounts_conf.access_cookie_name(),
        raw_access,
        max_age=seconds_between(now or timezone.now(), expires_at),
        path=accounts_conf.ACCESS_COOKIE_PATH,
    )


class DbscAPIView(AuthAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class RegisterView(DbscAPIView):
    """Binds this session (its refresh cookie names it) to the key that signed the registration proof."""

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[PROOF],
        request=None,
        responses={
            200: OpenApiResponse(SessionInstructionsSerializer, description="Bound; the session instructions."),
            **errors(400, 401, 409),
        },
        description="Called by the browser after a sign-in answer's `Secure-Session-Registration`. 400 "
        "`dbsc_proof_malformed` or `challenge_invalid` (unknown, used, expired, another session's), 401 "
        "`session_required` (no live session in the cookies) or `key_proof_invalid`, 409 `session_already_bound`.",
    )
    def post(self, request: Request) -> Response:
        try:
            session = services.session_register(
                raw_refresh=request.COOKIES.get(accounts_conf.refresh_cookie_name()),
                response_header=request.headers.get(RESPONSE_HEADER),
            )
        except DbscRefused as exc:
            self.audit(audit.SESSION_BIND_FAILED, reason=exc.default_code)
            raise
        session_id = str(session.pk)
        self.audit(audit.SESSION_BOUND, user_id=session.user_id, session_id=session_id)
        response = Response(session_instructions(request, session_id))
        raw_access = request.COOKIES.get(accounts_conf.access_cookie_name(), "")
        try:
            access = decode_session_token(raw_access, decode_access)
        except InvalidRefreshToken:
            return response
        if access.sid == session_id:
            bound_access_cookie(response, raw_access, access.expires_at)
        return response


class RefreshView(TokenIssuingMixin, DbscAPIView):
    """Renews a bound session's cookies for a proof of its device key; without one, 403 and a challenge."""

    @extend_schema(
        tags=["auth"],
        auth=[],
        parameters=[PROOF, SESSION_ID],
        request=None,
        responses={
            200: OpenApiResponse(SessionInstructionsSerializer, description="Rotates both cookies."),
            403: OpenApiResponse(
                description="No proof, or one for a stale challenge (`dbsc_challenge_required`): "
                "`Secure-Session-Challenge` carries a new challenge for this session."
            ),
            **errors(400, 401, 501),
        },
        description="Called by the browser when a request in the session's scope would go without the access "
        "cookie. 401 `session_required`, `session_not_bound`, `key_proof_invalid` (another key signed) or the "
        "refresh's own failures (revoked, reused...): the browser ends its bound session.",
    )
    def post(self, request: Request) -> Response:
        raw_refresh = request.COOKIES.get(accounts_conf.refresh_cookie_name())
        claims = services.session_of(raw_refresh, session_header=request.headers.get(SESSION_ID_HEADER))
        if RESPONSE_HEADER not in request.headers:
            return self.challenged(claims.sid)
        try:
            proof = services.refresh_key_proof(claims, response_header=request.headers[RESPONSE_HEADER])
        except ChallengeInvalid:
            return self.challenged(claims.sid)
        tokens = self.refreshed(raw_refresh, proof)
        # A plain dict (SessionInstructionsSerializer documents it): every bound browser sends this request.
        response = Response(session_instructions(request, tokens.session_id))
        set_auth_cookies(response, tokens)
        bound_access_cookie(response, tokens.access, tokens.access_expires, now=tokens.issued_at)
        return response

    def challenged(self, session_id: str) -> Response:
        return Response(
            {"detail": "Sign this challenge with the session's device key.", "code": "dbsc_challenge_required"},
            status=status.HTTP_403_FORBIDDEN,
            headers={CHALLENGE_HEADER: services.refresh_challenge(session_id=session_id)},
        )

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # As /api/auth/refresh/: a dead session's cookies are cleared (the browser ends its bound session too);
        # a refused proof leaves them, the session lives on.
        dead = response.status_code == status.HTTP_401_UNAUTHORIZED and not isinstance(exc, DbscRefused)
        if dead and accounts_conf.refresh_cookie_name() in self.request.COOKIES:
            clear_auth_cookies(response)
        return response
