"""A software WebAuthn authenticator for the API tests: real keys, real signatures, any lie asked of it.

It answers the server's options the way a browser and a platform authenticator
would (``PublicKeyCredential.toJSON()``: base64url), with an ES256 key of its
own, and can be told to answer for another origin or RP ID, without user
verification, with a chosen signature counter or user handle. Only the
options' JSON is read: the server under test is never bypassed.
"""

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData

ORIGIN = "http://localhost:8000"  # settings.SITE_URL in the tests
RP_ID = "localhost"
AAGUID = bytes(range(16))
Flag = AuthenticatorData.FLAG


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    """One passkey on one authenticator. ``counts=False``: an authenticator whose counter stays at 0."""

    counts: bool = True
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    sign_count: int = 0
    user_handle: bytes | None = None

    def create(
        self,
        options: dict,
        *,
        origin: str = ORIGIN,
        rp_id: str = RP_ID,
        user_verified: bool = True,
        ceremony: str = "webauthn.create",
    ) -> dict:
        """The attestation for creation ``options`` (``navigator.credentials.create()``)."""
        self.user_handle = unb64url(options["user"]["id"])
        flags = Flag.UP | Flag.AT | (Flag.UV if user_verified else 0)
        credential_data = AttestedCredentialData.create(
            AAGUID, self.credential_id, ES256.from_cryptography_key(self.key.public_key())
        )
        auth_data = AuthenticatorData.create(_hash(rp_id), flags, self.sign_count, credential_data)
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(_client_data(ceremony, options["challenge"], origin)),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "made-up"],
            },
        }

    def get(
        self,
        options: dict,
        *,
        origin: str = ORIGIN,
        rp_id: str = RP_ID,
        user_verified: bool = True,
        sign_count: int | None = None,
        user_handle: bytes | None = None,
        ceremony: str = "webauthn.get",
    ) -> dict:
        """The assertion for request ``options`` (``navigator.credentials.get()``), signed with the passkey's key."""
        if sign_count is None:
            if self.counts:
                self.sign_count += 1
            sign_count = self.sign_count
        flags = Flag.UP | (Flag.UV if user_verified else 0)
        auth_data = AuthenticatorData.create(_hash(rp_id), flags, sign_count)
        client_data = _client_data(ceremony, options["challenge"], origin)
        signature = self.key.sign(bytes(auth_data) + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        handle = user_handle if user_handle is not None else self.user_handle
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(handle) if handle else None,
            },
        }


def _hash(rp_id: str) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest()


def _client_data(ceremony: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": ceremony, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()
