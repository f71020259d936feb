import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD
from dpop.tests.keys import DPoPKey

TOKEN_URL = reverse("accounts:token")
REFRESH_URL = reverse("accounts:token-refresh")
ME_URL = reverse("accounts:me")


@pytest.fixture
def key() -> DPoPKey:
    return DPoPKey()


@pytest.fixture
def other_key() -> DPoPKey:
    return DPoPKey()


@pytest.fixture
def bound_pair(user, key) -> dict:
    """A pair from /api/token/ with a proof of ``key``."""
    response = APIClient().post(
        TOKEN_URL,
        {"username": user.username, "password": DEFAULT_PASSWORD},
        HTTP_DPOP=key.proof("POST", TOKEN_URL),
    )
    assert response.status_code == 200, response.content
    return response.json()
