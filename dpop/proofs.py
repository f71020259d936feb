"""Checking one DPoP proof JWT against the request it came with: RFC 9449 section 4.3, steps 1 to 11.

Pure: no Django, no cache. The proof's signature is checked by PyJWT's
algorithm with the public key in its own ``jwk`` header (parsed once per
process and key); everything else (type, algorithm, the
key being public, ``htm``, ``htu``, ``iat``, ``jti``, ``ath``) here. The
replay cache and the server's nonce are dpop/verification.py's.
"""

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

import jwt
from jwt.exceptions import PyJWTError

PROOF_TYPE = "dpop+jwt"
MAX_PROOF_LENGTH = 8192
MAX_JTI_LENGTH = 256
MIN_RSA_BITS = 2048
# Members only a private (or symmetric) key has: a proof that carries one has leaked its key.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# RFC 7638: the members a thumbprint hashes, per key type.
THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}
KEY_TYPES = {
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "RS256": "RSA",
    "PS256": "RSA",
    "EdDSA": "OKP",
    "Ed25519": "OKP",  # RFC 9864's fully-specified name for EdDSA over Ed25519 (the npm dpop package's)
}
CURVES = {
    "ES256": {"P-256"},
    "ES384": {"P-384"},
    "ES512": {"P-521"},
    "EdDSA": {"Ed25519", "Ed448"},
    "Ed25519": {"Ed25519"},
}
DEFAULT_PORTS = {"http": 80, "https": 443}
# PyJWT knows EdDSA, not yet its fully-specified name: the same algorithm under both.
_PYJWT_NAMES = {"Ed25519": "EdDSA"}
# header.payload.signature, base64url without padding (PyJWT's own check walks every character in Python).
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\Z")
# Left as they are when a path is normalised (RFC 3986 2.2, 2.3): unreserved, sub-delims, ":", "@", "/".
PATH_SAFE = "/:@!$&'()*+,;=-._~"


class InvalidProof(Exception):
    """The proof fails a check; ``description`` says which, for ``error_description``."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class Proof:
    """A proof that passed: its key (``jkt``, and the public ``jwk``), ``jti``, ``iat`` and ``nonce``."""

    jkt: str
    jwk: dict
    jti: str
    iat: int
    nonce: str | None


def verify(
    raw: str,
    *,
    method: str,
    uri: str,
    now: float,
    algorithms: frozenset[str] | tuple[str, ...],
    max_age: int,
    leeway: int,
    access_token: str | None = None,
) -> Proof:
    """Checks ``raw`` as the DPoP proof of a ``method`` request to ``uri`` at ``now``; the proof, or ``InvalidProof``.

    ``max_age``: seconds the proof is good for after its ``iat``; ``leeway``:
    seconds its ``iat`` may lie ahead of ``now`` (clock skew). With
    ``access_token`` (a request to a protected resource) the proof must
    carry its hash (``ath``).
    """
    header, payload = _parts(raw)
    if header.get("typ") != PROOF_TYPE:
        raise InvalidProof("The proof's typ must be dpop+jwt.")
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in algorithms or algorithm not in KEY_TYPES:
        raise InvalidProof("The proof's alg is not an accepted asymmetric algorithm.")
    jwk = public_jwk(header.get("jwk"), algorithm)
    _check_signature(raw, jwk, algorithm)

    if payload.get("htm") != method:
        raise InvalidProof("The proof's htm is not this request's method.")
    htu = payload.get("htu")
    if not isinstance(htu, str) or normalized_uri(htu) != normalized_uri(uri):
        raise InvalidProof("The proof's htu is not this request's URI.")
    iat = payload.get("iat")
    if type(iat) is not int:
        raise InvalidProof("The proof has no iat.")
    if iat > now + leeway:
        raise InvalidProof("The proof's iat is in the future.")
    if iat < now - max_age:
        raise InvalidProof("The proof is too old (iat).")
    jti = payload.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise InvalidProof("The proof has no jti.")
    if access_token is not None:
        ath = payload.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(ath, access_token_hash(access_token)):
            raise InvalidProof("The proof's ath is not the hash of this access token.")
    nonce = payload.get("nonce")
    return Proof(jkt=thumbprint(jwk), jwk=jwk, jti=jti, iat=iat, nonce=nonce if isinstance(nonce, str) else None)


def public_jwk(jwk: object, algorithm: str) -> dict:
    """The proof's ``jwk`` header reduced to its thumbprint members, if it is a public key fit for ``algorithm``."""
    if not isinstance(jwk, dict):
        raise InvalidProof("The proof has no jwk header.")
    if PRIVATE_MEMBERS & jwk.keys():
        raise InvalidProof("The proof's jwk must be a public key.")
    kty = jwk.get("kty")
    if kty != KEY_TYPES[algorithm]:
        raise InvalidProof("The proof's jwk does not fit its alg.")
    members = THUMBPRINT_MEMBERS[kty]
    if not all(isinstance(jwk.get(member), str) for member in members):
        raise InvalidProof("The proof's jwk is incomplete.")
    if algorithm in CURVES and jwk["crv"] not in CURVES[algorithm]:
        raise InvalidProof("The proof's jwk does not fit its alg.")
    return {member: jwk[member] for member in members}


