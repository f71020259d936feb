"""Binding a browser session: the sign-in's offer, the registration proof, and every way to get it wrong."""

import base64
import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient
from dbsc import conf, services
from dbsc.tests.device import REGISTER_URL, DeviceKey, offered_challenge, register, signed_in_and_bound

pytestmark = pytest.mark.django_db

SESSIONS_URL = reverse("accounts:sessions")


def test_a_sign_in_offers_binding_and_a_valid_proof_binds_the_session(browser, user, audit_lines):
    device = DeviceKey()
    challenge = offered_challenge(browser.login_as(user))
    response = register(browser, device, challenge)
    assert response.status_code == HTTPStatus.OK, response.content
    session = Session.objects.get()
    assert response.json() == {
        "session_identifier": str(session.pk),
        "refresh_url": "/api/auth/dbsc/refresh/",
        "scope": {
            "origin": "http://testserver",
            "include_site": False,
            "scope_specification": [{"type": "exclude", "domain": "testserver", "path": "/static/"}],
        },
        "credentials": [
            {"type": "cookie", "name": "__Host-access_token", "attributes": "Path=/; Secure; HttpOnly; SameSite=Lax"}
        ],
    }
    assert (session.binding, session.bound_key) == ("dbsc", device.public)
    assert session.bound_jkt == device.key.thumbprint()
    # The access cookie expires with its token, so that the browser renews it when it is gone.
    assert 0 < int(response.cookies["__Host-access_token"]["max-age"]) <= 300
    [row] = browser.get(SESSIONS_URL).json()
    assert row["bound"] is True
    assert "session_bound" in [line["event"] for line in audit_lines()]


def test_rs256_keys_bind_too(browser, user):
    session = signed_in_and_bound(browser, user, DeviceKey("RS256"))
    assert session.bound_key["kty"] == "RSA"
    assert "d" not in session.bound_key


def test_every_browser_sign_in_path_offers_but_not_bearer_clients(browser, api_client, user):
    assert "Secure-Session-Registration" in browser.post(
        reverse("accounts:register"),
        {"username": "newcomer", "password": "a long enough passphrase", "email": "new@example.com"},
    )
    token = api_client.post(reverse("accounts:token"), {"username": user.username, "password": DEFAULT_PASSWORD})
    assert "Secure-Session-Registration" not in token


@pytest.mark.parametrize("setting", [{"DBSC": False}, {"JWT_COOKIE_SECURE": False}], ids=["off", "plain HTTP"])
def test_no_offer_when_off_or_over_plain_http(browser, user, settings, setting):
    for name, value in setting.items():
        setattr(settings, name, value)
    assert "Secure-Session-Registration" not in browser.login_as(user)


