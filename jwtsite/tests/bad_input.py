"""The endpoints that take a body, and what a refusal of bad input must be: a JSON 4xx, never a 5xx, nothing written.

Used by the test_bad_input_*.py modules here and by other apps' bad-input tests.
"""

import json
from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from posts.models import Post

NEW_PASSWORD = "an-entirely-new-passphrase"


OVER_THE_LIMIT = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024


class Endpoint:
    """A POST/PUT/PATCH endpoint of API.md with a body that it accepts and the type of each field."""

    def __init__(self, name, method, valid, strings=(), booleans=(), url_args=False):
        self.name, self.method, self.valid = name, method, valid
        self.strings, self.booleans, self.url_args = strings, booleans, url_args

    def url(self, post: Post) -> str:
        return reverse(self.name, args=[post.pk] if self.url_args else [])

    def __repr__(self) -> str:
        return f"{self.method} {self.name}"


def endpoints(user) -> dict[str, Endpoint]:
    """Built per test: valid bodies name the test's user."""
    credentials = {"username": user.username, "password": DEFAULT_PASSWORD}
    return {
        "register": Endpoint(
            "accounts:register",
            "POST",
            {"username": "newcomer", "password": NEW_PASSWORD, "email": "n@example.com"},
            strings=("username", "password", "email"),
        ),
        "login": Endpoint(
            "accounts:login", "POST", {**credentials, "remember": True}, ("username", "password"), ("remember",)
        ),
        "password": Endpoint(
            "accounts:password",
            "POST",
            {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
            ("old_password", "new_password"),
        ),
        "token": Endpoint("accounts:token", "POST", credentials, ("username", "password")),
        "token-refresh": Endpoint("accounts:token-refresh", "POST", {"refresh": "set-per-test"}, ("refresh",)),
        "token-blacklist": Endpoint("accounts:token-blacklist", "POST", {"refresh": "set-per-test"}, ("refresh",)),
        "reauthenticate": Endpoint("accounts:reauthenticate", "POST", {"password": DEFAULT_PASSWORD}, ("password",)),
        "password-reset": Endpoint("emails:password-reset", "POST", {"email": user.email}, ("email",)),
        "password-reset-confirm": Endpoint(
            "emails:password-reset-confirm",
            "POST",
            {"token": "set-per-test", "new_password": NEW_PASSWORD},
            ("token", "new_password"),
        ),
        "password-reset-check": Endpoint("emails:password-reset-check", "POST", {"token": "set-per-test"}, ("token",)),
        "email-verify": Endpoint("emails:email-verify", "POST", {"token": "set-per-test"}, ("token",)),
        "email-change": Endpoint("emails:email-change", "POST", {"email": "changed@example.org"}, ("email",)),
        "posts-create": Endpoint("posts:post-list", "POST", {"title": "t", "body": "b"}, ("title", "body")),
        "posts-put": Endpoint("posts:post-detail", "PUT", {"title": "t", "body": "b"}, ("title", "body"), (), True),
        "posts-patch": Endpoint("posts:post-detail", "PATCH", {"title": "t"}, ("title", "body"), (), True),
    }


BODY_ENDPOINTS = [
    "register",
    "login",
    "password",
    "token",
    "token-refresh",
    "token-blacklist",
    "reauthenticate",
    "password-reset",
    "password-reset-confirm",
    "password-reset-check",
    "email-verify",
    "email-change",
    "posts-create",
    "posts-put",
    "posts-patch",
]


# Bodyless endpoints: they never read the body, so junk in it changes nothing.
BODYLESS_ENDPOINTS = {"accounts:refresh": HTTPStatus.OK, "accounts:logout": HTTPStatus.NO_CONTENT}


def snapshot() -> dict:
    """Everything a request could write."""
    return {
        "users": list(
            User.objects.order_by("pk").values_list(
                "pk", "username", "password", "token_version", "email", "email_verified"
            )
        ),
        "sessions": list(
            Session.objects.order_by("pk").values_list("pk", "revoked_at", "current_jti", "rotated_at", "auth_time")
        ),
        "posts": list(Post.objects.order_by("pk").values_list("pk", "title", "body", "updated_at")),
        "outstanding": OutstandingToken.objects.count(),
        "blacklisted": BlacklistedToken.objects.count(),
    }


def send(client, endpoint: Endpoint, post: Post, data, content_type: str = "application/json"):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return client.generic(endpoint.method, endpoint.url(post), body, content_type=content_type)


def assert_json_4xx(response) -> dict:
    assert HTTPStatus.BAD_REQUEST <= response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, response.content[:300]
    assert response["Content-Type"] == "application/json", response.content[:300]
    body = response.json()
    assert isinstance(body, dict)
    if set(body) == {"detail", "code"}:
        assert all(isinstance(value, str) for value in body.values())
    else:  # field errors: {"field": ["message"]}
        assert body
        assert all(isinstance(messages, list) and messages for messages in body.values()), body
    return body


def assert_refused(client, endpoint, post, data, content_type="application/json", expected=None) -> dict:
    before = snapshot()
    response = send(client, endpoint, post, data, content_type)
    body = assert_json_4xx(response)
    if expected is not None:
        assert body == expected
    assert snapshot() == before
    return body


PARSE_ERROR_BODIES = [
    pytest.param(b'{"username": ', id="truncated"),
    pytest.param(b"{'single': 'quotes'}", id="single-quotes"),
    pytest.param(b'{"a": 1,}', id="trailing-comma"),
    pytest.param(b'{"title": NaN}', id="nan"),
    pytest.param(b'{"title": Infinity}', id="infinity"),
    pytest.param(b'{"title": "\xff\xfe"}', id="invalid-utf8"),
    pytest.param(b"\xef\xbb\xbf{}", id="utf8-bom"),
    pytest.param(b"\x00\x00\x00{", id="nul-bytes"),
]


WRONG_TYPES = [
    pytest.param(["a", "b"], id="list"),
    pytest.param({"a": "b"}, id="dict"),
    pytest.param(None, id="null"),
    pytest.param(True, id="bool"),
]


def bad_field_cases():
    user = UserFactory.build()
    for name in BODY_ENDPOINTS:
        for field in endpoints(user)[name].strings:
            yield name, field
