"""``sub``, ``iss`` and ``aud``: what tokens carry, and what verifiers refuse."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import conf
from accounts.tests.helpers import claims_of, refresh_cookie, sign
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

ME_URL = reverse("accounts:me")
REFRESH_URL = reverse("accounts:refresh")
ISSUER, AUDIENCE = "https://auth.example.com", "https://api.example.com"
REJECTED = {"detail": "Given token not valid for any token type", "code": "token_not_valid"}


@pytest.fixture
def issuer_and_audience(settings):
    settings.JWT_ISSUER, settings.JWT_AUDIENCE = ISSUER, AUDIENCE
    return settings


def me(raw: str):
    return BrowserClient().get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {raw}")


def tokens_of(client) -> dict:
    return {
        "access": client.cookies[conf.access_cookie_name()].value,
        "refresh": client.cookies[conf.refresh_cookie_name()].value,
    }


def test_every_token_names_its_subject_and_nothing_else_by_default(auth_client, user):
    for raw in tokens_of(auth_client).values():
        claims = claims_of(raw)
        assert claims["sub"] == str(user.pk)
        assert claims["user_id"] == user.pk
        assert "iss" not in claims
        assert "aud" not in claims


def test_with_an_issuer_and_audience_every_token_carries_them(issuer_and_audience, auth_client):
    for raw in tokens_of(auth_client).values():
        claims = claims_of(raw, audience=AUDIENCE)
        assert (claims["iss"], claims["aud"]) == (ISSUER, AUDIENCE)
    assert auth_client.get(ME_URL).status_code == HTTPStatus.OK
    assert auth_client.post(REFRESH_URL).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "change",
    [
        {"iss": "https://evil.example.com"},
        {"aud": "https://other-api.example.com"},
        {"iss": None},
        {"aud": None},
        {"aud": [AUDIENCE + "/x"]},
    ],
)
def test_a_verifier_refuses_a_wrong_or_missing_issuer_or_audience(issuer_and_audience, auth_client, change):
    claims = claims_of(tokens_of(auth_client)["access"], audience=AUDIENCE)
    forged = {name: value for name, value in {**claims, **change}.items() if value is not None}
    response = me(sign(forged))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == REJECTED


def test_a_refresh_token_of_another_issuer_is_refused(issuer_and_audience, auth_client):
    claims = claims_of(tokens_of(auth_client)["refresh"], audience=AUDIENCE)
    auth_client.cookies[conf.refresh_cookie_name()] = sign({**claims, "iss": "https://evil.example.com"})
    response = auth_client.post(REFRESH_URL)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_not_valid"


def test_a_subject_that_disagrees_with_user_id_is_refused(auth_client, other_user):
    claims = claims_of(tokens_of(auth_client)["access"])
    assert me(sign({**claims, "sub": str(other_user.pk)})).json() == REJECTED
    assert me(sign({**claims, "sub": claims["user_id"]})).json() == REJECTED  # a number, not a string


def test_a_token_signed_before_sub_existed_still_works(auth_client):
    claims = claims_of(tokens_of(auth_client)["access"])
    del claims["sub"]
    assert me(sign(claims)).status_code == HTTPStatus.OK


def test_the_grace_reissue_is_byte_identical_with_issuer_and_audience(issuer_and_audience, auth_client):
    old = tokens_of(auth_client)["refresh"]
    successor = refresh_cookie(auth_client.post(REFRESH_URL)).value
    auth_client.cookies[conf.refresh_cookie_name()] = old
    again = auth_client.post(REFRESH_URL)
    assert again.status_code == HTTPStatus.OK
    assert refresh_cookie(again).value == successor
