"""The DPoP proof of a Django request: the proof's own checks, the server's nonce, then the replay cache.

Every refusal is an ``AuthenticationFailed`` (401, ``{"detail", "code"}``)
whose ``WWW-Authenticate`` is RFC 9449's ``DPoP error="..."``
(accounts/authentication.py's ``set_challenge``); ``use_dpop_nonce`` comes
with a fresh ``DPoP-Nonce`` header (dpop/middleware.py).
"""

import time

from rest_framework.exceptions import AuthenticationFailed

from accounts import conf as accounts_conf
from accounts.authentication import INVALID_DPOP_PROOF, USE_DPOP_NONCE, dpop_challenge, set_challenge
from dpop import conf, nonces, proofs, replay

HEADER = "HTTP_DPOP"
NONCE_REQUIRED = "A DPoP-Nonce from this server is required in the proof."
PROOF_MISSING = "A DPoP proof (the DPoP header) is required."
REPLAYED = "The proof's jti was used before."


def has_proof(request) -> bool:
    return HEADER in _django(request).META


def request_proof(request, *, access_token: str | None = None) -> proofs.Proof:
    """The checked DPoP proof of ``request`` (with ``access_token``: a protected resource's request)."""
    django_request = _django(request)
    raw = django_request.META.get(HEADER)
    if not raw:
        raise refused(request, INVALID_DPOP_PROOF, PROOF_MISSING)
    now = time.time()
    leeway = accounts_conf.JWT_LEEWAY
    try:
        proof = proofs.verify(
            raw,
            method=django_request.method,
            uri=django_request.build_absolute_uri(django_request.path),
            now=now,
            algorithms=tuple(conf.DPOP_ALGORITHMS),
            max_age=conf.DPOP_IAT_WINDOW,
            leeway=leeway,
            access_token=access_token,
        )
    except proofs.InvalidProof as exc:
        raise refused(request, INVALID_DPOP_PROOF, exc.description) from exc
    if conf.DPOP_NONCE and not nonces.accepted(proof.nonce, now):
        raise refused(request, USE_DPOP_NONCE, NONCE_REQUIRED)
    if not replay.first_use(proof.jkt, proof.jti, keep_for=conf.DPOP_IAT_WINDOW + leeway + 1):
        raise refused(request, INVALID_DPOP_PROOF, REPLAYED)
    return proof


def refused(request, error: str, description: str) -> AuthenticationFailed:
    """The 401 of RFC 9449's ``error``, its challenge set on the request."""
    set_challenge(request, dpop_challenge(error, description))
    return AuthenticationFailed(description, code=error)


def _django(request):
    return getattr(request, "_request", request)
