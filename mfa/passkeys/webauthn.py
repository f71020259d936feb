"""The WebAuthn relying party, with Yubico's ``fido2``: ceremony options and verifying what comes back.

The relying party is ``SITE_URL``: its host is the RP ID and its scheme,
host and port the one origin accepted (``localhost`` works over plain HTTP,
as browsers allow). Passkeys are discoverable credentials with user
verification required, so a passkey alone is two factors (something you
have, unlocked by something you know or are) and signs in without a
password or a second step. Attestation is ``none``: which authenticator
model made a passkey is not checked.

The origin, RP ID, ceremony type and challenge are checked here first, each
with its own error, so a client learns exactly what was wrong (a 400);
``fido2``'s server then checks them again with the signature and the user
presence and verification flags.
"""

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fido2 import cbor
from fido2.cose import CoseKey
from fido2.server import Fido2Server
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestedCredentialData,
    AuthenticationResponse,
    AuthenticatorData,
    CollectedClientData,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    RegistrationResponse,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from jwtsite import conf as site_conf
from mfa import conf
from mfa.exceptions import (
    CeremonyTypeMismatch,
    ChallengeInvalid,
    MalformedCredential,
    OriginMismatch,
    PasskeyVerificationFailed,
    RpIdMismatch,
    UserNotVerified,
)

CEREMONY_TIMEOUT_MS = 120_000  # as long as the challenge lives
KNOWN_TRANSPORTS = frozenset({"ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"})


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str
    name: str


