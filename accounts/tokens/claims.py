"""The JWTs of a login session, built on simplejwt's token classes.

Every token carries ``user_id``, ``sid`` (the session), ``ver`` (the user's
``token_version``), ``sub`` (the user id as a string, for other libraries),
``auth_time`` and ``amr`` (when and how the user last proved who they are in
this session) and, when configured, ``iss`` / ``aud`` (``JWT_ISSUER`` /
``JWT_AUDIENCE``). The tokens of a session bound to a DPoP key carry
``cnf: {"jkt": <the key's thumbprint>}`` (RFC 7800, RFC 9449): they are
good only with a proof of that key (dpop/). Payloads are built in one fixed claim order, so re-signing
a refresh token's stored claims gives back the very same HS256 token.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, Token

from accounts import conf
from accounts.tokens import keys

SESSION_CLAIM = "sid"
SUBJECT_CLAIM = "sub"
MAX_DB_INTEGER = 2**63
MAX_EPOCH = 253402300800  # 10000-01-01: past datetime's range
VERSION_CLAIM = "ver"
AUTH_TIME_CLAIM = "auth_time"
AMR_CLAIM = "amr"
# RFC 7800's confirmation claim; RFC 9449's member in it: the thumbprint of the key the token is bound to.
CONFIRMATION_CLAIM = "cnf"
KEY_THUMBPRINT_MEMBER = "jkt"
MAX_THUMBPRINT_LENGTH = 128
# How a user proved who they are (the ``amr`` claim; RFC 8176 names where there is one).
PASSWORD, ONE_TIME_CODE, PASSKEY, RECOVERY_CODE = "pwd", "otp", "webauthn", "recovery"
# A code mailed to the user (EMAIL_SIGN_IN). RFC 8176 has no value for email; not "otp", which here
# means the second factor (mfa/permissions.py counts it as one) and an emailed code is not that.
EMAIL_CODE = "email"
# An external OpenID Connect provider vouched for the user (providers/), and what such a provider may
# assert it checked: RFC 8176's registered values, kept in the session's amr after "ext".
EXTERNAL = "ext"
PROVIDER_ASSERTED_METHODS = frozenset(
    {
        "face",
        "fpt",
        "geo",
        "hwk",
        "iris",
        "kba",
        "mca",
        "mfa",
        "otp",
        "pin",
        "pop",
        "pwd",
        "rba",
        "retina",
        "sc",
        "sms",
        "swk",
        "tel",
        "user",
        "vbm",
        "wia",
    }
)
AUTH_METHODS = (
    frozenset({PASSWORD, ONE_TIME_CODE, PASSKEY, RECOVERY_CODE, EMAIL_CODE, EXTERNAL}) | PROVIDER_ASSERTED_METHODS
)


class SessionClaimsMixin:
    """Signs and verifies with this server's key ring; refuses a token without
    a well-typed user id, ``sid`` and ``ver``."""

    def get_token_backend(self) -> TokenBackend:
        return keys.token_backend()

    def verify(self) -> None:
        # PyJWT reads a boolean iat/nbf as 0/1, and an enormous exp overflows
        # simplejwt's datetime conversion: check the times are plain integers.
        for claim in ("exp", "iat", "nbf"):
            value = self.payload.get(claim)
            if (claim == "exp" or value is not None) and (type(value) is not int or not 0 <= value < MAX_EPOCH):
                raise TokenError(_("Token has no valid '%(claim)s' claim") % {"claim": claim})
        super().verify()
        expected = {api_settings.USER_ID_CLAIM: int, SESSION_CLAIM: str, VERSION_CLAIM: int}
        for claim, kind in expected.items():
            value = self.payload.get(claim)
            # Integers must also fit the database's 64-bit columns, or the look-up itself fails.
            if (
                not isinstance(value, kind)
                or isinstance(value, bool)
                or (kind is int and not 0 <= value < MAX_DB_INTEGER)
            ):
                raise TokenError(_("Token has no valid '%(claim)s' claim") % {"claim": claim})
        try:
            uuid.UUID(self.payload[SESSION_CLAIM])
        except ValueError as exc:
            raise TokenError(_("Token has no valid '%(claim)s' claim") % {"claim": SESSION_CLAIM}) from exc
        # Tokens issued before these claims existed have neither: they count as
        # authenticated long ago (no sensitive action without re-authenticating).
        auth_time = self.payload.get(AUTH_TIME_CLAIM)
        if auth_time is not None and (type(auth_time) is not int or not 0 <= auth_time < MAX_EPOCH):
            raise TokenError(_("Token has no valid '%(claim)s' claim") % {"claim": AUTH_TIME_CLAIM})
        amr = self.payload.get(AMR_CLAIM)
        if amr is not None and (
            not isinstance(amr, list)
            or len(amr) > len(AUTH_METHODS)
            or not all(isinstance(method, str) and method in AUTH_METHODS for method in amr)
        ):
            raise TokenError(_("Token has no valid '%(claim)s' claim") % {"claim": AMR_CLAIM})
        if CONFIRMATION_CLAIM in self.payload and bound_key_of(self.payload) is None:
            raise TokenError(_("Token has no valid '%(claim)s' claim") % {"claim": CONFIRMATION_CLAIM})
        # Tokens signed before "sub" existed have none; one that has it must agree with user_id.
        subject = self.payload.get(SUBJECT_CLAIM, str(self.payload[api_settings.USER_ID_CLAIM]))
        if subject != str(self.payload[api_settings.USER_ID_CLAIM]):
            raise TokenError(_("Token has no valid '%(claim)s' claim") % {"claim": SUBJECT_CLAIM})


class SessionAccessToken(SessionClaimsMixin, AccessToken):
    """An access token of a login session (``token_type: access``)."""

    # accounts' setting, not simplejwt's (SIMPLE_JWT names no lifetime): read when a token is made.
    lifetime = property(lambda self: conf.access_lifetime())


class SessionRefreshToken(SessionClaimsMixin, Token):
    """A refresh token of a login session (``token_type: refresh``).

    Unlike simplejwt's ``RefreshToken`` it does not query the blacklist when
    decoded: the session row decides (accounts/services/issuing.py), in the same
    query that locks it.
    """

    token_type = "refresh"
    lifetime = property(lambda self: conf.refresh_lifetime())


@dataclass(frozen=True)
class Claims:
    """What a token says; enough to sign it again."""

    user_id: int
    sid: str
    ver: int
    jti: str
    issued_at: datetime
    expires_at: datetime
    auth_time: datetime | None = None
    amr: tuple[str, ...] = ()
    # The thumbprint of the DPoP key the session is bound to (its tokens' ``cnf.jkt``), else None.
    jkt: str | None = None


def new_jti() -> str:
    return uuid.uuid4().hex


def to_epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def whole_seconds(moment: datetime) -> datetime:
    """``moment`` as a token stores it: JWT times have whole-second precision."""
    return from_epoch(to_epoch(moment))


def encode(token_class: type[Token], claims: Claims) -> str:
    token = token_class()
    token.payload = {
        api_settings.TOKEN_TYPE_CLAIM: token_class.token_type,
        "exp": to_epoch(claims.expires_at),
        "iat": to_epoch(claims.issued_at),
        api_settings.JTI_CLAIM: claims.jti,
        api_settings.USER_ID_CLAIM: claims.user_id,
        SESSION_CLAIM: claims.sid,
        VERSION_CLAIM: claims.ver,
        SUBJECT_CLAIM: str(claims.user_id),
    }
    if claims.auth_time is not None:
        token.payload[AUTH_TIME_CLAIM] = to_epoch(claims.auth_time)
        token.payload[AMR_CLAIM] = list(claims.amr)
    if claims.jkt:
        token.payload[CONFIRMATION_CLAIM] = {KEY_THUMBPRINT_MEMBER: claims.jkt}
    # Verified by the key ring's backend (accounts/tokens/keys.py), which requires them when set.
    if conf.JWT_ISSUER:
        token.payload["iss"] = conf.JWT_ISSUER
    if conf.JWT_AUDIENCE:
        token.payload["aud"] = conf.JWT_AUDIENCE
    return str(token)


def encode_access(claims: Claims) -> str:
    return encode(SessionAccessToken, claims)


def encode_refresh(claims: Claims) -> str:
    return encode(SessionRefreshToken, claims)


def decode_refresh(raw: str) -> Claims:
    """Verifies signature, expiry, type and claims; raises simplejwt's ``TokenError``."""
    return _claims(SessionRefreshToken(raw))


