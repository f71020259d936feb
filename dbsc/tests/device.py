"""A software device key for the tests: what Chromium's DBSC does with its TPM key, signed with joserfc."""

import json
import re

from joserfc import jws
from joserfc.jwk import ECKey, RSAKey

from accounts.models import Session

REGISTER_URL = "/api/auth/dbsc/register/"
REFRESH_URL = "/api/auth/dbsc/refresh/"
OFFER = re.compile(r'^\((?P<algs>[A-Z0-9 ]+)\);path="(?P<path>[^"]+)";challenge="(?P<challenge>[^"]+)"$')
CHALLENGE = re.compile(r'^"(?P<challenge>[^"]+)";id="(?P<id>[^"]+)"$')


class DeviceKey:
    def __init__(self, algorithm: str = "ES256") -> None:
        self.algorithm = algorithm
        self.key = ECKey.generate_key("P-256") if algorithm == "ES256" else RSAKey.generate_key(2048)

    @property
    def public(self) -> dict:
        return self.key.as_dict(private=False)

    def proof(self, challenge: str, *, with_jwk: bool = True, header: dict | None = None, claims: dict | None = None):
        """A ``dbsc+jwt``: with the public key in its header (registration) or without (refresh)."""
        protected = {"alg": self.algorithm, "typ": "dbsc+jwt", **({"jwk": self.public} if with_jwk else {})}
        payload = {"jti": challenge, **(claims or {})}
        return jws.serialize_compact({**protected, **(header or {})}, json.dumps(payload).encode(), self.key)

    def structured(self, challenge: str, **kwargs) -> str:
        """The proof as the Secure-Session-Response sf-string."""
        return f'"{self.proof(challenge, **kwargs)}"'


def offered_challenge(response) -> str:
    match = OFFER.match(response["Secure-Session-Registration"])
    assert match, response["Secure-Session-Registration"]
    assert (match["path"], match["algs"]) == (REGISTER_URL, "ES256 RS256")
    return match["challenge"]


def register(client, device: DeviceKey, challenge: str, **kwargs):
    return client.post(REGISTER_URL, HTTP_SECURE_SESSION_RESPONSE=device.structured(challenge, **kwargs), csrf=False)


def refresh(client, *, proof: str | None = None, session_id: str | None = None):
    headers = {"HTTP_SEC_SECURE_SESSION_ID": f'"{session_id}"'} if session_id else {}
    if proof is not None:
        headers["HTTP_SECURE_SESSION_RESPONSE"] = proof
    return client.post(REFRESH_URL, csrf=False, **headers)


def refresh_challenge(response) -> tuple[str, str]:
    match = CHALLENGE.match(response["Secure-Session-Challenge"])
    assert match, response.get("Secure-Session-Challenge")
    return match["challenge"], match["id"]


def signed_in_and_bound(client, user, device: DeviceKey) -> Session:
    """Signs ``user`` in with ``client`` and binds the session to ``device`` as Chromium does."""
    challenge = offered_challenge(client.login_as(user))
    response = register(client, device, challenge)
    assert response.status_code == 200, response.content
    return Session.objects.get(pk=response.json()["session_identifier"])
