"""JWT attacks over HTTP (RFC 8725, OWASP JWT cheat sheet): each one is a clean, fast 401.

Every attack goes through the real HTTP stack against the endpoints that read
tokens: access tokens as ``Authorization: Bearer`` and as the access cookie
(``GET /api/me/``), refresh tokens as the refresh cookie
(``POST /api/auth/refresh/``) and in the body of ``POST /api/token/refresh/``.
A rejection must be a 401 with ``WWW-Authenticate`` and the JSON error shape,
never a 5xx, and cost under 50 ms of server time. The test client runs the
server in-process, in this thread: server time is the thread's CPU time over
the request (the best of three tries), which other processes on a busy CI
machine cannot inflate; wall time is held to a looser bound, so a request that
waits on something (a key fetched from a ``jku`` address) fails too.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import conf
from accounts.models import Session, User
from accounts.tests.helpers import claims_of, sign
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

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
    """Sends three times; each is a JSON 401 with ``WWW-Authenticate``, the fastest under 50 ms.

    ``send_once`` returns a response from ``timed``, so setting up the client is not counted.
    """
    best = best_wall = float("inf")
    for _ in range(3):
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


@pytest.fixture
def genuine(auth_client) -> dict[str, str]:
    """The real token pair of a logged-in session, keyed ``access`` and ``refresh``."""
    return {
        "access": auth_client.cookies[conf.access_cookie_name()].value,
        "refresh": auth_client.cookies[conf.refresh_cookie_name()].value,
    }


@pytest.fixture
def claims(genuine) -> dict[str, dict]:
    return {kind: claims_of(raw) for kind, raw in genuine.items()}


def now() -> int:
    return int(timezone.now().timestamp())


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


class TestTokenType:
    @pytest.mark.parametrize("target", ACCESS_TARGETS)
    def test_refresh_token_is_not_an_access_token(self, genuine, target):
        assert_rejected(lambda: send(target, genuine["refresh"]), ACCESS_REJECTED)

    @pytest.mark.parametrize("target", REFRESH_TARGETS)
    def test_access_token_is_not_a_refresh_token(self, genuine, target):
        assert_rejected(lambda: send(target, genuine["access"]), REFRESH_REJECTED)

    @pytest.mark.parametrize("token_type", ["", "ACCESS", "id", None, 1])
    @pytest.mark.parametrize("target", TARGETS)
    def test_other_token_types_are_rejected(self, claims, target, token_type):
        raw = sign({**claims[kind_of(target)], "token_type": token_type})
        assert_rejected(lambda: send(target, raw), expected_for(target))


class TestTime:
    @pytest.mark.parametrize("target", TARGETS)
    def test_expired(self, claims, target):
        raw = sign({**claims[kind_of(target)], "exp": now() - 6})
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("claim", ["nbf", "iat"])
    @pytest.mark.parametrize("target", TARGETS)
    def test_not_yet_valid_beyond_the_leeway(self, claims, target, claim):
        raw = sign({**claims[kind_of(target)], claim: now() + 60})
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("target", ACCESS_TARGETS)
    def test_a_clock_a_second_ahead_is_within_the_leeway(self, claims, target):
        raw = sign({**claims["access"], "iat": now() + 1, "nbf": now() + 1})
        assert send(target, raw).status_code == HTTPStatus.OK

    @pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
    @pytest.mark.parametrize("value", ['"soon"', "null", "[1]", "true", "1e400", "-1e400", "NaN", str(10**30)])
    @pytest.mark.parametrize("target", TARGETS)
    def test_time_claims_of_the_wrong_type_or_out_of_range(self, claims, target, claim, value):
        """Signed with our key, so only a signing bug could make these; they must still fail cleanly."""
        payload = json.dumps({**claims[kind_of(target)], claim: "PLACEHOLDER"}).replace('"PLACEHOLDER"', value)
        raw = craft({"alg": "HS256", "typ": "JWT"}, payload, key=signing_key())
        assert_rejected(lambda: send(target, raw), expected_for(target))


class TestClaims:
    @pytest.mark.parametrize("claim", ["jti", "sid", "ver", "token_type", "user_id", "exp"])
    @pytest.mark.parametrize("target", TARGETS)
    def test_a_missing_claim(self, claims, target, claim):
        payload = {name: value for name, value in claims[kind_of(target)].items() if name != claim}
        assert_rejected(lambda: send(target, sign(payload)), expected_for(target))

    @pytest.mark.parametrize(
        ("claim", "value"),
        [
            ("user_id", "1"),
            ("user_id", [1]),
            ("user_id", {"id": 1}),
            ("user_id", True),
            ("user_id", 1.5),
            ("user_id", 2**64),  # past the database's 64-bit column: the look-up must not fail
            ("user_id", 2**63),
            ("user_id", -1),
            ("sid", 123),
            ("sid", None),
            ("ver", "0"),
            ("ver", None),
            ("ver", False),
            ("jti", 5),
        ],
    )
    @pytest.mark.parametrize("target", TARGETS)
    def test_a_claim_of_the_wrong_type(self, claims, target, claim, value):
        raw = sign({**claims[kind_of(target)], claim: value})
        body = assert_rejected(lambda: send(target, raw))
        assert body["code"] in {"token_not_valid", "user_not_found"}

    @pytest.mark.parametrize("sid", ["not-a-uuid", "", "' OR 1=1 --", "0" * 1000])
    @pytest.mark.parametrize("target", TARGETS)
    def test_a_session_id_that_is_not_a_uuid(self, claims, target, sid):
        raw = sign({**claims[kind_of(target)], "sid": sid})
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("target", TARGETS)
    def test_a_session_id_of_no_session(self, claims, target):
        raw = sign({**claims[kind_of(target)], "sid": str(uuid.uuid4())})
        if target in ACCESS_TARGETS:
            pytest.skip("by design an access token outlives its session by at most ACCESS_TOKEN_LIFETIME")
        assert_rejected(lambda: send(target, raw), REFRESH_REJECTED)

    @pytest.mark.parametrize("target", TARGETS)
    def test_the_user_id_of_a_deleted_user(self, genuine, user, target):
        user.delete()
        assert not Session.objects.exists()
        expected = USER_NOT_FOUND if target in ACCESS_TARGETS else REFRESH_REJECTED
        assert_rejected(lambda: send(target, genuine[kind_of(target)]), expected)

    @pytest.mark.parametrize("target", TARGETS)
    def test_another_users_id_in_a_token_we_signed(self, claims, other_user, target):
        """A token of one session cannot be pointed at another user by its signer's mistake."""
        raw = sign({**claims[kind_of(target)], "user_id": other_user.pk})
        if target in ACCESS_TARGETS:
            pytest.skip("access tokens carry no per-request session check; only the signer can mint them")
        assert_rejected(lambda: send(target, raw), REFRESH_REJECTED)

    @pytest.mark.parametrize("target", TARGETS)
    def test_an_older_token_version(self, claims, user, target):
        User.objects.filter(pk=user.pk).update(token_version=1)
        expected = {"detail": "Token has been revoked.", "code": "token_revoked"}
        if target in REFRESH_TARGETS:
            expected = {"detail": "This session has been revoked. Log in again.", "code": "session_revoked"}
        assert_rejected(lambda: send(target, sign(claims[kind_of(target)])), expected)


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


