"""An auth server and verifying-only servers side by side (RS256 + JWKS).

The auth server holds the private key; one verifying server reads the public
key from a file, another fetches it from the auth server's JWKS document. Both
verifying servers share the auth server's database, so they also see
revocations at once; neither can issue tokens. Runs on PostgreSQL + Redis,
like the scale-out test (skipped without them, failing with ``CI`` set).
"""

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.servers import Client, Gunicorn, flush_redis_db, redis_url, require_services, throwaway_database

pytestmark = pytest.mark.e2e

LOG_DIR = Path(__file__).resolve().parent / "artifacts" / "auth-server"
VERIFYING_ONLY = "verifying_only_server"


@dataclass
class Servers:
    auth: Gunicorn
    by_public_key: Gunicorn
    by_jwks: Gunicorn


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[Servers]:
    require_services("auth-server test")
    keys = tmp_path_factory.mktemp("keys")
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (keys / "private.pem").write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (keys / "public.pem").write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with throwaway_database(f"jwtsite_authserver_{os.getpid()}") as database_url:
        flush_redis_db()
        common = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": database_url,
            "CACHE_URL": redis_url(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "JWT_COOKIE_SECURE": "0",
            "JWT_ALGORITHM": "RS256",
        }
        with (
            Gunicorn(
                env={**common, "JWT_PRIVATE_KEY": str(keys / "private.pem")}, log_path=LOG_DIR / "auth.log"
            ) as auth,
            Gunicorn(
                env={**common, "JWT_PUBLIC_KEY": str(keys / "public.pem")}, log_path=LOG_DIR / "public-key.log"
            ) as by_public_key,
            Gunicorn(
                env={**common, "JWKS_URL": f"{auth.url}/.well-known/jwks.json"}, log_path=LOG_DIR / "jwks.log"
            ) as by_jwks,
        ):
            yield Servers(auth=auth, by_public_key=by_public_key, by_jwks=by_jwks)
        flush_redis_db()


def register_and_obtain(auth: Gunicorn) -> dict[str, str]:
    client = Client(auth.url)
    client.get("/api/auth/csrf/")
    username, password = f"user-{secrets.token_hex(4)}", f"auth-server-{secrets.token_urlsafe(12)}"
    response = client.post("/api/auth/register/", {"username": username, "password": password}, csrf=True)
    assert response.status == HTTPStatus.CREATED, response.body
    response = Client(auth.url).post("/api/token/", {"username": username, "password": password})
    assert response.status == HTTPStatus.OK, response.body
    return {"username": username, "password": password, **response.json()}


def bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def test_tokens_from_the_auth_server_are_honoured_by_verifying_servers(servers):
    issued = register_and_obtain(servers.auth)
    header = jwt.get_unverified_header(issued["access"])
    jwks = Client(servers.auth.url).get("/.well-known/jwks.json").json()
    assert (header["alg"], [key["kid"] for key in jwks["keys"]]) == ("RS256", [header["kid"]])
    for server in (servers.by_public_key, servers.by_jwks):
        client = Client(server.url)
        me = client.get("/api/me/", headers=bearer(issued["access"]))
        assert me.status == HTTPStatus.OK, (server.url, me.body)
        assert me.json()["username"] == issued["username"]
        post = client.post("/api/posts/", {"title": "from a verifying server"}, headers=bearer(issued["access"]))
        assert post.status == HTTPStatus.CREATED, post.body


def test_verifying_servers_refuse_to_issue_tokens_and_say_why(servers):
    issued = register_and_obtain(servers.auth)
    for server in (servers.by_public_key, servers.by_jwks):
        client = Client(server.url)
        client.get("/api/auth/csrf/")
        attempts = [
            client.post("/api/token/", {"username": issued["username"], "password": issued["password"]}),
            client.post("/api/token/refresh/", {"refresh": issued["refresh"]}),
            client.post(
                "/api/auth/login/", {"username": issued["username"], "password": issued["password"]}, csrf=True
            ),
        ]
        for response in attempts:
            assert response.status == HTTPStatus.NOT_IMPLEMENTED, response.body
            assert response.json()["code"] == VERIFYING_ONLY
            assert "JWT_PRIVATE_KEY" in response.json()["detail"]


def test_a_forged_hs256_token_is_refused_everywhere(servers):
    issued = register_and_obtain(servers.auth)
    claims = jwt.decode(issued["access"], options={"verify_signature": False})
    forged = jwt.encode(claims, "a-guessed-shared-secret-of-sufficient-length", algorithm="HS256")
    for server in (servers.auth, servers.by_public_key, servers.by_jwks):
        response = Client(server.url).get("/api/me/", headers=bearer(forged))
        assert response.status == HTTPStatus.UNAUTHORIZED, response.body


def test_logout_everywhere_on_the_auth_server_reaches_verifying_servers_sharing_its_database(servers):
    issued = register_and_obtain(servers.auth)
    browser = Client(servers.auth.url)
    browser.get("/api/auth/csrf/")
    response = browser.post("/api/auth/logout-all/", headers=bearer(issued["access"]), csrf=True)
    assert response.status == HTTPStatus.NO_CONTENT, response.body
    for server in (servers.by_public_key, servers.by_jwks):
        response = Client(server.url).get("/api/me/", headers=bearer(issued["access"]))
        assert response.status == HTTPStatus.UNAUTHORIZED, response.body
        assert response.json()["code"] == "token_revoked"