def decode_access(raw: str) -> Claims:
    """``decode_refresh`` for an access token."""
    return _claims(SessionAccessToken(raw))


def _claims(token: Token) -> Claims:
    return Claims(
        user_id=token[api_settings.USER_ID_CLAIM],
        sid=token[SESSION_CLAIM],
        ver=token[VERSION_CLAIM],
        jti=token[api_settings.JTI_CLAIM],
        issued_at=from_epoch(token["iat"]) if isinstance(token.get("iat"), int) else None,
        expires_at=from_epoch(token["exp"]),
        auth_time=auth_time_of(token),
        amr=tuple(token.get(AMR_CLAIM) or ()),
        jkt=bound_key_of(token.payload),
    )


def bound_key_of(payload) -> str | None:
    """The thumbprint in the token's ``cnf.jkt`` (the key it is bound to), or ``None`` when unbound or malformed."""
    confirmation = payload.get(CONFIRMATION_CLAIM)
    if not isinstance(confirmation, dict):
        return None
    jkt = confirmation.get(KEY_THUMBPRINT_MEMBER)
    return jkt if isinstance(jkt, str) and 0 < len(jkt) <= MAX_THUMBPRINT_LENGTH else None


def auth_time_of(claims) -> datetime | None:
    """When the token's user last proved who they are, or ``None`` for a token that does not say.

    ``claims``: a token or its payload (anything with ``get``).
    """
    auth_time = claims.get(AUTH_TIME_CLAIM)
    return from_epoch(auth_time) if isinstance(auth_time, int) else None


@dataclass(frozen=True)
class IssuedTokens:
    """A signed token pair of one session, as login and refresh hand it out."""

    user_id: int
    session_id: str
    access: str
    refresh: str
    issued_at: datetime
    access_expires: datetime
    refresh_expires: datetime
    persistent: bool
    # The DPoP key both tokens are bound to (their ``cnf.jkt``), else None.
    jkt: str | None = None
