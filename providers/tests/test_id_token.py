"""The ID token checks, one edge at a time, against a JWKS of our own put in the cache (no network at all)."""

import time

import pytest
from django.core.cache import cache
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey

from providers import oidc
from providers.conf import Provider
from providers.tests.fake_provider import KEY, OTHER_KEY

ISSUER = "https://id.example"
PROVIDER = Provider(id="acme", name="Acme", issuer=ISSUER, client_id="client-1", client_secret="secret-1")
NONCE = "n-0S6_WzA2Mj"
NOW = 1_800_000_000


@pytest.fixture(autouse=True)
def _cached_provider():
    """Discovery and the JWKS as if fetched already: an unknown key's refetch goes nowhere (an unroutable URL)."""
    cache.set(
        f"{oidc.CACHE_PREFIX}metadata:{ISSUER}",
        {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": "http://127.0.0.1:9/jwks",  # the discard port: nothing answers
        },
    )
    cache.set(f"{oidc.CACHE_PREFIX}jwks:{ISSUER}", KeySet([KEY]).as_dict(private=False))


def token(key=KEY, header=None, **overrides) -> str:
    claims = {"iss": ISSUER, "aud": "client-1", "sub": "248289761001", "iat": NOW, "exp": NOW + 300, "nonce": NONCE}
    claims = {name: value for name, value in {**claims, **overrides}.items() if value is not None}
    return jwt.encode(header or {"alg": "RS256", "kid": key.kid}, claims, key)


def check(id_token: str, nonce: str = NONCE, now: float = NOW + 10) -> dict:
    return oidc.id_token_claims(PROVIDER, id_token=id_token, nonce=nonce, now=now)


def test_a_good_token_gives_its_claims():
    assert check(token(email="a@example.com"))["email"] == "a@example.com"


def test_several_audiences_with_us_as_authorized_party():
    assert check(token(aud=["client-1", "other"], azp="client-1"))["sub"] == "248289761001"


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example"},
        {"iss": None},
        {"aud": "client-2"},
        {"aud": ["client-2", "client-3"]},
        {"aud": ["client-1", "other"]},  # several audiences and no azp
        {"aud": ["client-1", "other"], "azp": "other"},
        {"aud": None},
        {"nonce": "another"},
        {"nonce": None},
        {"exp": NOW - 60},  # expired beyond the leeway
        {"exp": None},
        {"iat": None},
        {"iat": NOW + 3600},  # issued in the future
        {"sub": None},
        {"sub": 12345},
    ],
)
def test_a_wrong_claim_is_refused(overrides):
    with pytest.raises(oidc.IdTokenInvalid):
        check(token(**overrides))


def test_expiry_within_the_leeway_is_accepted():
    assert check(token(exp=NOW), now=NOW + 20)


def test_a_token_expired_now_is_refused_at_the_real_clock():
    with pytest.raises(oidc.IdTokenInvalid):
        oidc.id_token_claims(PROVIDER, id_token=token(iat=1_000_000_000, exp=1_000_000_300), nonce=NONCE)
    assert time.time() > 1_000_000_300


def test_an_unsigned_token_is_refused():
    unsigned = token().rsplit(".", 1)[0] + "."
    with pytest.raises(oidc.IdTokenInvalid):
        check(unsigned)


def test_a_token_signed_with_the_client_secret_is_refused():
    """HS256 keyed with the client secret (which the client knows) would let a client forge tokens."""
    forged = jwt.encode(
        {"alg": "HS256"},
        {"iss": ISSUER, "aud": "client-1", "sub": "x", "iat": NOW, "exp": NOW + 300, "nonce": NONCE},
        OctKey.import_key("secret-1" * 4),
    )
    with pytest.raises(oidc.IdTokenInvalid):
        check(forged)


def test_a_tampered_payload_is_refused():
    header, payload, signature = token().split(".")
    other = token(sub="someone-else").split(".")[1]
    with pytest.raises(oidc.IdTokenInvalid):
        check(f"{header}.{other[:-2]}{payload[-2:]}.{signature}")
    with pytest.raises(oidc.IdTokenInvalid):
        check(f"{header}.{other}.{signature}")


def test_a_key_not_in_the_jwks_refetches_once_and_says_the_provider_is_unavailable():
    with pytest.raises(oidc.OidcError):
        check(token(key=OTHER_KEY))


@pytest.mark.parametrize("garbage", ["", "a.b", "a.b.c", "e30.e30.", "x" * 5000])
def test_garbage_is_refused_not_raised(garbage):
    with pytest.raises(oidc.OidcError):
        check(garbage)