class TestMalformed:
    @pytest.mark.parametrize(
        "raw",
        [
            "x",
            "a.b",
            "a.b.c",
            "a.b.c.d.e",
            "...",
            "eyJhbGciOiJIUzI1NiJ9.e30.",
            b64url(b"[]") + "." + b64url(b"[]") + ".",
            b64url(b'{"alg":"HS256"}') + "." + b64url(b"not json") + ".sig",
            b64url(b'{"alg":"HS256"}') + "." + b64url(b'"a string"') + ".sig",
        ],
    )
    @pytest.mark.parametrize("target", TARGETS)
    def test_not_a_jwt(self, target, raw):
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("target", ["bearer", "access_cookie", "refresh_cookie"])
    def test_a_64_kb_token(self, claims, target):
        raw = craft({"alg": "HS256", "typ": "JWT"}, {**claims[kind_of(target)], "pad": "x" * 65536}, key=b"attacker")
        assert len(raw) > 65536
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("target", ["bearer", "access_cookie", "refresh_cookie"])
    def test_64_kb_of_dots_and_garbage(self, target):
        assert_rejected(lambda: send(target, "." * 32768 + "A" * 32768), expected_for(target))

    def test_a_64_kb_token_in_the_refresh_body_is_a_field_error(self, claims):
        raw = craft({"alg": "HS256", "typ": "JWT"}, {**claims["refresh"], "pad": "x" * 65536}, key=b"attacker")
        response = send("refresh_body", raw)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"refresh": ["Ensure this field has no more than 8192 characters."]}

    @pytest.mark.parametrize(
        "header",
        ["Bearer", "Bearer ", "Bearer a b", "Bearer \x00", "Bearer\tx.y.z"],
        ids=["no-token", "empty", "two-tokens", "nul", "tab"],
    )
    def test_malformed_authorization_headers(self, header):
        client = warm(APIClient())
        body = assert_rejected(lambda: timed(lambda: client.get(ME_URL, HTTP_AUTHORIZATION=header)))
        assert body["code"] in {"bad_authorization_header", "token_not_valid"}


