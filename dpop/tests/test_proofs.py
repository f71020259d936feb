"""Each check of RFC 9449 section 4.3 on a real proof, tried to be broken one at a time (dpop/proofs.py)."""

import base64
import json
import time

import jwt
import pytest

from dpop import proofs
from dpop.tests.keys import DPoPKey, ath

URI = "https://api.example.com/api/me/"
NOW = 1_900_000_000


def verify(raw: str, *, method: str = "GET", uri: str = URI, access_token: str | None = None, now: float = NOW):
    return proofs.verify(
        raw,
        method=method,
        uri=uri,
        now=now,
        algorithms=("ES256", "RS256", "PS256", "EdDSA", "Ed25519"),
        max_age=60,
        leeway=5,
        access_token=access_token,
    )


def proof(key: DPoPKey, **claims) -> str:
    return key.proof(claims.pop("htm", "GET"), claims.pop("htu", URI), iat=claims.pop("iat", NOW), **claims)


def refused(raw: str, **kwargs) -> str:
    with pytest.raises(proofs.InvalidProof) as caught:
        verify(raw, **kwargs)
    return caught.value.description


@pytest.mark.parametrize("algorithm", ["ES256", "RS256", "PS256", "EdDSA", "Ed25519"])
def test_a_good_proof_names_its_key(algorithm):
    key = DPoPKey(algorithm)
    checked = verify(proof(key, jti="one"))
    assert (checked.jkt, checked.jwk, checked.jti, checked.iat) == (key.jkt, key.jwk, "one", NOW)


def test_the_thumbprint_is_rfc_7638s():
    # RFC 7638 section 3.1's example key and thumbprint.
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjB"
            "ZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8"
            "KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_"
            "xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        ),
    }
    assert proofs.thumbprint(proofs.public_jwk(jwk, "RS256")) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_query_and_fragment_are_ignored_and_the_uri_normalised():
    key = DPoPKey()
    assert verify(proof(key, htu="HTTPS://API.example.com:443/api/me/?page=2#top"))
    assert verify(proof(key), uri="https://api.example.com/api/%6De/?x=1")


@pytest.mark.parametrize(
    "htu",
    ["http://api.example.com/api/me/", "https://api.example.com:8443/api/me/", "https://api.example.com/api/me", 42],
    ids=["another scheme", "another port", "another path", "not a string"],
)
def test_another_uri_is_refused(htu):
    assert "htu" in refused(proof(DPoPKey(), htu=htu))


def test_another_method_is_refused():
    assert "htm" in refused(proof(DPoPKey(), htm="get"))
    assert "htm" in refused(proof(DPoPKey()), method="POST")


@pytest.mark.parametrize("iat", [NOW - 61, NOW + 6, "1900000000", None, True], ids=str)
def test_an_iat_outside_the_window_or_missing_is_refused(iat):
    assert "iat" in refused(proof(DPoPKey(), iat=iat))


def test_the_window_edges_pass():
    key = DPoPKey()
    assert verify(proof(key, iat=NOW - 60))
    assert verify(proof(key, iat=NOW + 5))


@pytest.mark.parametrize("jti", [None, "", 7, "x" * 257], ids=["none", "empty", "number", "too long"])
def test_a_missing_or_odd_jti_is_refused(jti):
    assert "jti" in refused(proof(DPoPKey(), jti=jti))


def test_ath_must_be_the_hash_of_the_presented_token():
    key = DPoPKey()
    assert verify(proof(key, ath=ath("the-token")), access_token="the-token")
    assert "ath" in refused(proof(key), access_token="the-token")
    assert "ath" in refused(proof(key, ath=ath("another-token")), access_token="the-token")


def test_the_type_must_be_dpop_jwt():
    assert "typ" in refused(proof(DPoPKey(), headers={"typ": "JWT"}))


def test_a_symmetric_or_no_algorithm_is_refused():
    payload = {"jti": "x", "htm": "GET", "htu": URI, "iat": NOW}
    hs256 = jwt.encode(payload, "a-shared-secret-of-thirty-two-bytes!", "HS256", headers={"typ": "dpop+jwt"})
    none = jwt.encode(payload, None, "none", headers={"typ": "dpop+jwt"})
    assert "alg" in refused(hs256)
    refused(none)  # no signature at all: not even read as a proof


def test_an_algorithm_the_server_does_not_accept_is_refused():
    with pytest.raises(proofs.InvalidProof):
        proofs.verify(proof(DPoPKey()), method="GET", uri=URI, now=NOW, algorithms=("RS256",), max_age=60, leeway=5)


def test_a_private_key_in_the_header_is_refused():
    key = DPoPKey()
    private = jwt.algorithms.ECAlgorithm.to_jwk(key.private, as_dict=True)
    assert "public" in refused(proof(key, headers={"jwk": private}))


def test_a_key_of_another_type_than_the_algorithm_is_refused():
    key = DPoPKey()
    rsa_jwk = DPoPKey("RS256").jwk
    assert "alg" in refused(proof(key, headers={"jwk": rsa_jwk}))


def test_a_signature_by_another_key_than_the_header_names_is_refused():
    signer, named = DPoPKey(), DPoPKey()
    assert "signature" in refused(proof(signer, headers={"jwk": named.jwk}))


def test_a_tampered_payload_is_refused():
    header, _, signature = proof(DPoPKey()).split(".")
    forged = {"jti": "x", "htm": "POST", "htu": URI, "iat": NOW}
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert "signature" in refused(f"{header}.{payload}.{signature}")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not-a-jwt",
        "a.b.c",
        "x" * 9000,
        f"{b64(b'[' * 3000)}.{b64(b'{}')}.c2ln",
        f"{b64(bytes([255, 254]))}.e30.c2ln",
    ],
    ids=["empty", "one part", "junk", "huge", "deep JSON", "not UTF-8"],
)
def test_junk_is_refused(raw):
    refused(raw)


def test_two_proofs_in_one_header_are_refused():
    key = DPoPKey()
    assert "exactly one" in refused(f"{proof(key)}, {proof(key)}")


def test_the_real_clock_is_not_needed():
    assert verify(proof(DPoPKey(), iat=int(time.time())), now=time.time())
