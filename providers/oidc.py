"""The OpenID Connect client: discovery, the authorization URL (PKCE S256, state, nonce), the code, the ID token.

Authlib does the OAuth 2 side (``OAuth2Session``: the authorization URL with
the PKCE challenge, the token request with the client's credentials);
joserfc, Authlib's JOSE library, checks the ID token: its signature against
the provider's JWKS (refetched once when the ``kid`` is unknown, so a key
rotation at the provider just works), ``iss``, ``aud`` (and ``azp`` when
there are several audiences), ``exp``, ``iat`` and ``nonce``. Discovery
documents and JWKS are cached (``METADATA_CACHE_SECONDS``). Every failure is
an ``OidcError`` with a stable ``code``: the provider unreachable or
answering nonsense (``ProviderUnavailable``) or its answer not acceptable
(``IdTokenInvalid``).
"""

import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from providers.conf import HTTP_TIMEOUT_SECONDS, ID_TOKEN_LEEWAY_SECONDS, METADATA_CACHE_SECONDS, Provider

# Asymmetric algorithms only: never "none", never HS256 keyed with a secret an attacker might share.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
CACHE_PREFIX = "providers:"


class OidcError(Exception):
    code = "provider_error"


class ProviderUnavailable(OidcError):
    """The provider did not answer, or answered something that is not OpenID Connect."""

    code = "provider_unavailable"


class CodeRejected(OidcError):
    """The provider refused the code (used already, expired, made for another client or verifier)."""

    code = "provider_code_rejected"


class IdTokenInvalid(OidcError):
    """The ID token failed a check: signature, issuer, audience, expiry, nonce."""

    code = "id_token_invalid"


@dataclass(frozen=True)
class Authorization:
    """Where to send the browser, and the secrets the callback must check the answer against."""

    url: str
    state: str
    nonce: str
    code_verifier: str


def metadata(provider: Provider) -> dict:
    """The provider's discovery document (cached); its issuer must be the configured one."""
    key = f"{CACHE_PREFIX}metadata:{provider.issuer}"
    document = cache.get(key)
    if document is None:
        document = _get_json(provider.discovery_url)
        if document.get("issuer", "").rstrip("/") != provider.issuer:
            raise ProviderUnavailable(f"The discovery document names another issuer: {document.get('issuer')!r}.")
        if not all(
            isinstance(document.get(name), str) for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        ):
            raise ProviderUnavailable("The discovery document lacks an endpoint.")
        cache.set(key, document, METADATA_CACHE_SECONDS)
    return document


def authorization(provider: Provider, *, fresh_sign_in: bool = False) -> Authorization:
    """A new authorization request: code flow, PKCE S256, a fresh ``state`` and ``nonce``.

    ``fresh_sign_in``: the provider must make the user sign in again, its own
    session notwithstanding (``prompt=login``, ``max_age=0``: OpenID Connect Core 3.1.2.1).
    """
    endpoint = metadata(provider)["authorization_endpoint"]
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    again = {"prompt": "login", "max_age": "0"} if fresh_sign_in else {}
    url, _ = _session(provider).create_authorization_url(
        endpoint, state=state, code_verifier=verifier, nonce=nonce, **again
    )
    return Authorization(url=url, state=state, nonce=nonce, code_verifier=verifier)


def exchange(provider: Provider, *, code: str, code_verifier: str) -> dict:
    """Trades ``code`` for tokens at the token endpoint; the response (with ``id_token``)."""
    endpoint = metadata(provider)["token_endpoint"]
    try:
        token = _session(provider).fetch_token(
            endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except AuthlibBaseError as exc:  # the provider's {"error": ...}: invalid_grant for a used or foreign code
        raise CodeRejected(getattr(exc, "error", None) or "invalid_grant") from exc
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(str(exc)) from exc
    if not isinstance(token.get("id_token"), str):
        raise IdTokenInvalid("The token response has no ID token.")
    return dict(token)


def id_token_claims(provider: Provider, *, id_token: str, nonce: str, now: float | None = None) -> dict[str, Any]:
    """The ID token's claims, once its signature, ``iss``, ``aud``, ``azp``, ``exp``, ``iat``, ``nonce`` are right."""
    try:
        token = _decoded(provider, id_token)
        registry = jwt.JWTClaimsRegistry(
            now=int(now if now is not None else time.time()),
            leeway=ID_TOKEN_LEEWAY_SECONDS,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise IdTokenInvalid(str(exc) or type(exc).__name__) from exc
    claims = token.claims
    # OpenID Connect Core 3.1.3.7: with several audiences, the token must name us as its authorized party.
    audience = claims["aud"]
    if (
        isinstance(audience, list)
        and (len(audience) > 1 or "azp" in claims)
        and claims.get("azp") != provider.client_id
    ):
        raise IdTokenInvalid("azp")
    if not isinstance(claims["sub"], str):
        raise IdTokenInvalid("sub")
    return claims


def userinfo(provider: Provider, *, access_token: str, subject: str) -> dict[str, Any]:
    """The UserInfo claims (``email``, ``email_verified``...) when the ID token lacks them; ``{}`` without an endpoint.

    Their ``sub`` must be the ID token's (OpenID Connect Core 5.3.2), else they are someone else's.
    """
    endpoint = metadata(provider).get("userinfo_endpoint")
    if not endpoint:
        return {}
    try:
        response = requests.get(
            endpoint, headers={"Authorization": f"Bearer {access_token}"}, timeout=HTTP_TIMEOUT_SECONDS
        )
        response.raise_for_status()
        claims = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(str(exc)) from exc
    if not isinstance(claims, dict) or claims.get("sub") != subject:
        raise IdTokenInvalid("The UserInfo answer is about another subject.")
    return claims


def _decoded(provider: Provider, id_token: str):
    """The token with its signature checked against the JWKS; refetched once for an unknown ``kid``."""
    for fresh in (False, True):
        keys = _jwks(provider, fresh=fresh)
        try:
            return jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except (JoseError, ValueError) as exc:
            if fresh or not _unknown_key(exc):
                raise
    raise AssertionError("unreachable")


def _unknown_key(exc: Exception) -> bool:
    return "key" in type(exc).__name__.lower() or "key" in str(exc).lower()


def _jwks(provider: Provider, *, fresh: bool) -> KeySet:
    key = f"{CACHE_PREFIX}jwks:{provider.issuer}"
    document = None if fresh else cache.get(key)
    if document is None:
        document = _get_json(metadata(provider)["jwks_uri"])
        cache.set(key, document, METADATA_CACHE_SECONDS)
    try:
        return KeySet.import_key_set(document)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ProviderUnavailable("The provider's JWKS cannot be read.") from exc


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"{url}: {exc}") from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object.")
    return document


def _session(provider: Provider) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=provider.scopes,
        redirect_uri=provider.redirect_uri,
        code_challenge_method="S256",
    )