def relying_party() -> RelyingParty:
    """This site as a WebAuthn relying party, from ``SITE_URL`` (read at call time)."""
    url = urlsplit(site_conf.SITE_URL)
    host = (url.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    origin = f"{url.scheme}://{host}" + (f":{url.port}" if url.port and url.port != default_port else "")
    return RelyingParty(id=host, origin=origin, name=conf.MFA_TOTP_ISSUER)


@dataclass(frozen=True)
class StoredCredential:
    """What is kept of a passkey to verify its assertions."""

    credential_id: bytes
    public_key: bytes  # the COSE key, CBOR-encoded
    aaguid: uuid.UUID
    sign_count: int
    transports: list[str]


@dataclass(frozen=True)
class Assertion:
    """A parsed assertion (``navigator.credentials.get()``), not yet verified."""

    response: AuthenticationResponse

    @property
    def credential_id(self) -> bytes:
        return self.response.raw_id

    @property
    def user_handle(self) -> bytes | None:
        return self.response.response.user_handle

    @property
    def sign_count(self) -> int:
        return self.response.response.authenticator_data.counter


def registration_options(
    *, user_handle: bytes, username: str, existing: Iterable[StoredCredential]
) -> tuple[dict, bytes]:
    """Creation options for ``navigator.credentials.create()`` (JSON, base64url) and their challenge.

    The user's existing passkeys are excluded, so an authenticator that holds
    one already says so instead of making a second.
    """
    # fido2's state is the challenge and the verification asked: challenges.py keeps one, _state() rebuilds it.
    options, _ = _server().register_begin(
        PublicKeyCredentialUserEntity(id=user_handle, name=username, display_name=username),
        credentials=[_descriptor(credential) for credential in existing],
        resident_key_requirement=ResidentKeyRequirement.REQUIRED,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return dict(options)["publicKey"], options.public_key.challenge


def authentication_options(*, allowed: Iterable[StoredCredential] | None = None) -> tuple[dict, bytes]:
    """Request options for ``navigator.credentials.get()`` and their challenge.

    Without ``allowed`` the browser offers every passkey it holds for this
    site (discoverable credentials: no username typed); with it, only those.
    """
    options, _ = _server().authenticate_begin(
        credentials=None if allowed is None else [_descriptor(credential) for credential in allowed],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return dict(options)["publicKey"], options.public_key.challenge


def verify_registration(*, credential: Mapping[str, Any], challenge: bytes) -> StoredCredential:
    """Checks an attestation (``navigator.credentials.create()``'s answer) made for ``challenge``.

    Raises a ``CeremonyError`` for anything wrong with it.
    """
    try:
        response = RegistrationResponse.from_dict(credential)
        client_data = response.response.client_data
        auth_data = response.response.attestation_object.auth_data
    except Exception as exc:  # untrusted bytes through a third-party parser: any failure is malformed input
        raise MalformedCredential() from exc
    _check_ceremony(client_data, auth_data, CollectedClientData.TYPE.CREATE, challenge)
    try:
        verified = _server().register_complete(_state(challenge), response)
    except ValueError as exc:  # user presence or verification missing
        raise UserNotVerified() from exc
    if verified.credential_data is None:
        raise MalformedCredential()
    data = verified.credential_data
    return StoredCredential(
        credential_id=bytes(data.credential_id),
        public_key=cbor.encode(data.public_key),
        aaguid=uuid.UUID(bytes=bytes(data.aaguid)),
        sign_count=verified.counter,
        transports=_transports(credential),
    )


def parse_assertion(credential: Mapping[str, Any]) -> Assertion:
    """An assertion's parts, or ``MalformedCredential``."""
    try:
        return Assertion(AuthenticationResponse.from_dict(credential))
    except Exception as exc:  # untrusted bytes through a third-party parser: any failure is malformed input
        raise MalformedCredential() from exc


def verify_assertion(*, assertion: Assertion, challenge: bytes, stored: StoredCredential) -> None:
    """Checks ``assertion`` was made for ``challenge`` on this site by the passkey ``stored``, with the user verified.

    A ``CeremonyError`` when it was made for another challenge, origin or RP;
    ``PasskeyVerificationFailed`` when the signature or the flags do not check out.
    The signature counter is the caller's to judge.
    """
    client_data = assertion.response.response.client_data
    auth_data = assertion.response.response.authenticator_data
    _check_ceremony(client_data, auth_data, CollectedClientData.TYPE.GET, challenge)
    credential_data = AttestedCredentialData.create(
        stored.aaguid.bytes, stored.credential_id, CoseKey.parse(cbor.decode(stored.public_key))
    )
    try:
        _server().authenticate_complete(_state(challenge), [credential_data], assertion.response)
    except ValueError as exc:
        raise PasskeyVerificationFailed() from exc


# Internals ---------------------------------------------------------------------


def _server() -> Fido2Server:
    party = relying_party()
    server = Fido2Server(
        PublicKeyCredentialRpEntity(name=party.name, id=party.id),
        attestation="none",
        # Exactly this site's origin: no subdomain, no other port or scheme.
        verify_origin=lambda origin: origin == party.origin,
    )
    server.timeout = CEREMONY_TIMEOUT_MS
    return server


def _state(challenge: bytes) -> dict:
    """The state ``fido2`` keeps between the two halves of a ceremony, rebuilt from the stored challenge."""
    return {"challenge": websafe_encode(challenge), "user_verification": UserVerificationRequirement.REQUIRED}


def _check_ceremony(client_data: CollectedClientData, auth_data: AuthenticatorData, kind: str, challenge: bytes):
    party = relying_party()
    if client_data.type != kind:
        raise CeremonyTypeMismatch()
    if client_data.origin != party.origin:
        raise OriginMismatch()
    if not hmac.compare_digest(client_data.challenge, challenge):
        raise ChallengeInvalid()
    if not hmac.compare_digest(auth_data.rp_id_hash, hashlib.sha256(party.id.encode()).digest()):
        raise RpIdMismatch()


def _descriptor(credential: StoredCredential) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(
        type=PublicKeyCredentialType.PUBLIC_KEY, id=credential.credential_id, transports=credential.transports or None
    )


def _transports(credential: Mapping[str, Any]) -> list[str]:
    """The transports the browser reported (``response.transports``), known names only."""
    response = credential.get("response")
    transports = response.get("transports") if isinstance(response, Mapping) else None
    if not isinstance(transports, list):
        return []
    return sorted({transport for transport in transports if isinstance(transport, str)} & KNOWN_TRANSPORTS)
