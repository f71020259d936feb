"""JWT attacks on the signature (RFC 8725, OWASP JWT cheat sheet).

alg none, algorithm and key confusion, headers that point at a key, a changed payload or header.

How an attack is sent and what a rejection must look like: accounts/tests/attacks.py.
"""

import json
import time
from http import HTTPStatus

import pytest

from accounts.tests.attacks import (
    ACCESS_TARGETS,
    RSA_PUBLIC_KEY_PEM,
    TARGETS,
    assert_rejected,
    b64url,
    craft,
    expected_for,
    kind_of,
    send,
    signing_key,
)
from accounts.tests.helpers import sign

pytestmark = pytest.mark.django_db


class TestControl:
    """The same requests with the genuine tokens succeed, so the 401s below are the attacks'."""

    @pytest.mark.parametrize("target", TARGETS)
    def test_genuine_token_is_accepted(self, genuine, target):
        response = send(target, genuine[kind_of(target)])
        assert response.status_code == HTTPStatus.OK

    @pytest.mark.parametrize("target", ACCESS_TARGETS)
    def test_a_token_signed_here_by_hand_is_accepted(self, claims, target):
        """The crafting helper is faithful: the attacks differ only in what they change."""
        raw = craft({"alg": "HS256", "typ": "JWT"}, claims["access"], key=signing_key())
        assert send(target, raw).status_code == HTTPStatus.OK


class TestAlgorithm:
    @pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
    @pytest.mark.parametrize("target", TARGETS)
    def test_alg_none_is_rejected(self, claims, target, alg):
        raw = craft({"alg": alg, "typ": "JWT"}, claims[kind_of(target)])
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("target", TARGETS)
    def test_alg_none_with_the_genuine_signature_kept_is_rejected(self, genuine, target):
        _, payload, signature = genuine[kind_of(target)].split(".")
        raw = f"{b64url(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}.{signature}"
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("key", [b"", b"a-wrong-key-of-a-perfectly-reasonable-length-0123456789"])
    @pytest.mark.parametrize("target", TARGETS)
    def test_hs256_with_an_empty_or_wrong_key_is_rejected(self, claims, target, key):
        raw = craft({"alg": "HS256", "typ": "JWT"}, claims[kind_of(target)], key=key)
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("alg", ["RS256", "ES256", "PS256", "HS384", "HS512"])
    @pytest.mark.parametrize("target", TARGETS)
    def test_other_algorithms_signed_with_our_secret_are_rejected(self, claims, target, alg):
        """RS/HS confusion: our HMAC secret used as if it were the public key of ``alg``."""
        raw = craft({"alg": alg, "typ": "JWT"}, claims[kind_of(target)], key=signing_key())
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("target", TARGETS)
    def test_hs256_keyed_with_a_public_key_pem_is_rejected(self, claims, target):
        """The other direction of confusion: a public RSA key used as the HMAC secret."""
        raw = craft({"alg": "HS256", "typ": "JWT"}, claims[kind_of(target)], key=RSA_PUBLIC_KEY_PEM)
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize(
        "header",
        [
            {"kid": "../../../../dev/null"},
            {"kid": "' OR 1=1 --"},
            {"jku": "http://10.255.255.1/jwks.json"},
            {"x5u": "http://10.255.255.1/cert.pem"},
            {"jwk": {"kty": "oct", "k": b64url(b"attacker-key")}},
        ],
        ids=["kid-path", "kid-sql", "jku", "x5u", "jwk"],
    )
    @pytest.mark.parametrize("target", TARGETS)
    def test_key_pointing_headers_do_not_pick_the_key(self, claims, target, header):
        """Signed with the key the header points at: rejected, so the header picked nothing.

        The addresses do not answer: fetching them would also blow the time budget.
        """
        raw = craft({"alg": "HS256", "typ": "JWT", **header}, claims[kind_of(target)], key=b"attacker-key")
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("target", ACCESS_TARGETS)
    def test_key_pointing_headers_are_ignored_on_a_token_we_signed(self, claims, target):
        raw = sign(claims["access"], headers={"kid": "elsewhere", "jku": "http://10.255.255.1/jwks.json"})
        started = time.perf_counter()
        assert send(target, raw).status_code == HTTPStatus.OK
        assert time.perf_counter() - started < 1


class TestTampering:
    @pytest.mark.parametrize(
        "change",
        [{"user_id": 999999}, {"exp": 4102444800}, {"token_type": "access"}, {"ver": 99}],
        ids=["user_id", "exp", "token_type", "ver"],
    )
    @pytest.mark.parametrize("target", TARGETS)
    def test_a_changed_payload_with_the_original_signature(self, genuine, claims, target, change):
        kind = kind_of(target)
        header, _, signature = genuine[kind].split(".")
        payload = b64url(json.dumps({**claims[kind], **change}).encode())
        assert_rejected(lambda: send(target, f"{header}.{payload}.{signature}"), expected_for(target))

    @pytest.mark.parametrize("target", TARGETS)
    def test_a_changed_header_with_the_original_signature(self, genuine, target):
        _, payload, signature = genuine[kind_of(target)].split(".")
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "x"}).encode())
        assert_rejected(lambda: send(target, f"{header}.{payload}.{signature}"), expected_for(target))

    @pytest.mark.parametrize("target", TARGETS)
    def test_a_truncated_or_bit_flipped_signature(self, genuine, target):
        raw = genuine[kind_of(target)]
        flipped = raw[:-2] + ("A" if raw[-2] != "A" else "B") + raw[-1]
        for forged in (raw[:-1], flipped, raw + "A", raw.rsplit(".", 1)[0] + "."):
            assert_rejected(lambda forged=forged: send(target, forged), expected_for(target))
