"""``U.mfa``: the user's sign-in methods in every user body, kept in step with the factors at no extra query."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from mfa.models import Passkey, RecoveryCode, TotpDevice
from mfa.tests.authenticator import SoftAuthenticator
from mfa.tests.conftest import prove_second_factor, register_passkey, turn_on_two_factor

pytestmark = pytest.mark.django_db

ME_URL = reverse("accounts:me")


def mfa_of(client) -> dict:
    return client.get(ME_URL).json()["mfa"]


def test_follows_every_change_of_the_factors(auth_client, user, clock):
    assert mfa_of(auth_client) == {"totp": False, "passkeys": 0}
    first = register_passkey(auth_client, SoftAuthenticator())
    register_passkey(auth_client, SoftAuthenticator())
    assert mfa_of(auth_client) == {"totp": False, "passkeys": 2}
    two_factor = turn_on_two_factor(user, clock)
    assert mfa_of(auth_client) == {"totp": True, "passkeys": 2}
    auth_client.delete(reverse("mfa:passkey-detail", args=[first["id"]]))
    prove_second_factor(auth_client, two_factor)
    auth_client.delete(reverse("mfa:totp"))
    assert mfa_of(auth_client) == {"totp": False, "passkeys": 1}


def test_me_reads_the_row_once_after_a_change_then_none(auth_client, user, clock, django_assert_num_queries):
    register_passkey(auth_client, SoftAuthenticator())
    turn_on_two_factor(user, clock)
    for statements in (1, 0):  # the change dropped the cached user: one read, then none
        with django_assert_num_queries(statements):
            response = auth_client.get(ME_URL)
        assert response.status_code == HTTPStatus.OK
        assert response.json()["mfa"] == {"totp": True, "passkeys": 1}


def test_a_user_deleted_with_factors_takes_them_along(auth_client, user, clock):
    register_passkey(auth_client, SoftAuthenticator())
    turn_on_two_factor(user, clock)
    assert auth_client.delete(reverse("accounts:account")).status_code == HTTPStatus.NO_CONTENT
    assert not Passkey.objects.exists()
    assert not TotpDevice.objects.exists()
    assert not RecoveryCode.objects.exists()