class TestHeaderAndCookie:
    """No silent fallback: a Bearer header, when present, is the only credential looked at."""

    def test_a_bad_bearer_header_wins_over_a_good_cookie(self, auth_client):
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK
        assert_rejected(
            lambda: timed(lambda: auth_client.get(ME_URL, HTTP_AUTHORIZATION="Bearer not.a.token")), ACCESS_REJECTED
        )

    def test_a_refresh_token_in_the_header_wins_over_a_good_cookie(self, auth_client, genuine):
        header = f"Bearer {genuine['refresh']}"
        assert_rejected(lambda: timed(lambda: auth_client.get(ME_URL, HTTP_AUTHORIZATION=header)), ACCESS_REJECTED)

    def test_an_expired_header_wins_over_a_good_cookie(self, auth_client, claims):
        header = f"Bearer {sign({**claims['access'], 'exp': now() - 60})}"
        assert_rejected(lambda: timed(lambda: auth_client.get(ME_URL, HTTP_AUTHORIZATION=header)), ACCESS_REJECTED)

    def test_a_bad_header_on_an_unsafe_request_does_not_reach_the_cookie(self, auth_client):
        response = auth_client.post(
            reverse("posts:post-list"), {"title": "t", "body": "b"}, format="json", HTTP_AUTHORIZATION="Bearer x"
        )
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == ACCESS_REJECTED
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


NOT_PROVIDED = {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}
NO_REFRESH_TOKEN = {"detail": "No refresh token.", "code": "token_not_valid"}


class TestCookieEncoding:
    """Cookie bytes a browser would never send; a WSGI server hands them over decoded as latin-1."""

    @pytest.mark.parametrize(
        "value",
        ["ü" * 20, "\x00", "a\x01b\x7f", "\x1b[31m", "é.é.é", "%00%0d%0a", "\ufeffeyJ", "\u202eevil", "😀.😀.😀"],
        ids=["umlauts", "nul", "controls", "ansi", "accented-dots", "encoded-crlf", "bom", "rtl", "emoji"],
    )
    @pytest.mark.parametrize("name", ["access", "refresh"])
    def test_non_ascii_and_control_characters(self, name, value):
        def send_once():
            client = BrowserClient()
            token = client.csrf_token()
            cookie_name = conf.access_cookie_name() if name == "access" else conf.refresh_cookie_name()
            wire = f"csrftoken={token}; {cookie_name}={value}".encode().decode("latin-1")
            if name == "access":
                return timed(lambda: client.get(ME_URL, HTTP_COOKIE=wire))
            return timed(lambda: client.post(REFRESH_URL, HTTP_COOKIE=wire, HTTP_X_CSRFTOKEN=token))

        # Django drops a cookie it cannot parse, which then reads as no credential at all.
        expected = [ACCESS_REJECTED, NOT_PROVIDED] if name == "access" else [REFRESH_REJECTED, NO_REFRESH_TOKEN]
        assert assert_rejected(send_once) in expected
