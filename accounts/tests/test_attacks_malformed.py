"""Tokens that are not JWTs, 64 KB tokens, bad Authorization headers, cookie bytes no browser sends.

A bad Bearer header never falls back to a good cookie.

How an attack is sent and what a rejection must look like: accounts/tests/attacks.py.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import conf
from accounts.tests.attacks import (
    ACCESS_REJECTED,
    ME_URL,
    NO_REFRESH_TOKEN,
    NOT_PROVIDED,
    REFRESH_REJECTED,
    REFRESH_URL,
    TARGETS,
    assert_rejected,
    b64url,
    craft,
    expected_for,
    kind_of,
    now,
    send,
    timed,
    warm,
)
from accounts.tests.helpers import sign
from conftest import BrowserClient

pytestmark = pytest.mark.django_db


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
