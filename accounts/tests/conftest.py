"""The JWT attack tests' genuine token pair (accounts/tests/attacks.py forges from it)."""

import pytest

from accounts import conf
from accounts.tests.helpers import claims_of


@pytest.fixture
def genuine(auth_client) -> dict[str, str]:
    """The real token pair of a logged-in session, keyed ``access`` and ``refresh``."""
    return {
        "access": auth_client.cookies[conf.access_cookie_name()].value,
        "refresh": auth_client.cookies[conf.refresh_cookie_name()].value,
    }


@pytest.fixture
def claims(genuine) -> dict[str, dict]:
    return {kind: claims_of(raw) for kind, raw in genuine.items()}
