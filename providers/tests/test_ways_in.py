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


def passkey_left(passkey_id: int) -> bool:
    return Passkey.objects.filter(pk=passkey_id).exists() and User.objects.get().passkey_count == 1


def identity_left(identity_id: int) -> bool:
    return ExternalIdentity.objects.filter(pk=identity_id).exists()


@pytest.mark.parametrize(
    ("remove_first", "remove_last", "last_left"),
    [(remove_passkey, unlink, identity_left), (unlink, remove_passkey, passkey_left)],
    ids=["passkey then identity", "identity then passkey"],
)
def test_either_may_go_while_the_other_remains_then_the_other_stays(
    auth_client, passwordless, remove_first, remove_last, last_left
):
    passkey_id, identity_id = passwordless
    first, last = (passkey_id, identity_id) if remove_first is remove_passkey else (identity_id, passkey_id)
    assert remove_first(auth_client, first).status_code == HTTPStatus.NO_CONTENT
    response = remove_last(auth_client, last)
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "last_sign_in_method"
    assert last_left(last)