def bad(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not Session.objects.filter(binding="dbsc").exists()


def test_a_wrong_challenge_binds_nothing(browser, user):
    browser.login_as(user)
    bad(register(browser, DeviceKey(), "not-the-challenge"), HTTPStatus.BAD_REQUEST, "challenge_invalid")


def test_a_challenge_is_single_use(browser, user):
    challenge = offered_challenge(browser.login_as(user))
    assert register(browser, DeviceKey(), challenge, header={"typ": "jwt"}).status_code == HTTPStatus.BAD_REQUEST
    assert register(browser, DeviceKey(), challenge).status_code == HTTPStatus.OK  # a malformed proof used nothing
    second = register(browser, DeviceKey(), challenge)
    assert (second.status_code, second.json()["code"]) == (HTTPStatus.BAD_REQUEST, "challenge_invalid")


def test_an_expired_challenge_binds_nothing(browser, user, clock):
    challenge = offered_challenge(browser.login_as(user))
    clock.advance(conf.DBSC_CHALLENGE_TTL + 1)
    bad(register(browser, DeviceKey(), challenge), HTTPStatus.BAD_REQUEST, "challenge_invalid")


def test_another_sessions_challenge_binds_nothing(browser, user, other_user):
    thief = BrowserClient()
    thief.login_as(other_user)
    challenge = offered_challenge(browser.login_as(user))
    bad(register(thief, DeviceKey(), challenge), HTTPStatus.BAD_REQUEST, "challenge_invalid")


def unsigned(header: dict, payload: dict) -> str:
    part = lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()  # noqa: E731
    return f'"{part(header)}.{part(payload)}."'


@pytest.mark.parametrize(
    "proof",
    [
        lambda device, challenge: device.structured(challenge, header={"typ": "JWT"}),
        lambda device, challenge: device.structured(challenge, with_jwk=False),
        lambda device, challenge: device.structured(challenge, header={"jwk": {**device.public, "crv": "P-384"}}),
        lambda device, challenge: device.structured(challenge, header={"jwk": {**device.public, "d": "secret"}}),
        lambda device, challenge: unsigned({"alg": "none", "typ": "dbsc+jwt"}, {"jti": challenge}),
        lambda device, challenge: unsigned(
            {"alg": "HS256", "typ": "dbsc+jwt", "jwk": device.public}, {"jti": challenge}
        ),
        lambda device, challenge: device.structured("", claims={"jti": 7}),
        lambda device, challenge: "not a jwt",
        lambda device, challenge: "",
    ],
    ids=["typ", "no jwk", "other curve", "private key", "alg none", "alg HS256", "jti not a string", "junk", "empty"],
)
def test_malformed_proofs_are_400(browser, user, proof):
    device = DeviceKey()
    challenge = offered_challenge(browser.login_as(user))
    response = browser.post(REGISTER_URL, HTTP_SECURE_SESSION_RESPONSE=proof(device, challenge), csrf=False)
    bad(response, HTTPStatus.BAD_REQUEST, "dbsc_proof_malformed")


def test_an_algorithm_not_offered_is_refused(browser, user, settings):
    settings.DBSC_ALGORITHMS = ["ES256"]
    challenge = offered_challenge_any(browser.login_as(user))
    bad(register(browser, DeviceKey("RS256"), challenge), HTTPStatus.BAD_REQUEST, "dbsc_proof_malformed")


def offered_challenge_any(response) -> str:
    return response["Secure-Session-Registration"].split('challenge="')[1].rstrip('"')


def test_a_proof_whose_signature_does_not_match_its_key_is_401(browser, user):
    challenge = offered_challenge(browser.login_as(user))
    response = register(browser, DeviceKey(), challenge, header={"jwk": DeviceKey().public})
    bad(response, HTTPStatus.UNAUTHORIZED, "key_proof_invalid")


def test_a_bound_session_cannot_be_bound_again(browser, user):
    session = signed_in_and_bound(browser, user, DeviceKey())
    challenge = services.registration_offer(session_id=str(session.pk)).split('challenge="')[1].rstrip('"')
    response = register(browser, DeviceKey(), challenge)
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.CONFLICT, "session_already_bound")
    assert Session.objects.get().bound_jkt == session.bound_jkt


def test_registration_needs_the_sessions_cookie(browser, api_client, user):
    challenge = offered_challenge(browser.login_as(user))
    bad(register(api_client, DeviceKey(), challenge), HTTPStatus.UNAUTHORIZED, "session_required")


def test_a_revoked_session_cannot_be_bound(browser, user):
    challenge = offered_challenge(browser.login_as(user))
    refresh_cookie = browser.cookies["__Secure-refresh_token"].value
    browser.post(reverse("accounts:logout"))
    browser.cookies["__Secure-refresh_token"] = refresh_cookie
    bad(register(browser, DeviceKey(), challenge), HTTPStatus.UNAUTHORIZED, "session_required")


def test_registration_query_budget(browser, user, django_assert_max_num_queries):
    challenge = offered_challenge(browser.login_as(user))
    with django_assert_max_num_queries(4):
        assert register(browser, DeviceKey(), challenge).status_code == HTTPStatus.OK


def test_the_admin_shows_which_sessions_are_bound(browser, user, admin_client):
    session = signed_in_and_bound(browser, user, DeviceKey())
    listing = admin_client.get("/admin/accounts/session/?binding=dbsc").content.decode()
    assert session.short_id in listing
    assert '<span class="badge badge-bound"' in listing  # beside the device
    page = admin_client.get(f"/admin/accounts/session/{session.pk}/change/").content.decode()
    assert session.bound_jkt in page
    assert "DBSC (browser)" in page
