"""Sessions bound to a key the device holds: the one seam that DBSC (``dbsc/``) and DPoP (``dpop/``) use.

Those apps check a proof of possession (a signed JWT over the request) and hand
``accounts`` the result as a ``KeyProof``; ``accounts`` never parses a proof
itself. Once a session is bound (``Session.binding``), its refresh token rotates
only when the caller passes a ``KeyProof`` for the same binding and key: a
copied refresh cookie or token alone mints nothing.
"""

from dataclasses import dataclass, field
from functools import cache

from django.utils.module_loading import import_string
from rest_framework.request import Request

from accounts import conf

DBSC = "dbsc"
DPOP = "dpop"


@dataclass(frozen=True)
class KeyProof:
    """A proof of possession that a binding app has verified: which binding, which key.

    ``jkt`` is the key's RFC 7638 thumbprint (base64url SHA-256); ``jwk`` its public
    half, stored on the session when the proof binds it.
    """

    binding: str
    jkt: str
    jwk: dict = field(default_factory=dict, compare=False)

    def matches(self, binding: str, jkt: str) -> bool:
        return self.binding == binding and self.jkt == jkt


def bearer_key_proof(request: Request) -> KeyProof | None:
    """The verified key proof of a Bearer token request (a DPoP header), or ``None`` when it carries none.

    The reader is ``BEARER_KEY_PROOF`` (dpop's when installed); it raises an
    ``APIException`` (401) for a proof that fails its checks, or for a missing
    one when its app requires binding.
    """
    path = conf.BEARER_KEY_PROOF
    return _reader(path)(request) if path else None


@cache
def _reader(path: str):
    return import_string(path)
