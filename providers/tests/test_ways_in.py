"""The last way in is kept across apps: a linked identity and a passkey each count as one (accounts.ways_in)."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import User
from mfa.models import Passkey
from mfa.tests.authenticator import SoftAuthenticator
from mfa.tests.conftest import register_passkey
from providers.models import ExternalIdentity

pytestmark = pytest.mark.django_db


@pytest.fixture
def passwordless(auth_client, user, clock):
    """``user`` with a passkey and a linked identity, and no password."""
    passkey = register_passkey(auth_client, SoftAuthenticator())
    identity = ExternalIdentity.objects.create(user=user, provider_id="acme", subject="s", linked_at=clock.now)
    User.objects.filter(pk=user.pk).update(password="!unusable")
    return passkey["id"], identity.pk


def remove_passkey(client, passkey_id: int):
    return client.delete(reverse("mfa:passkey-detail", args=[passkey_id]))


def unlink(client, identity_id: int):
    return client.delete(reverse("providers:identity-detail", args=[identity_id]))


def test_a_passkey_may_go_while_a_linked_identity_remains_then_the_identity_stays(auth_client, passwordless):
    passkey_id, identity_id = passwordless
    assert remove_passkey(auth_client, passkey_id).status_code == HTTPStatus.NO_CONTENT
    response = unlink(auth_client, identity_id)
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "last_sign_in_method"
    assert ExternalIdentity.objects.filter(pk=identity_id).exists()


def test_an_identity_may_go_while_a_passkey_remains_then_the_passkey_stays(auth_client, passwordless):
    passkey_id, identity_id = passwordless
    assert unlink(auth_client, identity_id).status_code == HTTPStatus.NO_CONTENT
    response = remove_passkey(auth_client, passkey_id)
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "last_sign_in_method"
    assert Passkey.objects.filter(pk=passkey_id).exists()
    assert User.objects.get().passkey_count == 1
