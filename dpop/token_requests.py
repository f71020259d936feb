"""The key proof of a token request (``/api/token/``, ``/api/token/refresh/``): accounts' ``BEARER_KEY_PROOF``.

``htm`` POST and ``htu`` the endpoint, as on any request; no ``ath`` (no
access token yet). Without a ``DPoP`` header the tokens are unbound, unless
``DPOP_REQUIRED``.
"""

from accounts.authentication import INVALID_DPOP_PROOF
from accounts.binding import DPOP, KeyProof
from dpop import conf
from dpop.verification import has_proof, refused, request_proof

BINDING_REQUIRED = "This server issues only DPoP-bound tokens: send a DPoP proof."


def key_proof(request) -> KeyProof | None:
    if not has_proof(request):
        if conf.DPOP_REQUIRED:
            raise refused(request, INVALID_DPOP_PROOF, BINDING_REQUIRED)
        return None
    proof = request_proof(request)
    return KeyProof(DPOP, proof.jkt, proof.jwk)
