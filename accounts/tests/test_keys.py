"""RS256/ES256 key pairs, the JWKS document, key rotation and verifying-only servers."""

import base64
import hashlib
import hmac
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

ME_URL = reverse("accounts:me")
TOKEN_URL = reverse("accounts:token")
JWKS_URL = reverse("jwks")


def private_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def old_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def rs256(settings, rsa_key):
    settings.JWT_ALGORITHM = "RS256"
    settings.JWT_PRIVATE_KEY = private_pem(rsa_key)
    return settings


def obtain(api_client, user) -> dict:
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class TestAsymmetric:
    def test_rs256_tokens_name_their_key_and_verify(self, rs256, api_client, user):
        pair = obtain(api_client, user)
        header = jwt.get_unverified_header(pair["access"])
        assert header["alg"] == "RS256"
        jwks = api_client.get(JWKS_URL).json()
        assert [key["kid"] for key in jwks["keys"]] == [header["kid"]]
        assert api_client.get(ME_URL, **bearer(pair["access"])).json()["id"] == user.pk

    def test_es256_works_too(self, settings, api_client, user):
        settings.JWT_ALGORITHM = "ES256"
        settings.JWT_PRIVATE_KEY = private_pem(ec.generate_private_key(ec.SECP256R1()))
        pair = obtain(api_client, user)
        assert jwt.get_unverified_header(pair["access"])["alg"] == "ES256"
        assert api_client.get(ME_URL, **bearer(pair["access"])).status_code == HTTPStatus.OK
        assert api_client.get(JWKS_URL).json()["keys"][0]["crv"] == "P-256"

    def test_jwks_publishes_public_keys_only(self, rs256, api_client):
        response = api_client.get(JWKS_URL)
        assert response.status_code == HTTPStatus.OK
        (key,) = response.json()["keys"]
        assert set(key) == {"kty", "n", "e", "kid", "use", "alg"}
        assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
        assert "public" in response.headers["Cache-Control"]

    def test_jwks_is_empty_with_a_shared_secret(self, api_client):
        assert api_client.get(JWKS_URL).json() == {"keys": []}

    def test_a_token_of_the_previous_key_still_verifies_during_a_rotation(
        self, rs256, api_client, user, old_rsa_key, tmp_path
    ):
        rs256.JWT_PRIVATE_KEY = private_pem(old_rsa_key)
        old_pair = obtain(api_client, user)
        rs256.JWT_PRIVATE_KEY = private_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        rs256.JWT_PREVIOUS_PUBLIC_KEYS = [public_pem(old_rsa_key)]
        assert len(api_client.get(JWKS_URL).json()["keys"]) == 2
        assert api_client.get(ME_URL, **bearer(old_pair["access"])).status_code == HTTPStatus.OK
        rs256.JWT_PREVIOUS_PUBLIC_KEYS = []
        response = api_client.get(ME_URL, **bearer(old_pair["access"]))
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "token_not_valid"

    def test_an_hs256_token_keyed_with_the_public_key_is_refused(self, rs256, api_client, user, rsa_key):
        """Algorithm confusion: the public key used as an HMAC secret (PyJWT will not sign it; we do by hand)."""
        kid = jwt.get_unverified_header(obtain(api_client, user)["access"])["kid"]
        claims = {"token_type": "access", "exp": 9999999999, "jti": "x", "user_id": user.pk, "sid": "s", "ver": 0}
        signing_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': kid}))}.{b64(json.dumps(claims))}"
        mac = hmac.new(public_pem(rsa_key).encode(), signing_input.encode(), hashlib.sha256).digest()
        forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
        response = api_client.get(ME_URL, **bearer(forged))
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == "token_not_valid"


class TestVerifyingOnlyServer:
    @pytest.fixture
    def issued(self, rs256, api_client, user) -> dict:
        return obtain(api_client, user)

    def test_with_the_public_key_it_serves_the_api_but_issues_nothing(self, issued, settings, rsa_key, browser, user):
        settings.JWT_PRIVATE_KEY = ""
        settings.JWT_PUBLIC_KEY = public_pem(rsa_key)
        assert browser.get(ME_URL, **bearer(issued["access"])).json()["id"] == user.pk
        assert browser.get("/api/posts/", **bearer(issued["access"])).status_code == HTTPStatus.OK
        for url, payload in [
            (reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}),
            (TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}),
            (reverse("accounts:token-refresh"), {"refresh": issued["refresh"]}),
            (reverse("accounts:refresh"), {}),
        ]:
            response = browser.post(url, payload, format="json")
            assert response.status_code == HTTPStatus.NOT_IMPLEMENTED, url
            assert response.json() == {
                "detail": "This server only verifies tokens (it has no JWT_PRIVATE_KEY); "
                "log in and refresh at the auth server.",
                "code": "verifying_only_server",
            }

    def test_with_a_jwks_url_it_fetches_the_keys(self, issued, settings, api_client, user):
        document = json.dumps(api_client.get(JWKS_URL).json()).encode()

        class JwksHandler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            settings.JWT_PRIVATE_KEY = ""
            settings.JWKS_URL = f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
            assert api_client.get(ME_URL, **bearer(issued["access"])).json()["id"] == user.pk
        finally:
            server.shutdown()
            server.server_close()
