"""Forging and sending tokens for the JWT attack tests (test_attacks_*.py): each attack is a clean, fast 401.

Every attack goes through the real HTTP stack against the endpoints that read
tokens: access tokens as ``Authorization: Bearer`` and as the access cookie
(``GET /api/me/``), refresh tokens as the refresh cookie
(``POST /api/auth/refresh/``) and in the body of ``POST /api/token/refresh/``.
A rejection must be a 401 with ``WWW-Authenticate`` and the JSON error shape,
never a 5xx, and cost under 50 ms of server time. The test client runs the
server in-process, in this thread: server time is the thread's CPU time over
the request (the best of up to three tries), which other processes on a busy CI
machine cannot inflate; wall time is held to a looser bound, so a request that
waits on something (a key fetched from a ``jku`` address) fails too.
"""

import base64
import hashlib
import hmac
import json
import time
from http import HTTPStatus

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import conf
from conftest import BrowserClient

ME_URL = reverse("accounts:me")


REFRESH_URL = reverse("accounts:refresh")


TOKEN_REFRESH_URL = reverse("accounts:token-refresh")


ACCESS_TARGETS = ["bearer", "access_cookie"]


REFRESH_TARGETS = ["refresh_cookie", "refresh_body"]


TARGETS = ACCESS_TARGETS + REFRESH_TARGETS


ACCESS_REJECTED = {"detail": "Given token not valid for any token type", "code": "token_not_valid"}


REFRESH_REJECTED = {"detail": "Refresh token is invalid or expired.", "code": "token_not_valid"}


USER_NOT_FOUND = {"detail": "User not found", "code": "user_not_found"}


MAX_SERVER_SECONDS = 0.050


MAX_WALL_SECONDS = 0.5


# A made-up RSA public key, as an attacker would find one in a JWKS document.
RSA_PUBLIC_KEY_PEM = b"""-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo
4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u
+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh
kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ
0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg
cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc
mwIDAQAB
-----END PUBLIC KEY-----
"""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def craft(header: dict, payload: dict | str, key: bytes | None = None) -> str:
    """A JWT built by hand: PyJWT refuses to make most of these.

    ``payload`` may be raw JSON text. With ``key`` the signature is
    HMAC-SHA256 over the first two parts, whatever ``alg`` says; without one
    it is empty.
    """
    parts = (json.dumps(header), payload if isinstance(payload, str) else json.dumps(payload))
    signing_input = ".".join(b64url(part.encode()) for part in parts)
    signature = b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def signing_key() -> bytes:

    return conf.JWT_SIGNING_KEY.encode()


def timed(call):
    """Runs one request; its response carries ``seconds`` (server CPU time) and ``wall_seconds``."""
    started, started_wall = time.thread_time(), time.perf_counter()
    response = call()
    response.seconds = time.thread_time() - started
    response.wall_seconds = time.perf_counter() - started_wall
    return response


def warm(client):
    """A client whose first request is done: building its middleware chain is no server time."""
    client.get("/healthz")
    return client


def send(target: str, raw: str):
    """Presents ``raw`` the way ``target`` names, from a client that holds nothing else."""
    if target == "bearer":
        client = warm(APIClient())
        return timed(lambda: client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {raw}"))
    if target == "access_cookie":
        client = warm(APIClient())
        client.cookies[conf.access_cookie_name()] = raw
        return timed(lambda: client.get(ME_URL))
    if target == "refresh_cookie":
        client = BrowserClient()
        client.csrf_token()
        client.cookies[conf.refresh_cookie_name()] = raw
        return timed(lambda: client.post(REFRESH_URL))
    if target == "refresh_body":
        client = warm(APIClient())
        return timed(lambda: client.post(TOKEN_REFRESH_URL, {"refresh": raw}, format="json"))
    raise AssertionError(target)


def assert_rejected(send_once, expected: dict | None = None) -> dict:
    """Sends up to three times; each is a JSON 401 with ``WWW-Authenticate``, the fastest under 50 ms.

    ``send_once`` returns a response from ``timed``, so setting up the client
    is not counted. Another try is sent only while none has met both bounds.
    """
    best = best_wall = float("inf")
    for _ in range(3):
        if best < MAX_SERVER_SECONDS and best_wall < MAX_WALL_SECONDS:
            break
        response = send_once()
        best, best_wall = min(best, response.seconds), min(best_wall, response.wall_seconds)
        assert response.status_code == HTTPStatus.UNAUTHORIZED, response.content[:500]
        assert response["Content-Type"] == "application/json"
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        body = response.json()
        assert set(body) == {"detail", "code"}
        assert all(isinstance(value, str) for value in body.values())
        if expected is not None:
            assert body == expected
    assert best < MAX_SERVER_SECONDS, f"{best * 1000:.1f} ms of server time"
    assert best_wall < MAX_WALL_SECONDS, f"{best_wall * 1000:.1f} ms of wall time"
    return body


def expected_for(target: str) -> dict:
    return ACCESS_REJECTED if target in ACCESS_TARGETS else REFRESH_REJECTED


def kind_of(target: str) -> str:
    return "access" if target in ACCESS_TARGETS else "refresh"


def now() -> int:
    return int(timezone.now().timestamp())


NOT_PROVIDED = {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}


NO_REFRESH_TOKEN = {"detail": "No refresh token.", "code": "token_not_valid"}
