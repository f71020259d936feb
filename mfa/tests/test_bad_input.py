"""Bad input on every mfa endpoint that takes a body: a JSON 4xx, never a 5xx, and nothing written."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import Session, User
from conftest import BrowserClient
from jwtsite.tests.bad_input import PARSE_ERROR_BODIES, assert_json_4xx
from mfa.models import LoginTicket, Passkey, RecoveryCode, TotpDevice
from mfa.tests.authenticator import SoftAuthenticator
from mfa.tests.conftest import (
    LOGIN_OPTIONS_URL,
    REAUTH_OPTIONS_URL,
    REGISTER_OPTIONS_URL,
    password_step,
    register_passkey,
    turn_on_two_factor,
)

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "totp_enabled", "passkey_count")),
        "sessions": list(Session.objects.order_by("pk").values_list("pk", "revoked_at", "current_jti", "auth_time")),
        "passkeys": list(Passkey.objects.order_by("pk").values_list("pk", "name", "sign_count", "last_used_at")),
        "totp": list(TotpDevice.objects.values_list("pk", "confirmed_at", "last_used_step")),
        "codes": list(RecoveryCode.objects.order_by("pk").values_list("pk", "used_at")),
        "tickets": list(LoginTicket.objects.values_list("pk", "failures")),
    }


@dataclass
class Endpoint:
    """An mfa endpoint that takes a body, how to reach it, its string fields, and how to make a valid body."""

    method: str
    url_name: str
    strings: tuple[str, ...]
    prepare: Callable  # (world) -> (client, url args, valid body)


@dataclass
class World:
    auth_client: BrowserClient
    user: User
    other_user: User
    clock: object
    authenticator: SoftAuthenticator
    registered_passkey: Callable[[], dict]

    @property
    def passkey(self) -> dict:
        """The user's passkey, registered on first use (half the endpoints need none)."""
        return self.registered_passkey()


def register_body(world: World):
    options = world.auth_client.post(REGISTER_OPTIONS_URL).json()
    return world.auth_client, [], {"name": "Second", "credential": SoftAuthenticator().create(options)}


def rename_body(world: World):
    return world.auth_client, [world.passkey["id"]], {"name": "Renamed"}


def login_body(world: World):
    assert world.passkey  # the authenticator answers with it
    stranger = BrowserClient()
    return stranger, [], world.authenticator.get(stranger.post(LOGIN_OPTIONS_URL).json())


def confirm_body(world: World):
    world.auth_client.post(reverse("mfa:totp"))
    return world.auth_client, [], {"code": "123456"}


def second_step_body(world: World):
    turn_on_two_factor(world.other_user, world.clock)
    signing_in = BrowserClient()
    password_step(signing_in, world.other_user)
    return signing_in, [], {"code": "123456"}


def reauthenticate_body(world: World):
    assert world.passkey  # the authenticator answers with it
    options = world.auth_client.post(REAUTH_OPTIONS_URL).json()
    return world.auth_client, [], {"assertion": world.authenticator.get(options)}


ENDPOINTS = {
    "passkey-create": Endpoint("POST", "mfa:passkeys", ("name",), register_body),
    "passkey-rename": Endpoint("PATCH", "mfa:passkey-detail", ("name",), rename_body),
    "passkey-login": Endpoint("POST", "mfa:passkey-login", ("id", "rawId", "type"), login_body),
    "totp-confirm": Endpoint("POST", "mfa:totp-confirm", ("code",), confirm_body),
    "login-mfa": Endpoint("POST", "mfa:login-mfa", ("code",), second_step_body),
    "reauthenticate": Endpoint("POST", "accounts:reauthenticate", (), reauthenticate_body),
}


@pytest.fixture
def passkey(session_holder, authenticator) -> dict:
    """The user's passkey, registered by the browser the bad bodies come from."""
    return register_passkey(session_holder, authenticator)


@pytest.fixture
def world(request, session_holder, user, other_user, clock, authenticator) -> World:
    return World(session_holder, user, other_user, clock, authenticator, lambda: request.getfixturevalue("passkey"))


@pytest.fixture
def endpoint(request, world):
    """``(send, valid body)`` for the endpoint the test is parametrized with (``name``)."""
    spec = ENDPOINTS[request.getfixturevalue("name")]
    client, args, valid = spec.prepare(world)
    url = reverse(spec.url_name, args=args)

    def send(data, content_type: str = "application/json"):
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        return client.generic(spec.method, url, body, content_type=content_type)

    return send, valid


def assert_refused(send, data, content_type="application/json") -> dict:
    before = snapshot()
    body = assert_json_4xx(send(data, content_type))
    assert snapshot() == before
    return body


# jwtsite/tests/test_bad_input.py tries every malformation on the shared parser; three show these endpoints use it.
@pytest.mark.parametrize("data", [PARSE_ERROR_BODIES[0], PARSE_ERROR_BODIES[3], PARSE_ERROR_BODIES[-1]])
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_malformed_json_is_a_parse_error(endpoint, name, data):
    send, _ = endpoint
    assert assert_refused(send, data)["code"] == "parse_error"


@pytest.mark.parametrize("data", [[], "text", 42, True], ids=["list", "string", "number", "bool"])
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_json_that_is_not_an_object(endpoint, name, data):
    send, _ = endpoint
    assert_refused(send, data)


@pytest.mark.parametrize(
    "value", [["a"], {"a": "b"}, None, "x" * 10_000, "abc\x00def"], ids=["list", "dict", "null", "long", "nul"]
)
@pytest.mark.parametrize(
    ("name", "field"), [(name, field) for name, spec in ENDPOINTS.items() for field in spec.strings]
)
def test_a_wrong_value_where_a_string_goes(endpoint, name, field, value):
    send, valid = endpoint
    body = assert_refused(send, {**valid, field: value})
    assert list(body) == [field] or body.get("code", "").startswith("webauthn")


JUNK_CREDENTIALS = {
    "null": None,
    "list": [],
    "string": "text",
    "empty": {},
    "empty-response": {"id": "a", "rawId": "a", "type": "public-key", "response": {}},
    "bad-base64": {"id": "a", "rawId": "a", "type": "public-key", "response": {"clientDataJSON": "%%%"}},
    "wrong-type": {"id": "a", "rawId": "a", "type": "other", "response": {}},
    "response-not-object": {"id": "a", "rawId": "a", "type": "public-key", "response": "x"},
}


@pytest.mark.parametrize("junk", list(JUNK_CREDENTIALS))
@pytest.mark.parametrize("name", ["passkey-create", "passkey-login", "reauthenticate"])
def test_junk_credentials(endpoint, name, junk):
    send, _ = endpoint
    credential = JUNK_CREDENTIALS[junk]
    body = {
        "passkey-create": {"name": "x", "credential": credential},
        "passkey-login": credential,
        "reauthenticate": {"assertion": credential},
    }[name]
    if name == "reauthenticate" and credential is None:
        assert send(body).json() == {"password": ["This field is required."]}
        return
    assert_refused(send, body)


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_the_valid_body_is_not_refused(endpoint, name):
    """So that each refusal above is caused by what the test broke."""
    send, valid = endpoint
    response = send(valid)
    if name in ("totp-confirm", "login-mfa"):  # a guess, answered as one
        wrong = "That code is not right."
        assert response.json() in ({"code": [wrong]}, {"detail": wrong, "code": "invalid_code"})
    else:
        assert response.status_code < HTTPStatus.MULTIPLE_CHOICES, response.content
