"""JWT_LEEWAY: seconds of clock-skew tolerance on ``exp``, ``nbf`` and ``iat`` (0 to 60, default 5).

A token a few seconds past its expiry, or issued by a server whose clock runs
a little ahead, is still honoured within the leeway; ``JWT_LEEWAY=0`` makes
expiry exact. Tokens are signed here with our key, so only their times differ
from the genuine ones; times are whole seconds, so each case keeps at least a
second of margin from the boundary it tests.
"""

from http import HTTPStatus

import pytest
from django.core.checks import run_checks
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import conf
from accounts.tests.helpers import claims_of, sign
from accounts.tokens import keys
from conftest import BrowserClient
from jwtsite.app_settings import CONFIGURATION
from jwtsite.tests.test_site import run_python

pytestmark = pytest.mark.django_db

ME_URL = reverse("accounts:me")
REFRESH_URL = reverse("accounts:refresh")


def now() -> int:
    return int(timezone.now().timestamp())


@pytest.fixture
def tokens(auth_client) -> dict[str, dict]:
    """The claims of a logged-in session's access and refresh tokens."""
    return {
        "access": claims_of(auth_client.cookies[conf.access_cookie_name()].value),
        "refresh": claims_of(auth_client.cookies[conf.refresh_cookie_name()].value),
    }


def bearer_status(claims: dict, **changes) -> int:
    return APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {sign({**claims, **changes})}").status_code


def cookie_status(claims: dict, **changes) -> int:
    client = APIClient()
    client.cookies[conf.access_cookie_name()] = sign({**claims, **changes})
    return client.get(ME_URL).status_code


def refresh_status(claims: dict, **changes) -> int:
    client = BrowserClient()
    client.csrf_token()
    client.cookies[conf.refresh_cookie_name()] = sign({**claims, **changes})
    return client.post(REFRESH_URL).status_code


class TestConfiguration:
    @pytest.mark.process
    def test_a_value_outside_0_to_60_stops_the_server_naming_it(self):
        result = run_python("import jwtsite.wsgi", DJANGO_SECRET_KEY="k" * 50, JWT_LEEWAY="61")
        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[0] == (
            "jwtsite: JWT_LEEWAY must be a whole number from 0 to 60, not 61. (accounts.E001)"
        )

    @pytest.mark.parametrize(("value", "refused"), [(0, False), (60, False), (-1, True), (61, True), (3600, True)])
    def test_0_to_60_is_accepted_anything_else_is_accounts_e001(self, settings, value, refused):
        settings.JWT_LEEWAY = value
        ids = [message.id for message in run_checks(tags=[CONFIGURATION])]
        assert ids == (["accounts.E001"] if refused else [])
        assert keys.token_backend().leeway == value

    def test_5_by_default(self, settings):
        del settings.JWT_LEEWAY
        assert conf.JWT_LEEWAY == 5
        assert keys.token_backend().leeway == 5


class TestDefaultLeeway:
    def test_an_access_token_expired_less_than_5_seconds_ago_is_accepted(self, tokens):
        assert bearer_status(tokens["access"], exp=now() - 3) == HTTPStatus.OK
        assert cookie_status(tokens["access"], exp=now() - 3) == HTTPStatus.OK

    def test_an_access_token_expired_more_than_5_seconds_ago_is_not(self, tokens):
        assert bearer_status(tokens["access"], exp=now() - 6) == HTTPStatus.UNAUTHORIZED
        assert cookie_status(tokens["access"], exp=now() - 6) == HTTPStatus.UNAUTHORIZED

    def test_a_refresh_token_expired_less_than_5_seconds_ago_still_refreshes(self, tokens):
        assert refresh_status(tokens["refresh"], exp=now() - 3) == HTTPStatus.OK

    def test_a_token_from_a_clock_3_seconds_ahead_is_accepted(self, tokens):
        assert bearer_status(tokens["access"], iat=now() + 3, nbf=now() + 3) == HTTPStatus.OK


class TestNoLeeway:
    @pytest.fixture(autouse=True)
    def _exact(self, settings):
        settings.JWT_LEEWAY = 0

    def test_expiry_is_exact(self, tokens):
        assert bearer_status(tokens["access"], exp=now() - 1) == HTTPStatus.UNAUTHORIZED
        assert cookie_status(tokens["access"], exp=now() - 1) == HTTPStatus.UNAUTHORIZED
        assert refresh_status(tokens["refresh"], exp=now() - 1) == HTTPStatus.UNAUTHORIZED
        assert bearer_status(tokens["access"], exp=now() + 2) == HTTPStatus.OK

    @pytest.mark.parametrize("claim", ["nbf", "iat"])
    def test_a_token_from_a_clock_ahead_is_refused(self, tokens, claim):
        assert bearer_status(tokens["access"], **{claim: now() + 2}) == HTTPStatus.UNAUTHORIZED


class TestWiderLeeway:
    def test_the_setting_is_honoured(self, tokens, settings):
        settings.JWT_LEEWAY = 30
        assert bearer_status(tokens["access"], exp=now() - 20) == HTTPStatus.OK
        assert bearer_status(tokens["access"], exp=now() - 32) == HTTPStatus.UNAUTHORIZED
