"""Bad input on every endpoint that takes a body: a JSON 4xx, never a 5xx, and nothing written."""

import json
from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from emails import links
from posts.models import Post

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def post(user) -> Post:
    return Post.objects.create(author=user, title="original", body="original body")


@pytest.fixture
def refresh_token(user) -> str:
    """A live refresh token of a second session, for the token endpoints' valid body."""
    from rest_framework.test import APIClient

    response = APIClient().post(
        reverse("accounts:token"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
    )
    return response.json()["refresh"]


@pytest.fixture
def world(auth_client, user, post, refresh_token):
    """A signed-in browser, its user, a post of theirs and the endpoints."""
    table = endpoints(user)
    for name in ("token-refresh", "token-blacklist"):
        table[name].valid = {"refresh": refresh_token}
    stored = User.objects.get(pk=user.pk)  # as signed in: link tokens depend on it
    table["password-reset-confirm"].valid["token"] = links.password_reset_token(stored)
    table["password-reset-check"].valid["token"] = links.password_reset_token(stored)
    table["email-verify"].valid["token"] = links.verification_token(stored, stored.email)
    return auth_client, user, post, table


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


class TestControl:
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_the_valid_body_succeeds(self, world, name):
        """So that each refusal below is caused by what the test broke."""
        client, _, post, table = world
        response = send(client, table[name], post, table[name].valid)
        assert response.status_code < HTTPStatus.BAD_REQUEST, response.content


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


class TestMalformedJson:
    @pytest.mark.parametrize("data", PARSE_ERROR_BODIES)
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_malformed_json_is_a_parse_error(self, world, name, data):
        client, _, post, table = world
        body = assert_refused(client, table[name], post, data)
        assert body["code"] == "parse_error"

    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_deeply_nested_json(self, world, name):
        client, _, post, table = world
        assert_refused(client, table[name], post, b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")

    @pytest.mark.parametrize("data", [[], "text", 42, None, True], ids=["list", "string", "number", "null", "bool"])
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_json_that_is_not_an_object(self, world, name, data):
        client, _, post, table = world
        kind = {list: "list", str: "str", int: "int", type(None): "NoneType", bool: "bool"}[type(data)]
        if data is None and table[name].method == "PATCH":
            # An empty or null PATCH body changes nothing: it is a valid no-op.
            pytest.skip("null PATCH is a no-op")
        body = assert_refused(client, table[name], post, data)
        if data is not None:
            assert body == {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}


class TestContentTypes:
    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            (b"username=a&password=b", "text/plain"),
            (b"<login><username>a</username></login>", "application/xml"),
            (b"<login/>", "text/xml"),
            (b"---\nusername: a\n", "application/yaml"),
            (b"\x00\x01\x02", "application/octet-stream"),
            (b"{}", "application/json-patch+json"),
            (b"{}", "not a content type"),
        ],
        ids=["text", "xml", "text-xml", "yaml", "octet-stream", "json-patch", "garbage"],
    )
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_unsupported_media_types_are_415(self, world, name, data, content_type):
        client, _, post, table = world
        body = assert_refused(client, table[name], post, data, content_type)
        assert body["code"] == "unsupported_media_type"

    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            (b"junk", "multipart/form-data; boundary=BOUNDARY"),
            (b"--BOUNDARY\r\nContent-Disposition: junk\r\n\r\n\x00\xff", "multipart/form-data; boundary=BOUNDARY"),
            (b"--BOUNDARY\r\n", "multipart/form-data; boundary=BOUNDARY"),
            (b"junk", "multipart/form-data"),
            (b"junk", "multipart/form-data; boundary="),
            (b"%%%&&&===", "application/x-www-form-urlencoded"),
            (b"a=\xff\xfe", "application/x-www-form-urlencoded"),
        ],
        ids=["multipart-junk", "multipart-bad-part", "multipart-unterminated", "no-boundary", "empty-boundary",
             "form-junk", "form-bad-utf8"],
    )  # fmt: skip
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_junk_forms_are_refused(self, world, name, data, content_type):
        client, _, post, table = world
        if table[name].method == "PATCH":
            # A form that parses to no known field is a valid PATCH that changes nothing.
            response = send(client, table[name], post, data, content_type)
            if response.status_code < HTTPStatus.BAD_REQUEST:
                assert Post.objects.values_list("title", "body").get() == ("original", "original body")
            else:
                assert_json_4xx(response)
            return
        assert_refused(client, table[name], post, data, content_type)


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


