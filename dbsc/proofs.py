"""The ``dbsc+jwt`` proofs a browser signs with its session key (``Secure-Session-Response``), verified with joserfc.

A registration proof carries the new public key in its header (``jwk``) and
the registration challenge as ``jti``; a refresh proof is checked against the
key stored on the session. Only the challenge (``jti``) is required in the
payload: Chromium sends neither ``aud`` nor ``iat`` (the challenge, single-use
and short-lived, is what makes a proof fresh and ours).
"""

import json
import re
from dataclasses import dataclass

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from dbsc import conf
from dbsc.exceptions import ProofInvalid, ProofMalformed

PROOF_TYPE = "dbsc+jwt"
# The public members of each key type, the only ones kept (RFC 7518 §6).
PUBLIC_MEMBERS = {"EC": ("kty", "crv", "x", "y"), "RSA": ("kty", "n", "e")}
KEY_TYPES = {"ES256": ("EC", ECKey), "RS256": ("RSA", RSAKey)}
MIN_RSA_BITS = 2048
MAX_PROOF_LENGTH = 8192


class ProofRegistry(jws.JWSRegistry):
    # An RS256 proof's header holds a 2048-bit (or larger) public key: more than joserfc's 512 bytes.
    max_header_length = 2048


# An sf-string holding a compact JWS (RFC 9651 §3.3.3; browsers may also send the bare token).
STRUCTURED_TOKEN = re.compile(r'^\s*"?([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)"?\s*(;.*)?$')


@dataclass(frozen=True)
class VerifiedProof:
    challenge: str
    jwk: dict
    jkt: str


def header_token(value: str | None) -> str:
    """The JWT in a ``Secure-Session-Response`` header (an sf-string); ``ProofMalformed`` if there is none."""
    match = STRUCTURED_TOKEN.match(value or "") if value and len(value) <= MAX_PROOF_LENGTH else None
    if match is None:
        raise ProofMalformed()
    return match.group(1)


def registration_proof(token: str) -> VerifiedProof:
    """Verifies a registration proof with the key in its own header: the key is what it binds."""
    header = _header(token)
    algorithm = header["alg"]
    jwk = public_jwk(header.get("jwk"), algorithm)
    return _verified(token, jwk, algorithm)


def refresh_proof(token: str, bound_jwk: dict) -> VerifiedProof:
    """Verifies a refresh proof with the session's stored key; its algorithm must be that key's."""
    header = _header(token)
    algorithm = header["alg"]
    if KEY_TYPES[algorithm][0] != bound_jwk.get("kty"):
        raise ProofInvalid()
    return _verified(token, bound_jwk, algorithm)


def public_jwk(jwk, algorithm: str) -> dict:
    """The public members of ``jwk``, checked to suit ``algorithm``; ``ProofMalformed`` otherwise."""
    kty, _ = KEY_TYPES[algorithm]
    if not isinstance(jwk, dict) or jwk.get("kty") != kty or "d" in jwk:
        raise ProofMalformed()
    public = {name: jwk.get(name) for name in PUBLIC_MEMBERS[kty]}
    if not all(isinstance(value, str) and value for value in public.values()):
        raise ProofMalformed()
    if kty == "EC" and public["crv"] != "P-256":
        raise ProofMalformed()
    try:
        key = _import(public, algorithm)
    except (JoseError, ValueError, TypeError) as exc:
        raise ProofMalformed() from exc
    if kty == "RSA" and key.raw_value.key_size < MIN_RSA_BITS:
        raise ProofMalformed()
    return public


def thumbprint(jwk: dict) -> str:
    """The key's RFC 7638 thumbprint (base64url SHA-256), as ``Session.bound_jkt`` stores it."""
    algorithm = next(alg for alg, (kty, _) in KEY_TYPES.items() if kty == jwk["kty"])
    return _import(jwk, algorithm).thumbprint()


def _import(jwk: dict, algorithm: str):
    _, key_class = KEY_TYPES[algorithm]
    return key_class.import_key(jwk)


def _header(token: str) -> dict:
    try:
        header = jws.extract_compact(token.encode(), registry=ProofRegistry()).headers()
    except (JoseError, ValueError, TypeError) as exc:
        raise ProofMalformed() from exc
    if header.get("typ") != PROOF_TYPE or header.get("alg") not in conf.DBSC_ALGORITHMS:
        raise ProofMalformed()
    return header


def _verified(token: str, jwk: dict, algorithm: str) -> VerifiedProof:
    key = _import(jwk, algorithm)
    try:
        payload = json.loads(
            jws.deserialize_compact(token, key, registry=ProofRegistry(algorithms=[algorithm])).payload
        )
    except (JoseError, ValueError, TypeError) as exc:
        raise ProofInvalid() from exc
    challenge = payload.get("jti") if isinstance(payload, dict) else None
    if not isinstance(challenge, str) or not challenge:
        raise ProofMalformed()
    return VerifiedProof(challenge=challenge, jwk=jwk, jkt=key.thumbprint())
