"""DPoP against live servers, with a real client library (e2e/dpop_client: panva's npm ``dpop``).

The client signs in with a proof, calls ``/api/me/`` with its bound token and
refreshes; between those steps it tries what a thief with a copy of the tokens
but not the private key would: the token without a proof, as Bearer, with a
proof of another key, a replayed proof (six times, against two workers: the
``jti`` cache is shared), a proof of another URI or method, a stale one, one
without or with the wrong ``ath``, a refresh without the key or with another.
Each is refused with RFC 9449's error. Three deployments: one server; one with
server nonces (``DPOP_NONCE``: the client retries with ``DPoP-Nonce``); an auth
server and a verifying-only server (RS256, JWKS, its own database and the
revocation feed) that checks the bound tokens on its own.
"""

import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from http import HTTPStatus
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness import reach
from harness.node_client import run_client
from harness.servers import Gunicorn

pytestmark = pytest.mark.e2e

LOG_DIR = Path(__file__).resolve().parent / "artifacts" / "dpop"
IAT_WINDOW = 3  # seconds: the stale proof waits past it
STALE_WAIT = IAT_WINDOW + 1.5
FEED_KEY = secrets.token_urlsafe(32)
DEPLOYMENTS = ["one server", "nonces", "verifying-only server"]


def site_env(tmp: Path, name: str, **extra: str) -> dict[str, str | None]:
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JWT_COOKIE_SECURE": "0",
        "DATABASE_URL": reach.migrated_sqlite(tmp / f"{name}.sqlite3"),
        "CACHE_URL": None,  # the embedded shared cache: one jti store for both workers
        "DPOP_IAT_WINDOW": str(IAT_WINDOW),
        **extra,
    }


@pytest.fixture(scope="module", params=DEPLOYMENTS)
def story(request, tmp_path_factory) -> Iterator[dict]:
    """The client's report on one deployment, with the auth server's URL (``auth``)."""
    tmp = tmp_path_factory.mktemp("dpop")
    with ExitStack() as stack:
        if request.param == "verifying-only server":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            (tmp / "private.pem").write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
            auth = stack.enter_context(
                Gunicorn(
                    env=site_env(
                        tmp,
                        "auth",
                        JWT_ALGORITHM="RS256",
                        JWT_PRIVATE_KEY=str(tmp / "private.pem"),
                        REVOCATION_FEED_KEY=FEED_KEY,
                    ),
                    log_path=LOG_DIR / "auth.log",
                    workers=1,
                )
            )
            resource = stack.enter_context(
                Gunicorn(
                    env=site_env(
                        tmp,
                        "verifier",
                        JWT_ALGORITHM="RS256",
                        JWKS_URL=f"{auth.url}/.well-known/jwks.json",
                        REVOCATION_FEED_URL=f"{auth.url}/api/auth/revocations/",
                        REVOCATION_FEED_KEY=FEED_KEY,
                    ),
                    log_path=LOG_DIR / "verifier.log",
                )
            )
        else:
            nonces = {"DPOP_NONCE": "1"} if request.param == "nonces" else {}
            auth = resource = stack.enter_context(
                Gunicorn(env=site_env(tmp, "site", **nonces), log_path=LOG_DIR / f"{request.param}.log")
            )
        credentials = reach.new_account(auth.url)
        report = run_client(auth.url, credentials, resource_url=resource.url, stale_wait=STALE_WAIT)
        yield {**report, "deployment": request.param, "username": credentials["username"]}


def assert_refused(answer: dict, error: str) -> None:
    assert answer["status"] == HTTPStatus.UNAUTHORIZED, answer
    assert answer["code"] == error, answer
    assert answer["www_authenticate"].startswith(f'DPoP error="{error}", error_description="'), answer


def test_the_client_gets_tokens_bound_to_its_key_and_uses_them(story):
    obtained = story["obtain"]
    assert obtained["status"] == HTTPStatus.OK, obtained
    assert obtained["token_type"] == "DPoP"
    for token in (obtained["body"]["access"], obtained["body"]["refresh"]):
        assert jwt.decode(token, options={"verify_signature": False})["cnf"] == {"jkt": story["jkt"]}
    assert story["me"]["status"] == HTTPStatus.OK, story["me"]
    user_id = jwt.decode(obtained["body"]["access"], options={"verify_signature": False})["user_id"]
    assert story["me"]["body"]["id"] == user_id  # a verifying-only server knows the user by the token alone
    if story["deployment"] == "nonces":
        assert obtained["dpop_nonce"]  # the client was asked for one, and came back with it


def test_the_client_refreshes_with_its_key_and_goes_on(story):
    assert story["refresh"]["status"] == HTTPStatus.OK, story["refresh"]
    assert story["refresh"]["token_type"] == "DPoP"
    assert story["me_after_refresh"]["status"] == HTTPStatus.OK, story["me_after_refresh"]


def test_the_copied_access_token_is_useless_without_the_key(story):
    assert_refused(story["no_proof"], "invalid_dpop_proof")
    assert_refused(story["as_bearer"], "invalid_token")
    assert_refused(story["other_key"], "invalid_dpop_proof")


def test_a_seen_proof_cannot_be_replayed_on_any_worker(story):
    assert story["replay_original"]["status"] == HTTPStatus.OK, story["replay_original"]
    assert len(story["replayed"]) == 6
    for answer in story["replayed"]:
        assert_refused(answer, "invalid_dpop_proof")


@pytest.mark.parametrize("step", ["wrong_htu", "wrong_htm", "stale_iat", "no_ath", "wrong_ath"])
def test_a_proof_of_another_request_is_refused(story, step):
    assert_refused(story[step], "invalid_dpop_proof")


def test_the_copied_refresh_token_is_useless_without_the_key(story):
    assert_refused(story["refresh_no_proof"], "invalid_dpop_proof")
    assert_refused(story["refresh_other_key"], "invalid_dpop_proof")
