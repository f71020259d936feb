"""/api/token/ and /api/token/refresh/ with a DPoP proof: tokens bound to the proof's key, and only to it."""

from http import HTTPStatus

import jwt
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.binding import DPOP
from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD
from dpop.tests.conftest import REFRESH_URL, TOKEN_URL

pytestmark = pytest.mark.django_db


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def refresh(raw: str, proof: str | None = None):
    extra = {"HTTP_DPOP": proof} if proof is not None else {}
    return APIClient().post(REFRESH_URL, {"refresh": raw}, **extra)


def assert_refused(response, error: str = "invalid_dpop_proof") -> None:
    assert response.status_code == HTTPStatus.UNAUTHORIZED, response.content
    assert response.json()["code"] == error
    assert response["WWW-Authenticate"].startswith(f'DPoP error="{error}", error_description="')


def test_a_proof_binds_both_tokens_and_the_session_to_its_key(bound_pair, key):
    assert bound_pair["token_type"] == "DPoP"
    assert claims(bound_pair["access"])["cnf"] == {"jkt": key.jkt}
    assert claims(bound_pair["refresh"])["cnf"] == {"jkt": key.jkt}
    session = Session.objects.get()
    assert (session.binding, session.bound_jkt, session.bound_key) == (DPOP, key.jkt, key.jwk)


def test_without_a_proof_nothing_changes(user):
    response = APIClient().post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD})
    assert set(response.json()) == {"access", "refresh"}
    assert "cnf" not in claims(response.json()["access"])
    assert not Session.objects.get().binding


def test_a_bad_proof_refuses_the_sign_in_before_the_password_is_checked(user, key):
    response = APIClient().post(
        TOKEN_URL,
        {"username": user.username, "password": DEFAULT_PASSWORD},
        HTTP_DPOP=key.proof("POST", "/api/elsewhere/"),
    )
    assert_refused(response)
    assert not Session.objects.exists()


def test_a_bound_session_refreshes_with_a_proof_of_its_key(bound_pair, key):
    response = refresh(bound_pair["refresh"], key.proof("POST", REFRESH_URL))
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["token_type"] == "DPoP"
    assert claims(response.json()["access"])["cnf"] == {"jkt": key.jkt}
    assert claims(response.json()["refresh"])["cnf"] == {"jkt": key.jkt}


@pytest.mark.parametrize("with_other_key", [False, True], ids=["no proof", "another key"])
def test_a_copied_refresh_token_is_refused_without_the_key(bound_pair, other_key, with_other_key):
    proof = other_key.proof("POST", REFRESH_URL) if with_other_key else None
    assert_refused(refresh(bound_pair["refresh"], proof))
    session = Session.objects.get()
    assert session.revoked_at is None  # the real client still refreshes
    assert session.current_jti == claims(bound_pair["refresh"])["jti"]


def test_an_unbound_session_stays_unbound_when_a_proof_comes_later(user, key):
    pair = APIClient().post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}).json()
    response = refresh(pair["refresh"], key.proof("POST", REFRESH_URL))
    assert response.status_code == HTTPStatus.OK
    assert set(response.json()) == {"access", "refresh"}  # a thief's key must not capture a session
    assert not Session.objects.get().binding


def test_the_grace_window_gives_the_same_bound_successor(bound_pair, key):
    first = refresh(bound_pair["refresh"], key.proof("POST", REFRESH_URL)).json()
    again = refresh(bound_pair["refresh"], key.proof("POST", REFRESH_URL)).json()
    assert again["refresh"] == first["refresh"]


def test_required_binding_refuses_unbound_token_requests(user, settings, bound_pair, key):
    settings.DPOP_REQUIRED = True
    response = APIClient().post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD})
    assert_refused(response)
    assert_refused(refresh(bound_pair["refresh"]))
    assert refresh(bound_pair["refresh"], key.proof("POST", REFRESH_URL)).status_code == HTTPStatus.OK


def test_a_bound_refresh_token_in_the_refresh_cookie_mints_nothing(bound_pair, browser):
    browser.cookies["__Secure-refresh_token"] = bound_pair["refresh"]
    response = browser.post(reverse("accounts:refresh"))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert [name for name, morsel in response.cookies.items() if morsel.value] == []  # cleared, none set
    assert Session.objects.get().revoked_at is None
