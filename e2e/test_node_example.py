"""Another language verifies jwtsite's tokens and follows its revocations: docs/examples/node-resource-server.

The set-up installs the example's npm packages (``npm ci``, skipped when the
installed ones match its lock file) and starts it beside a jwtsite auth server
(RS256, a database of its own). Without ``node`` or ``npm`` the tests skip,
saying why; with ``CI`` set they fail instead.
"""

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness import npm, reach
from harness.node_client import run_client
from harness.servers import REPO, Client, Gunicorn, free_port

pytestmark = pytest.mark.e2e

EXAMPLE = REPO / "docs" / "examples" / "node-resource-server"
LOG_DIR = Path(__file__).resolve().parent / "artifacts" / "node"
FEED_KEY = secrets.token_urlsafe(32)
DPOP_IAT_WINDOW = 3  # seconds: the DPoP client's stale proof waits past it


WHAT = "the Node example"


@dataclass
class NodeServer:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[tuple[Gunicorn, NodeServer, bytes]]:
    node = npm.node(what=WHAT)
    npm.npm_ci(EXAMPLE, what=WHAT)
    tmp = tmp_path_factory.mktemp("node-example")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp / "private.pem").write_bytes(private_pem)
    env = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JWT_COOKIE_SECURE": "0",
        "CACHE_URL": "locmemcache://",
        "DATABASE_URL": reach.migrated_sqlite(tmp / "auth.sqlite3"),
        "JWT_ALGORITHM": "RS256",
        "JWT_PRIVATE_KEY": str(tmp / "private.pem"),
        "JWT_ISSUER": "http://jwtsite.test",
        "JWT_AUDIENCE": "http://api.test",
        "REVOCATION_FEED_KEY": FEED_KEY,
    }
    with Gunicorn(env=env, log_path=LOG_DIR / "auth.log", workers=1) as auth:
        port = free_port()
        log_path = LOG_DIR / "node.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [node, "server.js"],
                cwd=EXAMPLE,
                env={
                    "PATH": os.environ.get("PATH", ""),
                    "HOST": "127.0.0.1",
                    "PORT": str(port),
                    "JWKS_URL": f"{auth.url}/.well-known/jwks.json",
                    "REVOCATION_FEED_URL": f"{auth.url}/api/auth/revocations/",
                    "REVOCATION_FEED_KEY": FEED_KEY,
                    "JWT_ISSUER": env["JWT_ISSUER"],
                    "JWT_AUDIENCE": env["JWT_AUDIENCE"],
                    "DPOP_IAT_WINDOW": str(DPOP_IAT_WINDOW),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = NodeServer(process=process, port=port, log_path=log_path)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if Client(server.url).get("/healthz").json()["status"] == "ok":
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Node example did not start:\n{server.log()}")
                time.sleep(0.1)
            yield auth, server, private_pem
        finally:
            process.terminate()
            process.wait(10)


def test_a_jwtsite_token_is_accepted_then_refused_within_a_second_of_logout(servers):
    auth, node, _ = servers
    credentials = reach.new_account(auth.url)
    pair = reach.token_pair(auth.url, credentials)
    claims = jwt.decode(pair["access"], options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == ("http://jwtsite.test", "http://api.test")

    response = Client(node.url).get(reach.ME, headers=reach.bearer(pair["access"]))
    assert response.status == HTTPStatus.OK, response.body
    assert response.json() == {"id": claims["user_id"], "sub": str(claims["user_id"]), "session": claims["sid"]}
    cookie = Client(node.url).get(reach.ME, cookies={"access_token": pair["access"]})
    assert cookie.status == HTTPStatus.OK, cookie.body

    started = time.monotonic()
    assert Client(auth.url).post(reach.BLACKLIST, {"refresh": pair["refresh"]}, cookies={}).status == 204
    refused_after = time.monotonic() - started + reach.wait_for_status(node.url, pair["access"], 401)
    assert refused_after <= 1.0
    refused = Client(node.url).get(reach.ME, headers=reach.bearer(pair["access"]))
    assert refused.json() == {"detail": "Token has been revoked.", "code": "token_revoked"}


def test_logout_everywhere_refuses_every_token_of_the_user(servers):
    auth, node, _ = servers
    credentials = reach.new_account(auth.url)
    pairs = [reach.token_pair(auth.url, credentials) for _ in range(2)]
    browser = Client(auth.url)
    browser.get("/api/auth/csrf/")
    started = time.monotonic()
    response = browser.post("/api/auth/logout-all/", headers=reach.bearer(pairs[0]["access"]), csrf=True)
    assert response.status == HTTPStatus.NO_CONTENT, response.body
    for pair in pairs:
        reach.wait_for_status(node.url, pair["access"], 401)
    assert time.monotonic() - started <= 1.0
    fresh = reach.token_pair(auth.url, credentials)
    assert Client(node.url).get(reach.ME, headers=reach.bearer(fresh["access"])).status == HTTPStatus.OK


FORGERIES = ["hs256", "tampered payload", "another issuer", "another audience", "refresh token", "alg none", "expired"]


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_and_foreign_tokens_are_refused(servers, forgery):
    auth, node, private_pem = servers
    pair = reach.token_pair(auth.url, reach.new_account(auth.url))
    claims = jwt.decode(pair["access"], options={"verify_signature": False})
    kid = jwt.get_unverified_header(pair["access"])["kid"]

    def signed(**changes) -> str:
        return jwt.encode({**claims, **changes}, private_pem, algorithm="RS256", headers={"kid": kid})

    assert Client(node.url).get(reach.ME, headers=reach.bearer(signed())).status == HTTPStatus.OK  # the control
    if forgery == "hs256":
        token = jwt.encode(claims, "a-guessed-secret-of-a-reasonable-length-0123456789", algorithm="HS256")
    elif forgery == "tampered payload":
        header, _, signature = pair["access"].split(".")
        payload = jwt.utils.base64url_encode(jwt.utils.force_bytes(jwt.api_jwt.json.dumps({**claims, "user_id": 1})))
        token = f"{header}.{payload.decode()}.{signature}"
    elif forgery == "another issuer":
        token = signed(iss="http://evil.test")
    elif forgery == "another audience":
        token = signed(aud="http://other-api.test")
    elif forgery == "refresh token":
        token = pair["refresh"]
    elif forgery == "alg none":
        token = jwt.encode(claims, None, algorithm="none")
    else:
        token = signed(exp=claims["iat"] - 60)
    response = Client(node.url).get(reach.ME, headers=reach.bearer(token))
    assert response.status == HTTPStatus.UNAUTHORIZED, response.body
    assert response.json()["code"] == "token_not_valid"
    assert response.header("WWW-Authenticate") == 'Bearer realm="api"'


# The DPoP client's steps (harness/node_client.py) that a thief takes, and RFC 9449's error for each.
DPOP_ATTACKS = {
    "no_proof": "invalid_dpop_proof",
    "as_bearer": "invalid_token",
    "other_key": "invalid_dpop_proof",
    "wrong_htu": "invalid_dpop_proof",
    "wrong_htm": "invalid_dpop_proof",
    "stale_iat": "invalid_dpop_proof",
    "no_ath": "invalid_dpop_proof",
    "wrong_ath": "invalid_dpop_proof",
}


def test_dpop_bound_tokens_are_accepted_only_with_a_proof_of_their_key(servers):
    auth, node, _ = servers
    story = run_client(auth.url, reach.new_account(auth.url), resource_url=node.url, stale_wait=DPOP_IAT_WINDOW + 1.5)
    assert story["obtain"]["token_type"] == "DPoP", story["obtain"]
    for step in ("me", "replay_original", "me_after_refresh"):
        assert story[step]["status"] == HTTPStatus.OK, (step, story[step])
    answers = {step: story[step] for step in DPOP_ATTACKS} | {
        f"replayed {n}": a for n, a in enumerate(story["replayed"])
    }
    for step, answer in answers.items():
        error = DPOP_ATTACKS.get(step, "invalid_dpop_proof")
        assert (answer["status"], answer["code"]) == (HTTPStatus.UNAUTHORIZED, error), (step, answer)
        assert answer["www_authenticate"].startswith(f'DPoP error="{error}"'), (step, answer)
