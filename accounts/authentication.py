"""The site's one authentication class: Bearer header first, then the access cookie."""

from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts import conf, sql
from accounts.csrf import enforce_csrf
from accounts.models import User
from accounts.tokens import VERSION_CLAIM

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class JWTCookieAuthentication(JWTAuthentication):
    """Authenticates with ``Authorization: Bearer <access>`` or the access cookie.

    A Bearer header, when present, is the only credential looked at: a bad
    one fails, never falling back to the cookie. Cookie-authenticated unsafe
    requests must pass the CSRF check. Returns ``(user, validated_token)``;
    one query per request (the user row).
    """

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        header = self.get_header(request)
        if header is not None and header.split(None, 1)[:1] == [b"Bearer"]:
            raw_token = self.get_raw_token(header)
            validated = self.get_validated_token(raw_token)
            return self.get_user(validated), validated

        raw_token = request.COOKIES.get(conf.access_cookie_name())
        if not raw_token:
            return None
        validated = self.get_validated_token(raw_token)
        user = self.get_user(validated)
        if request.method in UNSAFE_METHODS:
            enforce_csrf(request._request)
        return user, validated

    def get_user(self, validated_token: Token) -> User:
        """The token's user, if it exists, is active and the token's ``ver`` is current."""
        try:
            user = sql.request_user(validated_token[api_settings.USER_ID_CLAIM])
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if validated_token.get(VERSION_CLAIM) != user.token_version:
            raise AuthenticationFailed(_("Token has been revoked."), code="token_revoked")
        return user
