"""Protected endpoints with a DPoP-bound token: only ``Authorization: DPoP`` with a proof of its key gets in."""

from http import HTTPStatus

import jwt
import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tokens import keys
from dpop.tests.conftest import ME_URL, TOKEN_URL
from dpop.tests.keys import DPoPKey

pytestmark = pytest.mark.django_db


def me(authorization: str | None = None, proof: str | None = None, **extra):
    if authorization is not None:
        extra["HTTP_AUTHORIZATION"] = authorization
    if proof is not None:
        extra["HTTP_DPOP"] = proof
    return APIClient().get(ME_URL, **extra)


def dpop_me(pair: dict, key: DPoPKey, **claims):
    return me(f"DPoP {pair['access']}", key.proof("GET", ME_URL, access_token=pair["access"], **claims))


def assert_refused(response, error: str) -> None:
    assert response.status_code == HTTPStatus.UNAUTHORIZED, response.content
    assert response["WWW-Authenticate"].startswith(f'DPoP error="{error}"'), response["WWW-Authenticate"]
    assert set(response.json()) == {"detail", "code"}


def test_the_token_with_a_proof_of_its_key_gets_in(bound_pair, key, user):
    response = dpop_me(bound_pair, key)
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["username"] == user.username


def test_each_proof_is_good_once(bound_pair, key):
    proof = key.proof("GET", ME_URL, access_token=bound_pair["access"])
    assert me(f"DPoP {bound_pair['access']}", proof).status_code == HTTPStatus.OK
    replayed = me(f"DPoP {bound_pair['access']}", proof)
    assert_refused(replayed, "invalid_dpop_proof")
    assert replayed.json()["code"] == "invalid_dpop_proof"


def test_without_a_proof_it_is_refused(bound_pair):
    assert_refused(me(f"DPoP {bound_pair['access']}"), "invalid_dpop_proof")


def test_as_bearer_it_is_refused(bound_pair, key):
    response = me(f"Bearer {bound_pair['access']}", key.proof("GET", ME_URL, access_token=bound_pair["access"]))
    assert_refused(response, "invalid_token")
    assert response.json()["code"] == "invalid_token"


def test_in_the_access_cookie_it_is_refused(bound_pair, client):
    client.cookies["__Host-access_token"] = bound_pair["access"]
    response = client.get(ME_URL)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "invalid_token"
    assert client.get("/admin/").status_code == HTTPStatus.FOUND  # the pages see no one signed in either


def test_a_proof_from_another_key_is_refused(bound_pair, other_key):
    assert_refused(dpop_me(bound_pair, other_key), "invalid_dpop_proof")


@pytest.mark.parametrize(
    "claims",
    [
        {"htm": "POST"},
        {"htu": "http://testserver/api/posts/"},
        {"htu": "http://elsewhere.test/api/me/"},
        {"iat": 0},
        {"ath": None},
        {"ath": "d3JvbmcgaGFzaA"},
    ],
    ids=["wrong htm", "wrong htu path", "wrong htu host", "stale iat", "no ath", "wrong ath"],
)
def test_a_proof_of_another_request_is_refused(bound_pair, key, claims):
    assert_refused(dpop_me(bound_pair, key, **claims), "invalid_dpop_proof")


def test_an_unbound_token_is_refused_under_the_dpop_scheme(user, key):
    pair = APIClient().post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}).json()
    assert_refused(dpop_me(pair, key), "invalid_token")
    assert me(f"Bearer {pair['access']}").status_code == HTTPStatus.OK


def test_required_binding_refuses_unbound_bearer_tokens(user, settings, bound_pair, key):
    pair = APIClient().post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}).json()
    settings.DPOP_REQUIRED = True
    assert_refused(me(f"Bearer {pair['access']}"), "invalid_token")
    assert dpop_me(bound_pair, key).status_code == HTTPStatus.OK


def test_an_expired_or_revoked_token_is_invalid_token(bound_pair, key, clock):
    clock.advance(3600)
    response = dpop_me(bound_pair, key)
    assert_refused(response, "invalid_token")


def test_a_dpop_request_costs_at_most_the_statements_of_a_bearer_one(bound_pair, key, django_assert_max_num_queries):
    assert dpop_me(bound_pair, key).status_code == HTTPStatus.OK  # warms the user cache, as real traffic does
    with django_assert_max_num_queries(0):
        assert dpop_me(bound_pair, key).status_code == HTTPStatus.OK


@pytest.mark.parametrize("cnf", ["a-thumbprint", {"jkt": 7}, {"jkt": ""}, {"x5t#S256": "abc"}, None])
def test_a_token_with_a_malformed_cnf_is_refused_by_every_scheme(bound_pair, key, cnf):
    payload = {**jwt.decode(bound_pair["access"], options={"verify_signature": False}), "cnf": cnf}
    forged = keys.token_backend().encode(payload)  # signed with the site's own key: only the claim is wrong
    assert me(f"Bearer {forged}").status_code == HTTPStatus.UNAUTHORIZED
    response = me(f"DPoP {forged}", key.proof("GET", ME_URL, access_token=forged))
    assert_refused(response, "invalid_token")
