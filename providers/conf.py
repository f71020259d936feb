"""The providers app's settings, read at call time: ``OIDC_PROVIDERS`` parsed into ``Provider`` values.

``OIDC_PROVIDERS`` is a JSON list (a string from the environment, or a list
in tests): ``[{"id", "name", "issuer", "client_id", "client_secret",
"scopes"}]``, ``scopes`` optional. A malformed value is reported by
providers/checks.py at start; at run time it counts as no provider.
"""

import json
import re
from dataclasses import dataclass

from django.conf import settings

from jwtsite import conf as site_conf

DEFAULT_SCOPES = "openid email profile"
REQUIRED_KEYS = ("id", "name", "issuer", "client_id", "client_secret")
# The id ends up in paths (/api/auth/providers/<id>/...) and the redirect URI registered at the provider.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# How long discovery documents and JWKS are kept (seconds), and how long to wait for the provider.
METADATA_CACHE_SECONDS = 3600
HTTP_TIMEOUT_SECONDS = 5
# Clock skew tolerated on the ID token's exp/iat (seconds).
ID_TOKEN_LEEWAY_SECONDS = 30


class ProvidersMisconfigured(ValueError):
    """``OIDC_PROVIDERS`` cannot be used; the message says why."""


@dataclass(frozen=True)
class Provider:
    """One configured OpenID Connect provider."""

    id: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = DEFAULT_SCOPES

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"

    @property
    def redirect_uri(self) -> str:
        return f"{site_conf.SITE_URL}/api/auth/providers/{self.id}/callback/"


def parse(raw) -> list[Provider]:
    """``OIDC_PROVIDERS`` (a JSON string or a list) as providers; ``ProvidersMisconfigured`` if wrong."""
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ProvidersMisconfigured(f"OIDC_PROVIDERS is not valid JSON: {exc}.") from exc
    if not isinstance(raw, list):
        raise ProvidersMisconfigured("OIDC_PROVIDERS must be a JSON list of objects.")
    providers, seen = [], set()
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise ProvidersMisconfigured(f"OIDC_PROVIDERS[{index}] is not an object.")
        missing = [key for key in REQUIRED_KEYS if not isinstance(entry.get(key), str) or not entry[key].strip()]
        if missing:
            raise ProvidersMisconfigured(f"OIDC_PROVIDERS[{index}] lacks {', '.join(missing)}.")
        unknown = set(entry) - {*REQUIRED_KEYS, "scopes"}
        if unknown:
            raise ProvidersMisconfigured(f"OIDC_PROVIDERS[{index}] has unknown keys: {', '.join(sorted(unknown))}.")
        if not ID_PATTERN.match(entry["id"]):
            raise ProvidersMisconfigured(
                f"OIDC_PROVIDERS[{index}]: id {entry['id']!r} must be lower-case letters, digits, - or _ (32 at most)."
            )
        if entry["id"] in seen:
            raise ProvidersMisconfigured(f"OIDC_PROVIDERS: the id {entry['id']!r} is used twice.")
        if not entry["issuer"].startswith(("https://", "http://")):
            raise ProvidersMisconfigured(f"OIDC_PROVIDERS[{index}]: issuer must be an http(s) URL.")
        scopes = entry.get("scopes", DEFAULT_SCOPES)
        if not isinstance(scopes, str) or "openid" not in scopes.split():
            raise ProvidersMisconfigured(f"OIDC_PROVIDERS[{index}]: scopes must be a string that includes openid.")
        seen.add(entry["id"])
        providers.append(Provider(**{**entry, "issuer": entry["issuer"].rstrip("/"), "scopes": scopes}))
    return providers


def providers() -> list[Provider]:
    """The configured providers, in order; none when ``OIDC_PROVIDERS`` is unset or malformed (see checks.py)."""
    try:
        return parse(getattr(settings, "OIDC_PROVIDERS", ""))
    except ProvidersMisconfigured:
        return []


def provider(provider_id: str) -> Provider | None:
    return next((each for each in providers() if each.id == provider_id), None)
