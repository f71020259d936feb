"""``DPOP_NONCE``: proofs carry a nonce this server handed out lately (``DPoP-Nonce``); the settings' checks."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD
from dpop import checks
from dpop.tests.conftest import ME_URL, TOKEN_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def nonces_on(settings):
    settings.DPOP_NONCE = True
    settings.DPOP_NONCE_LIFETIME = 60


def obtain(user, key, nonce=None):
    return APIClient().post(
        TOKEN_URL,
        {"username": user.username, "password": DEFAULT_PASSWORD},
        HTTP_DPOP=key.proof("POST", TOKEN_URL, nonce=nonce),
    )


def me(pair, key, nonce=None):
    proof = key.proof("GET", ME_URL, access_token=pair["access"], nonce=nonce)
    return APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"DPoP {pair['access']}", HTTP_DPOP=proof)


def assert_nonce_wanted(response) -> str:
    assert response.status_code == HTTPStatus.UNAUTHORIZED, response.content
    assert response.json()["code"] == "use_dpop_nonce"
    assert response["WWW-Authenticate"].startswith('DPoP error="use_dpop_nonce"')
    return response["DPoP-Nonce"]


def test_the_server_hands_out_a_nonce_and_takes_it_back(nonces_on, user, key):
    nonce = assert_nonce_wanted(obtain(user, key))
    response = obtain(user, key, nonce)
    assert response.status_code == HTTPStatus.OK, response.content
    pair = response.json()
    nonce = response["DPoP-Nonce"]
    assert me(pair, key, nonce).status_code == HTTPStatus.OK
    assert_nonce_wanted(me(pair, key))


def test_an_old_or_forged_nonce_is_refused(nonces_on, user, key, clock):
    nonce = assert_nonce_wanted(obtain(user, key))
    assert_nonce_wanted(obtain(user, key, nonce.split(".")[0] + ".forged"))
    clock.advance(59)
    assert obtain(user, key, nonce).status_code == HTTPStatus.OK  # the previous bucket's still passes
    clock.advance(61)
    assert_nonce_wanted(obtain(user, key, nonce))


def test_without_nonces_no_nonce_is_sent(bound_pair, key):
    response = me(bound_pair, key)
    assert response.status_code == HTTPStatus.OK
    assert "DPoP-Nonce" not in response


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("DPOP_REQUIRED", "yes", "dpop.E001"),
        ("DPOP_NONCE", 1, "dpop.E002"),
        ("DPOP_IAT_WINDOW", 0, "dpop.E003"),
        ("DPOP_NONCE_LIFETIME", "soon", "dpop.E004"),
        ("DPOP_ALGORITHMS", ["HS256"], "dpop.E005"),
        ("DPOP_ALGORITHMS", [], "dpop.E005"),
    ],
)
def test_bad_settings_are_reported(settings, setting, value, check_id):
    setattr(settings, setting, value)
    assert [error.id for error in checks.check_settings()] == [check_id]


def test_the_authentication_class_must_be_listed(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_AUTHENTICATION_CLASSES": []}
    assert [error.id for error in checks.check_settings()] == ["dpop.E006"]


def test_the_defaults_pass():
    assert checks.check_settings() == []
