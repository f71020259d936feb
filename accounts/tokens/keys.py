"""Signing and verifying keys: HS256 with a shared secret, or RS256/ES256 with a key pair.

With an asymmetric algorithm every token names its key in a ``kid`` header
(the key's RFC 7638 thumbprint), ``/.well-known/jwks.json`` publishes the
public keys (the current one and any previous ones still trusted during a key
rotation), and a server that holds no private key only verifies: it
authenticates requests but issues no tokens.
"""

import base64
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError

from accounts import conf
from accounts.tokens.verified_cache import VerifiedTokenCache

SYMMETRIC_ALGORITHMS = frozenset({"HS256"})
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "ES256"})
JWKS_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class KeyRing:
    """The keys of this server: one to sign with (unless verifying-only), all to verify with."""

    algorithm: str
    signing_key: Any = None
    current_kid: str | None = None
    verifying_keys: dict[str, Any] = field(default_factory=dict)
    jwks_url: str | None = None

    @property
    def asymmetric(self) -> bool:
        return self.algorithm in ASYMMETRIC_ALGORITHMS

    @property
    def can_sign(self) -> bool:
        return self.signing_key is not None


def thumbprint(public_key: Any) -> str:
    """RFC 7638 JWK thumbprint: base64url SHA-256 of the key's required members."""
    jwk = public_jwk_fields(public_key)
    required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}[jwk["kty"]]
    canonical = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def public_jwk_fields(public_key: Any) -> dict[str, str]:
    if isinstance(public_key, rsa.RSAPublicKey):
        return jwt.algorithms.RSAAlgorithm.to_jwk(public_key, as_dict=True)
    return jwt.algorithms.ECAlgorithm.to_jwk(public_key, as_dict=True)


def load_public_key(pem: str) -> Any:
    return serialization.load_pem_public_key(pem.encode())


def build_key_ring() -> KeyRing:
    """Reads the JWT_* settings (accounts/conf.py)."""
    algorithm = conf.JWT_ALGORITHM
    if algorithm in SYMMETRIC_ALGORITHMS:
        return KeyRing(algorithm=algorithm, signing_key=conf.JWT_SIGNING_KEY)

    public_pems = list(conf.JWT_PREVIOUS_PUBLIC_KEYS)
    signing_key = current_kid = None
    if conf.JWT_PRIVATE_KEY:
        private_key = serialization.load_pem_private_key(conf.JWT_PRIVATE_KEY.encode(), password=None)
        public_key = private_key.public_key()
        signing_key = conf.JWT_PRIVATE_KEY
        current_kid = thumbprint(public_key)
        public_pems.insert(
            0,
            public_key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode(),
        )
    if conf.JWT_PUBLIC_KEY:
        public_pems.insert(0, conf.JWT_PUBLIC_KEY)
    verifying_keys = {thumbprint(load_public_key(pem)): pem for pem in public_pems}
    return KeyRing(
        algorithm=algorithm,
        signing_key=signing_key,
        current_kid=current_kid,
        verifying_keys=verifying_keys,
        jwks_url=conf.JWKS_URL or None,
    )


def jwks() -> dict[str, list[dict[str, str]]]:
    """The public keys as a JWK Set; empty with a shared (HS256) secret."""
    ring = key_ring()
    keys = []
    for kid, pem in ring.verifying_keys.items():
        jwk = public_jwk_fields(load_public_key(pem))
        jwk.pop("key_ops", None)  # RFC 7517 4.3: not together with "use"
        keys.append({**jwk, "kid": kid, "use": "sig", "alg": ring.algorithm})
    return {"keys": keys}


class KeyRingTokenBackend(TokenBackend):
    """simplejwt's backend, choosing the verifying key by ``kid`` among the trusted ones."""

    def __init__(self, ring: KeyRing) -> None:
        super().__init__(
            ring.algorithm,
            signing_key=ring.signing_key,
            verifying_key="",
            jwk_url=ring.jwks_url,
            leeway=conf.JWT_LEEWAY,
            audience=conf.JWT_AUDIENCE or None,
            issuer=conf.JWT_ISSUER or None,
        )
        self.ring = ring
        # Tokens verified with exactly these keys and settings; a new backend starts empty.
        self.verified_tokens = VerifiedTokenCache(max_size=conf.JWT_VERIFIED_CACHE_SIZE, leeway=conf.JWT_LEEWAY)
        if self.jwks_client is not None:
            self.jwks_client = jwt.PyJWKClient(ring.jwks_url, timeout=JWKS_TIMEOUT_SECONDS)

    def encode(self, payload: dict[str, Any]) -> str:
        if not self.ring.can_sign:
            raise VerifyingOnlyError()
        headers = {"kid": self.ring.current_kid} if self.ring.asymmetric else None
        return jwt.encode(payload, self.prepared_signing_key, algorithm=self.algorithm, headers=headers)

    def get_verifying_key(self, token: Any) -> Any:
        if not self.ring.asymmetric or self.jwks_client is not None:
            return super().get_verifying_key(token)
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise TokenBackendError(_("Token is invalid")) from exc
        if not isinstance(kid, str) or kid not in self.ring.verifying_keys:
            raise TokenBackendError(_("Token is signed with an unknown key"))
        return self._prepare_key(self.ring.verifying_keys[kid])


class VerifyingOnlyError(RuntimeError):
    """This server holds no private key: it verifies tokens but cannot issue them."""


@cache
def _backend_for(settings_key: tuple) -> KeyRingTokenBackend:
    return KeyRingTokenBackend(build_key_ring())


def _settings_key() -> tuple:
    return (
        conf.JWT_ALGORITHM,
        conf.JWT_SIGNING_KEY,
        conf.JWT_PRIVATE_KEY,
        conf.JWT_PUBLIC_KEY,
        tuple(conf.JWT_PREVIOUS_PUBLIC_KEYS),
        conf.JWKS_URL,
        conf.JWT_LEEWAY,
        conf.JWT_ISSUER,
        conf.JWT_AUDIENCE,
        conf.JWT_VERIFIED_CACHE_SIZE,
    )


def token_backend() -> KeyRingTokenBackend:
    """The backend for the current settings (rebuilt only when they change).

    Every authenticated request asks for it: the settings are read again
    only after Django says one changed (``setting_changed``: tests' overrides).
    """
    backend = _current.backend
    if backend is None:
        backend = _current.backend = _backend_for(_settings_key())
    return backend


class _Current:
    backend: KeyRingTokenBackend | None = None


_current = _Current()


@receiver(setting_changed)
def _forget_backend(**kwargs) -> None:
    _current.backend = None


def key_ring() -> KeyRing:
    return token_backend().ring


def can_issue_tokens() -> bool:
    return key_ring().can_sign
