"""``Authorization: DPoP <access>`` with a proof of the token's key; every other request as accounts authenticates it.

Listed first in ``DEFAULT_AUTHENTICATION_CLASSES`` in place of
``accounts.authentication.JWTCookieAuthentication``, which it extends: a
Bearer header or the access cookie goes on to it unchanged (one header
look-up more), and it refuses a bound token there. A DPoP request costs the
same verified-token cache, revocation view and user cache as a Bearer one,
plus the proof: one signature check and one write to the shared cache (the
``jti``). With ``DPOP_REQUIRED`` an unbound Bearer token is refused.
"""

import hmac

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.authentication import (
    INVALID_DPOP_PROOF,
    INVALID_TOKEN,
    JWTCookieAuthentication,
    dpop_challenge,
    set_challenge,
)
from accounts.models import User
from accounts.tokens import bound_key_of
from dpop import conf
from dpop.verification import refused, request_proof

SCHEME = "DPoP"
TOKEN_INVALID = _("The access token is not valid.")
NOT_BOUND = _("This token is not bound to a key: send it as 'Authorization: Bearer'.")
WRONG_KEY = _("The proof's key is not the one the token is bound to.")
BEARER_REFUSED = _("This server accepts only DPoP-bound tokens: send 'Authorization: DPoP' with a proof.")


class DPoPAuthentication(JWTCookieAuthentication):
    """Authenticates ``Authorization: DPoP <access>`` + ``DPoP: <proof>``; hands anything else to accounts."""

    def authenticate(self, request: Request) -> tuple[User, object] | None:
        header = request._request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return super().authenticate(request)
        scheme, _space, raw_token = header.partition(" ")
        if scheme == SCHEME:
            return self.authenticate_dpop(request, raw_token.strip())
        if scheme == "Bearer" and conf.DPOP_REQUIRED:
            raise refused(request, INVALID_TOKEN, BEARER_REFUSED)
        return super().authenticate(request)

    def authenticate_dpop(self, request: Request, raw_token: str) -> tuple[User, object]:
        # Whatever is wrong with the token itself (expired, revoked...) is RFC 6750's invalid_token.
        set_challenge(request, dpop_challenge(INVALID_TOKEN, TOKEN_INVALID))
        if not raw_token or " " in raw_token:
            raise AuthenticationFailed(TOKEN_INVALID, code=INVALID_TOKEN)
        validated = self.get_validated_token(raw_token)
        jkt = bound_key_of(validated.payload)
        if jkt is None:
            raise refused(request, INVALID_TOKEN, NOT_BOUND)
        proof = request_proof(request, access_token=raw_token)
        if not hmac.compare_digest(proof.jkt, jkt):
            raise refused(request, INVALID_DPOP_PROOF, WRONG_KEY)
        set_challenge(request, dpop_challenge(INVALID_TOKEN, TOKEN_INVALID))
        return self.get_user(validated), validated
