"""Base classes and shared steps of the auth endpoints (cookie and Bearer alike).

They hold what is HTTP about a session: CSRF, the ``WWW-Authenticate``
header, mapping domain errors to 401s, and the audit trail. The session rules
themselves stay in accounts/services/; how a sign-in ends over HTTP is
accounts/views/sign_in.py.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from accounts import audit, failed_sign_ins, services
from accounts.authentication import challenge_of
from accounts.binding import KeyProof
from accounts.client import client_info
from accounts.exceptions import InvalidRefreshToken, RefreshTokenReused, SessionError
from accounts.permissions import CanIssueTokens, CsrfProtected, HasUserRows
from accounts.tokens import SESSION_CLAIM, Claims, IssuedTokens
from jwtsite.parsers import SafeJSONParser

WWW_AUTHENTICATE = 'Bearer realm="api"'
SETS_COOKIES = "Sets the httpOnly `access_token` and `refresh_token` cookies."
USERNAME_LOG_LENGTH = 150


def session_failed(exc: SessionError) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(exc.message, code=exc.code)


def current_session_id(request: Request) -> str | None:
    return request.auth.get(SESSION_CLAIM) if request.auth is not None else None


def expiries(tokens: IssuedTokens) -> dict:
    return {"access_expires": tokens.access_expires, "refresh_expires": tokens.refresh_expires}


def authenticated_by_bearer(request: Request) -> bool:
    """Whether the request's credential was an ``Authorization: Bearer`` header (else the access cookie)."""
    return request.auth is not None and request.headers.get("Authorization", "").split(None, 1)[:1] == ["Bearer"]


def attempted_username(request: Request) -> str | None:
    username = request.data.get("username") if hasattr(request.data, "get") else None
    return username[:USERNAME_LOG_LENGTH] if isinstance(username, str) else None


class AuthAPIView(APIView):
    """Base of every auth endpoint: audited; a 401 always says how to authenticate.

    Its answers are never cached: jwtsite/security.py marks every response
    under these paths ``no-store``, errors raised before the view included.
    On a verifying-only server with a database of its own, an endpoint that
    needs the user's rows (``needs_user_rows``, all but a few) answers 501.
    """

    throttled_event = audit.THROTTLED
    needs_user_rows = True
    # JSON, and the browsable API's urlencoded form; jwtsite/middleware.py refuses the rest before it is read.
    parser_classes = [SafeJSONParser, FormParser]

    def get_permissions(self):
        permissions = super().get_permissions()
        return [HasUserRows(), *permissions] if self.needs_user_rows else permissions

    def get_authenticate_header(self, request: Request) -> str:
        # A refusal may name its own challenge (a DPoP error: accounts/authentication.py).
        return challenge_of(request, WWW_AUTHENTICATE)

    def audit(self, event: str, **details) -> None:
        audit.audit(event, client=client_info(self.request), **details)

    def finalize_response(self, request: Request, response, *args, **kwargs):
        # A sign-in refused before its credentials were checked (another throttle, a 400) failed nothing.
        failed_sign_ins.sign_in_settled(getattr(request, "sign_in_reservation", None))
        return super().finalize_response(request, response, *args, **kwargs)

    def check_permissions(self, request: Request) -> None:
        # Throttles that need no body run before anything reads it (the CSRF
        # check reads a form body): a request they refuse costs no parsing.
        self._check_throttles(request, reading_body=False)
        super().check_permissions(request)

    def check_throttles(self, request: Request) -> None:
        self._check_throttles(request, reading_body=True)

    def _check_throttles(self, request: Request, *, reading_body: bool) -> None:
        throttles = [each for each in self.get_throttles() if getattr(each, "reads_body", False) == reading_body]
        waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, self)]
        if waits:
            self.throttled(request, max((wait for wait in waits if wait is not None), default=None), body=reading_body)

    def throttled(self, request: Request, wait: float | None, *, body: bool = True) -> None:
        """Audits and raises the 429; the username is logged only when the body was read anyway (``body``)."""
        user_id = request.user.pk if getattr(request, "user", None) and request.user.is_authenticated else None
        self.audit(
            self.throttled_event,
            user_id=user_id,
            path=request.path,
            username=attempted_username(request) if body else None,
            retry_after=wait,
        )
        super().throttled(request, wait)

    def validated_credentials(self, serializer_class: type[Serializer]) -> dict:
        """Checks username and password; a failure is audited and answered with the generic 401."""
        data = serializer_class(data=self.request.data, context={"request": self.request})
        reservation = getattr(self.request, "sign_in_reservation", None)
        try:
            data.is_valid(raise_exception=True)
        except exceptions.AuthenticationFailed:
            self.audit(audit.LOGIN_FAILED, username=attempted_username(self.request))
            username = failed_sign_ins.username_in(self.request.data)
            failed_sign_ins.sign_in_failed(username=username, client=client_info(self.request), reservation=reservation)
            raise
        finally:
            failed_sign_ins.sign_in_settled(reservation)  # any other outcome is no failed sign-in
        return data.validated_data

    def refreshed(self, raw_refresh: str | None, proof: KeyProof | None = None) -> IssuedTokens:
        """Rotates ``raw_refresh`` (with ``proof`` of a bound session's key); failures are audited and answered 401."""
        try:
            if not raw_refresh:
                raise InvalidRefreshToken(_("No refresh token."))
            tokens = services.session_refresh(raw_refresh=raw_refresh, proof=proof)
        except SessionError as exc:
            event = audit.REUSE_DETECTED if isinstance(exc, RefreshTokenReused) else audit.REFRESH_FAILED
            self.audit(event, user_id=exc.user_id, session_id=exc.session_id, reason=exc.code)
            raise session_failed(exc) from exc
        self.audit(audit.REFRESHED, user_id=tokens.user_id, session_id=tokens.session_id)
        return tokens

    def revoked_by_token(self, raw_refresh: str) -> None:
        """Revokes the session of ``raw_refresh`` (logout); raises ``SessionError`` if it is unusable."""
        self._logged_out(services.session_revoke_by_token(raw_refresh=raw_refresh))

    def revoked_by_access_token(self, raw_access: str) -> None:
        """``revoked_by_token`` with an access token."""
        self._logged_out(services.session_revoke_by_access_token(raw_access=raw_access))

    def _logged_out(self, claims: Claims | None) -> None:
        if claims is not None:
            self.audit(audit.LOGGED_OUT, user_id=claims.user_id, session_id=claims.sid)


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
