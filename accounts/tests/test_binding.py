"""The binding seam: a session bound to a device key renews only with a proof of that key."""

from http import HTTPStatus

import pytest
from django.db import transaction
from django.urls import reverse

from accounts import services
from accounts.binding import DBSC, DPOP, KeyProof
from accounts.exceptions import KeyProofRequired, SessionRevoked
from accounts.models import Session
from accounts.tests.helpers import claims_of

pytestmark = pytest.mark.django_db

REFRESH_URL = reverse("accounts:refresh")
SESSIONS_URL = reverse("accounts:sessions")
KEY = KeyProof(DBSC, "thumbprint-of-the-device-key", {"kty": "EC", "crv": "P-256", "x": "x", "y": "y"})


def bind(session: Session, proof: KeyProof = KEY) -> Session:
    return services.session_bind(session_id=str(session.pk), user_id=session.user_id, proof=proof)


def test_binding_stores_the_public_key_and_the_list_says_bound(auth_client):
    session = bind(Session.objects.get())
    session.refresh_from_db()
    assert (session.binding, session.bound_jkt, session.bound_key) == (DBSC, KEY.jkt, KEY.jwk)
    [row] = auth_client.get(SESSIONS_URL).json()
    assert row["bound"] is True


def test_the_refresh_cookie_alone_no_longer_renews_a_bound_session(auth_client):
    session = bind(Session.objects.get())
    response = auth_client.post(REFRESH_URL)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "key_proof_required"
    session.refresh_from_db()
    assert session.revoked_at is None  # refused, not revoked: the real device still renews it


@pytest.mark.parametrize(
    "proof",
    [KeyProof(DBSC, "another-key"), KeyProof(DPOP, KEY.jkt), None],
    ids=["another key", "another binding", "no proof"],
)
def test_rotation_needs_a_proof_of_the_bound_key(auth_client, proof):
    session = bind(Session.objects.get())
    raw = auth_client.cookies["__Secure-refresh_token"].value
    with pytest.raises(KeyProofRequired):
        services.session_refresh(raw_refresh=raw, proof=proof)
    session.refresh_from_db()
    assert session.current_jti == claims_of(raw)["jti"]


def test_the_right_proof_rotates_and_keeps_the_binding(auth_client):
    session = bind(Session.objects.get())
    raw = auth_client.cookies["__Secure-refresh_token"].value
    tokens = services.session_refresh(raw_refresh=raw, proof=KeyProof(DBSC, KEY.jkt))
    session.refresh_from_db()
    assert session.current_jti == claims_of(tokens.refresh)["jti"] != claims_of(raw)["jti"]
    assert session.bound


def test_a_session_binds_once(auth_client):
    session = bind(Session.objects.get())
    with pytest.raises(KeyProofRequired):
        bind(session, KeyProof(DBSC, "the-thief's-key", {"kty": "EC"}))
    session.refresh_from_db()
    assert session.bound_jkt == KEY.jkt


def test_a_revoked_session_cannot_be_bound(auth_client, user):
    session = Session.objects.get()
    auth_client.post(reverse("accounts:logout"))
    with pytest.raises(SessionRevoked):
        bind(session)


def test_a_session_can_be_bound_from_birth(user):
    from accounts.client import ClientInfo

    proof = KeyProof(DPOP, "dpop-key", {"kty": "EC"})
    with transaction.atomic():
        tokens = services.session_create(user=user, client=ClientInfo(ip_address=None, user_agent=""), bound_to=proof)
    session = Session.objects.get(pk=tokens.session_id)
    assert (session.binding, session.bound_jkt) == (DPOP, "dpop-key")
    with pytest.raises(KeyProofRequired):
        services.session_refresh(raw_refresh=tokens.refresh)
    assert services.session_refresh(raw_refresh=tokens.refresh, proof=KeyProof(DPOP, "dpop-key")).refresh
