"""A small OpenID provider on loopback for the unit and API tests: real HTTP, keys of our own, no network.

It serves discovery, a JWKS, a token endpoint that checks the client's
credentials, the PKCE verifier, the redirect URI and single use of each
code, and a UserInfo endpoint. ``authorize(url, ...)`` plays the user
signing in: it reads the authorization URL our site built and returns the
callback's query (``code``, ``state``). What the ID token says can be bent
per test (``id_token_overrides``, ``sign_with``) to try the checks.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "jwtsite-test"
CLIENT_SECRET = "test-secret"


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


# One key per test run: generating RSA keys is slow.
KEY = new_key("fake-1")
OTHER_KEY = new_key("fake-2")


class FakeProvider:
    def __init__(self) -> None:
        self.key = KEY
        self.codes: dict[str, dict] = {}
        self.used_codes: set[str] = set()
        self.access_tokens: dict[str, dict] = {}
        self.id_token_overrides: dict = {}
        self.sign_with: RSAKey | None = None
        self.userinfo_claims: dict | None = None
        self.requests: list[str] = []
        self.codes_reusable = False  # a sloppy provider: a code works twice
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def config(self, provider_id: str = "acme", name: str = "Acme") -> dict:
        return {
            "id": provider_id,
            "name": name,
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }

    def start(self) -> "FakeProvider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def authorize(self, url: str, *, sub: str = "alice-at-acme", **claims) -> dict:
        """The user signs in at the provider: the callback's query parameters for the authorization URL ``url``."""
        query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        assert query["client_id"] == CLIENT_ID
        assert "openid" in query["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "sub": sub,
            "nonce": query["nonce"],
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
            "claims": claims,
        }
        return {"code": code, "state": query["state"]}

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": grant["sub"],
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["claims"],
            **self.id_token_overrides,
        }
        claims = {key: value for key, value in claims.items() if value is not None}
        key = self.sign_with or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                provider.requests.append(path)
                if path == "/.well-known/openid-configuration":
                    issuer = provider.issuer
                    self.answer(
                        200,
                        {
                            "issuer": issuer,
                            "authorization_endpoint": f"{issuer}/authorize",
                            "token_endpoint": f"{issuer}/token",
                            "userinfo_endpoint": f"{issuer}/userinfo",
                            "jwks_uri": f"{issuer}/jwks",
                            "id_token_signing_alg_values_supported": ["RS256"],
                        },
                    )
                elif path == "/jwks":
                    self.answer(200, KeySet([provider.key]).as_dict(private=False))
                elif path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    grant = provider.access_tokens.get(token)
                    if grant is None:
                        self.answer(401, {"error": "invalid_token"})
                    else:
                        self.answer(200, provider.userinfo_claims or {"sub": grant["sub"], **grant["claims"]})
                else:
                    self.answer(404, {"error": "not_found"})

            def do_POST(self) -> None:
                provider.requests.append(urlsplit(self.path).path)
                length = int(self.headers.get("Content-Length", 0))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self.answer(401, {"error": "invalid_client"})
                    return
                code = form.get("code", "")
                grant = provider.codes.get(code)
                if grant is None or (code in provider.used_codes and not provider.codes_reusable):
                    self.answer(400, {"error": "invalid_grant", "error_description": "code used or unknown"})
                    return
                provider.used_codes.add(code)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if challenge != grant["challenge"] or form.get("redirect_uri") != grant["redirect_uri"]:
                    self.answer(400, {"error": "invalid_grant", "error_description": "PKCE or redirect_uri"})
                    return
                access = secrets.token_urlsafe(16)
                provider.access_tokens[access] = grant
                self.answer(
                    200,
                    {
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": provider.id_token(grant),
                    },
                )

        return Handler