def thumbprint(jwk: dict) -> str:
    """RFC 7638: base64url SHA-256 of the key's required members, sorted, without whitespace."""
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def access_token_hash(access_token: str) -> str:
    """``ath``: base64url SHA-256 of the access token's ASCII bytes (RFC 9449 section 4.2)."""
    return _b64url(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


def normalized_uri(uri: str) -> tuple[str, str, str] | None:
    """Scheme, authority and path as RFC 3986 6.2.2-6.2.3 compare them; query and fragment dropped."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in DEFAULT_PORTS or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    authority = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return scheme, authority, quote(unquote(parts.path), safe=PATH_SAFE) or "/"


def _parts(raw: str) -> tuple[dict, dict]:
    """The proof's header and payload, read (not yet trusted): three base64url segments of JSON objects."""
    if not raw or len(raw) > MAX_PROOF_LENGTH or not COMPACT_JWS.match(raw):
        raise InvalidProof("The DPoP header must hold exactly one proof JWT.")
    header_segment, payload_segment, _ = raw.split(".")
    try:
        header, payload = (json.loads(_b64url_decode(segment)) for segment in (header_segment, payload_segment))
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested thousands deep
        raise InvalidProof("The proof is not a JWT.") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise InvalidProof("The proof is not a JWT.")
    return header, payload


def _check_signature(raw: str, jwk: dict, algorithm: str) -> None:
    """PyJWT's algorithm checks the signature over the first two segments with the proof's own key."""
    signing_input, _, signature = raw.rpartition(".")
    key = _verifying_key(json.dumps(jwk, sort_keys=True), algorithm)
    verifier = jwt.get_algorithm_by_name(_PYJWT_NAMES.get(algorithm, algorithm))
    try:
        valid = verifier.verify(signing_input.encode(), key, _b64url_decode(signature))
    except (PyJWTError, ValueError) as exc:
        raise InvalidProof("The proof's signature does not verify with its jwk.") from exc
    if not valid:
        raise InvalidProof("The proof's signature does not verify with its jwk.")


@lru_cache(maxsize=1024)
def _verifying_key(jwk_json: str, algorithm: str):
    """A client sends the same key with every proof: it is parsed once per process."""
    try:
        key = jwt.PyJWK(json.loads(jwk_json), algorithm=_PYJWT_NAMES.get(algorithm, algorithm)).key
    except (PyJWTError, ValueError, TypeError) as exc:
        raise InvalidProof("The proof's jwk is not a valid key.") from exc
    if KEY_TYPES[algorithm] == "RSA" and key.key_size < MIN_RSA_BITS:
        raise InvalidProof("The proof's RSA key is too short.")
    return key


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
