"""The site's authentication: Bearer header first, then the access cookie; and the 401's challenge.

A token bound to a key (``cnf``, RFC 7800: a DPoP-bound token, RFC 9449) is
never accepted here, neither as Bearer nor from a cookie: only dpop/'s
authentication, with a proof of that key, accepts it. Whoever refuses a
request can name the ``WWW-Authenticate`` challenge of the 401
(``set_challenge``); the views and this class answer with it.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.models import TokenUser
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts import conf, users_cache
from accounts.csrf import enforce_csrf
from accounts.models import User
from accounts.revocation import runtime as revocations
from accounts.tokens import CONFIRMATION_CLAIM, SESSION_CLAIM, VERSION_CLAIM, keys

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BEARER_CHALLENGE = 'Bearer realm="api"'
CHALLENGE_ATTRIBUTE = "auth_challenge"
# RFC 9449's error codes (section 7.1, and RFC 6750's invalid_token).
INVALID_DPOP_PROOF, INVALID_TOKEN, USE_DPOP_NONCE = "invalid_dpop_proof", "invalid_token", "use_dpop_nonce"
BOUND_TOKEN_REFUSED = _("This token is bound to a key: send it as 'Authorization: DPoP' with a DPoP proof.")


def set_challenge(request, challenge: str) -> None:
    """``challenge`` becomes the ``WWW-Authenticate`` header of this request's 401."""
    setattr(getattr(request, "_request", request), CHALLENGE_ATTRIBUTE, challenge)


def challenge_of(request, default: str = BEARER_CHALLENGE) -> str:
    return getattr(getattr(request, "_request", request), CHALLENGE_ATTRIBUTE, None) or default


def dpop_challenge(error: str, description: str) -> str:
    """``DPoP error="...", error_description="..."`` (RFC 9449 section 7.1); quotes and backslashes dropped."""
    description = str(description).replace("\\", "").replace('"', "'")
    return f'DPoP error="{error}", error_description="{description}"'


def refuse_bound(request, validated: Token) -> None:
    """A bound token outside DPoP's own scheme (as Bearer, in a cookie): 401 ``invalid_token``."""
    if CONFIRMATION_CLAIM in validated.payload:
        set_challenge(request, dpop_challenge(INVALID_TOKEN, BOUND_TOKEN_REFUSED))
        raise AuthenticationFailed(BOUND_TOKEN_REFUSED, code=INVALID_TOKEN)


class JWTCookieAuthentication(JWTAuthentication):
    """Authenticates with ``Authorization: Bearer <access>`` or the access cookie.

    A Bearer header, when present, is the only credential looked at: a bad
    one fails, never falling back to the cookie. Cookie-authenticated unsafe
    requests must pass the CSRF check. Returns ``(user, validated_token)``.
    A bound token (``cnf``) is refused: 401 ``invalid_token``.

    Per request, and no statement: the token's verification is looked up in
    the verified-token cache (accounts/tokens/verified_cache.py), its
    revocation in this process's view (accounts/revocation/), its user in the
    user cache (accounts/users_cache.py, which the same view keeps honest; a
    miss, or a stale view, reads the row: one statement). A verifying-only
    server on its own database (``REVOCATION_FEED_URL``) has no user rows: its
    users are built from the token's claims.
    """

    def __init__(self) -> None:
        # simplejwt's looks the user model up on every request; ``get_user`` below never needs it.
        pass

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        django_request = request._request  # DRF's Request forwards each attribute read to it
        header = django_request.META.get("HTTP_AUTHORIZATION")
        if header is not None and header.split(None, 1)[:1] == ["Bearer"]:
            raw_token = self.get_raw_token(header.encode(HTTP_HEADER_ENCODING))
            validated = self.get_validated_token(raw_token)
            refuse_bound(request, validated)
            return self.get_user(validated), validated

        raw_token = django_request.COOKIES.get(conf.access_cookie_name())
        if not raw_token:
            return None
        validated = self.get_validated_token(raw_token)
        refuse_bound(request, validated)
        user = self.get_user(validated)
        if django_request.method in UNSAFE_METHODS:
            enforce_csrf(django_request)
        return user, validated

    def authenticate_header(self, request: Request) -> str:
        return challenge_of(request)

    def get_validated_token(self, raw_token: bytes | str) -> Token:
        """simplejwt's verification, once per token string per process (and per key-ring backend)."""
        cache = keys.token_backend().verified_tokens
        key = raw_token if isinstance(raw_token, str) else raw_token.decode("latin-1")
        validated = cache.get(key)
        if validated is None:
            validated = super().get_validated_token(raw_token)
            cache.put(key, validated)
        return validated

    def get_user(self, validated_token: Token) -> User | TokenUser:
        """The token's user, if the token is not revoked, the user exists, is active and ``ver`` is current."""
        try:
            payload = validated_token.payload
            user_id, version = payload[api_settings.USER_ID_CLAIM], payload[VERSION_CLAIM]
            current = revocations.check(payload[SESSION_CLAIM], user_id, version)
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        if revocations.feed_mode():
            return ClaimsUser(validated_token)
        user = users_cache.request_user(user_id, trusted=current)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if version != user.token_version:
            raise AuthenticationFailed(_("Token has been revoked."), code="token_revoked")
        return user


class ClaimsUser(TokenUser):
    """The user of a verifying-only server on its own database: what the token says, no row.

    ``id`` is the token's ``user_id``; it is active (a deactivation reaches
    this server as a revocation of every token of the user) and never staff.
    """

    @property
    def email(self) -> str:
        return ""

    @property
    def email_verified(self) -> bool:
        return False

    # Its sign-in methods live on the auth server: none is known here.
    totp_enabled = False
    passkey_count = 0
