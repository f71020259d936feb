"""A DPoP client's key for the tests: a real key pair (``cryptography``) that signs real proofs (PyJWT)."""

import base64
import hashlib
import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

TESTSERVER = "http://testserver"
_ED25519 = jwt.PyJWS()
_ED25519.register_algorithm("Ed25519", jwt.algorithms.OKPAlgorithm())


class DPoPKey:
    """``proof(method, url, **claims)``: a proof signed by this key; ``jkt``: its RFC 7638 thumbprint."""

    def __init__(self, algorithm: str = "ES256") -> None:
        self.algorithm = algorithm
        if algorithm == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
            self.jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        elif algorithm in ("RS256", "PS256"):
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = ed25519.Ed25519PrivateKey.generate()
            self.jwk = jwt.algorithms.OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk = {name: value for name, value in self.jwk.items() if name in ("kty", "crv", "x", "y", "n", "e")}

    @property
    def jkt(self) -> str:
        canonical = json.dumps(self.jwk, separators=(",", ":"), sort_keys=True)
        return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()

    def proof(
        self, method: str, url: str, *, access_token: str | None = None, headers: dict | None = None, **claims
    ) -> str:
        """A proof of a ``method`` request to ``url`` (a path means the test server's); ``claims`` override."""
        payload = {
            "jti": uuid.uuid4().hex,
            "htm": method,
            "htu": url if not isinstance(url, str) or "://" in url else TESTSERVER + url,
            "iat": int(time.time()),
        }
        if access_token is not None:
            payload["ath"] = ath(access_token)
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        header = {"typ": "dpop+jwt", "jwk": self.jwk, **(headers or {})}
        if self.algorithm == "Ed25519":  # PyJWT signs it as EdDSA; the header names it as RFC 9864 does
            return _ED25519.encode(json.dumps(payload).encode(), self.private, algorithm="Ed25519", headers=header)
        return jwt.encode(payload, self.private, algorithm=self.algorithm, headers=header)


def ath(access_token: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(access_token.encode()).digest()).rstrip(b"=").decode()