class TestFieldValues:
    @pytest.mark.parametrize("value", WRONG_TYPES)
    @pytest.mark.parametrize(("name", "field"), list(bad_field_cases()))
    def test_wrong_type_where_a_string_goes(self, world, name, field, value):
        client, _, post, table = world
        endpoint = table[name]
        body = assert_refused(client, endpoint, post, {**endpoint.valid, field: value})
        assert body.get("code") == "invalid_credentials" or list(body) == [field]

    @pytest.mark.parametrize("value", ["maybe", "", [True], {"a": 1}, 2, None, "yes please"])
    def test_wrong_type_where_a_boolean_goes(self, world, value):
        client, _, post, table = world
        body = assert_refused(client, table["login"], post, {**table["login"].valid, "remember": value})
        assert list(body) == ["remember"]

    @pytest.mark.parametrize(("name", "field"), list(bad_field_cases()))
    def test_a_10000_character_field(self, world, name, field):
        client, _, post, table = world
        endpoint = table[name]
        if field == "body":
            # Posts may be long: 10,000 characters is a valid body; the limit is 20,000.
            body = assert_refused(client, endpoint, post, {**endpoint.valid, field: "x" * 20_001})
            assert body == {"body": ["Ensure this field has no more than 20000 characters."]}
            return
        body = assert_refused(client, endpoint, post, {**endpoint.valid, field: "x" * 10_000})
        assert body.get("code") == "invalid_credentials" or list(body) == [field]

    @pytest.mark.parametrize("value", ["\x00", "abc\x00def", "\x00" * 100])
    @pytest.mark.parametrize(("name", "field"), list(bad_field_cases()))
    def test_nul_bytes(self, world, name, field, value):
        client, _, post, table = world
        endpoint = table[name]
        body = assert_refused(client, endpoint, post, {**endpoint.valid, field: value})
        assert list(body) == [field]
        assert "Null characters are not allowed." in body[field]

    def test_a_number_where_a_string_goes_is_read_as_its_digits(self, world):
        """DRF's CharField reads a JSON number as text; nothing else is coerced."""
        client, _, post, table = world
        response = send(client, table["posts-create"], post, {"title": 42, "body": 7})
        assert response.status_code == HTTPStatus.CREATED
        assert (response.json()["title"], response.json()["body"]) == ("42", "7")


class TestOversizedBodies:
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_a_json_field_over_the_limit(self, world, name):
        client, _, post, table = world
        endpoint = table[name]
        field = endpoint.strings[0]
        data = json.dumps({**endpoint.valid, field: "x" * OVER_THE_LIMIT}).encode()
        assert len(data) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        assert_refused(client, endpoint, post, data)

    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_a_valid_json_body_padded_over_the_limit(self, world, name):
        client, _, post, table = world
        endpoint = table[name]
        data = json.dumps({**endpoint.valid, "padding": "x" * OVER_THE_LIMIT}).encode()
        assert_refused(client, endpoint, post, data)

    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_a_form_body_over_the_limit(self, world, name):
        client, _, post, table = world
        data = b"padding=" + b"x" * OVER_THE_LIMIT
        assert_refused(client, table[name], post, data, "application/x-www-form-urlencoded")

    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_a_multipart_body_over_the_limit(self, world, name):
        client, _, post, table = world
        data = (
            b'--B\r\nContent-Disposition: form-data; name="padding"\r\n\r\n' + b"x" * OVER_THE_LIMIT + b"\r\n--B--\r\n"
        )
        assert_refused(client, table[name], post, data, "multipart/form-data; boundary=B")


class TestBodylessEndpoints:
    """Refresh and logout take no body and never parse one: junk in it is ignored, never a 5xx."""

    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            (b'{"broken": ', "application/json"),
            (b"<xml/>", "application/xml"),
            (b"junk", "multipart/form-data; boundary=B"),
            (b"x" * OVER_THE_LIMIT, "application/json"),
            (b"padding=" + b"x" * OVER_THE_LIMIT, "application/x-www-form-urlencoded"),
        ],
        ids=["malformed-json", "xml", "multipart-junk", "json-over-limit", "form-over-limit"],
    )
    @pytest.mark.parametrize("name", [*BODYLESS_ENDPOINTS, "accounts:logout-all"])
    def test_junk_bodies_are_ignored_or_refused_cleanly(self, auth_client, name, data, content_type):
        response = auth_client.generic("POST", reverse(name), data, content_type=content_type)
        if response.status_code >= HTTPStatus.BAD_REQUEST:
            assert_json_4xx(response)
        else:
            assert response.status_code == BODYLESS_ENDPOINTS.get(name, HTTPStatus.NO_CONTENT)


class TestUsernameNormalisation:
    """NFKC: compatibility look-alikes are the same name (and refused at registration, saying which to type)."""

    @pytest.mark.parametrize(
        ("taken", "lookalike"),
        [
            ("fish", "\ufb01sh"),  # "ﬁ" ligature
            ("flow", "\ufb02ow"),  # "ﬂ" ligature
            ("office", "o\ufb03ce"),  # "ﬃ" ligature
            ("user2", "user\u00b2"),  # superscript two
            ("hello", "\u210bello"),  # script capital H
            ("ix", "\u2168"),  # roman numeral nine
            ("kelvin", "\u212aelvin"),  # Kelvin sign
            ("a1", "a\u2081"),  # subscript one
        ],
    )
    def test_a_compatibility_lookalike_of_a_taken_name_is_refused(self, browser, taken, lookalike):
        UserFactory(username=taken)
        before = snapshot()
        response = browser.post(
            reverse("accounts:register"), {"username": lookalike, "password": NEW_PASSWORD}, format="json"
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"username": ["A user with that username already exists."]}
        assert snapshot() == before

    def test_a_name_nfkc_would_change_is_refused_with_the_form_to_type(self, browser):
        """Never changed without saying so (issue 19): the answer names the form to type."""
        before = snapshot()
        response = browser.post(
            reverse("accounts:register"), {"username": "\ufb01sh", "password": NEW_PASSWORD}, format="json"
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {
            "username": ['Type "fish" instead: usernames are kept in Unicode\'s compatibility form (NFKC).']
        }
        assert snapshot() == before

    def test_login_with_the_lookalike_reaches_the_same_account(self, browser):
        user = UserFactory(username="fish")
        response = browser.post(
            reverse("accounts:login"), {"username": "\ufb01sh", "password": DEFAULT_PASSWORD}, format="json"
        )
        assert response.status_code == HTTPStatus.OK
        assert response.json()["user"]["id"] == user.pk
