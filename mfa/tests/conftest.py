"""Fixtures of the mfa tests: a software authenticator, passkeys registered through the API, a TOTP clock."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from jwtsite.tests.clock import Clock
from mfa.tests.authenticator import SoftAuthenticator
from mfa.totp import otp, services

PASSKEYS_URL = reverse("mfa:passkeys")
REGISTER_OPTIONS_URL = reverse("mfa:passkey-register-options")
LOGIN_OPTIONS_URL = reverse("mfa:passkey-login-options")
PASSKEY_LOGIN_URL = reverse("mfa:passkey-login")
REAUTH_OPTIONS_URL = reverse("mfa:passkey-reauthenticate-options")


def register_passkey(client, authenticator: SoftAuthenticator, name: str = "Laptop", **lie) -> dict:
    """Registers ``authenticator``'s passkey through the API as ``client``'s user; its JSON."""
    options = client.post(REGISTER_OPTIONS_URL)
    assert options.status_code == 200, options.content
    response = client.post(
        PASSKEYS_URL, {"name": name, "credential": authenticator.create(options.json(), **lie)}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def password_step(client, user: User, **data):
    """The first step of a sign-in with two-factor on: the password, answered 401 ``mfa_required``."""
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD, **data}, format="json"
    )
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "mfa_required"
    return response


def passkey_login(client, authenticator: SoftAuthenticator, **lie):
    """Signs in with ``authenticator``'s passkey (options, then the assertion); the final response."""
    options = client.post(LOGIN_OPTIONS_URL)
    assert options.status_code == 200, options.content
    return client.post(PASSKEY_LOGIN_URL, authenticator.get(options.json(), **lie), format="json")


def prove_second_factor(client, two_factor: "TwoFactor"):
    """Re-authenticates ``client`` with the current TOTP code (then spent): a recent second factor."""
    response = client.post(reverse("accounts:reauthenticate"), {"code": two_factor.code()}, format="json")
    assert response.status_code == 200, response.content
    return response


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator()


@pytest.fixture
def passkey(auth_client, authenticator) -> dict:
    """A passkey of ``user`` on ``authenticator``, registered by ``auth_client``."""
    return register_passkey(auth_client, authenticator)


class TotpClock(Clock):
    """The tests' clock (jwtsite/tests/clock.py), with the TOTP step it is in."""

    @property
    def step(self) -> int:
        return otp.step_at(self.now)


@pytest.fixture
def clock(time_machine) -> TotpClock:
    # 10 seconds into the next step, so that neighbouring steps are a clear 30 s away; forward
    # only, or tokens issued before (another fixture's sign-in) would not be valid yet.
    start = datetime.now(tz=UTC).replace(microsecond=0)
    step_start = start - timedelta(seconds=start.timestamp() % otp.PERIOD)
    return TotpClock(time_machine, step_start + timedelta(seconds=otp.PERIOD + 10))


@dataclass
class TwoFactor:
    """A user's TOTP, turned on: its secret and recovery codes, and codes at any step."""

    user: User
    secret: str
    recovery_codes: list[str]
    clock: TotpClock

    def code(self, offset: int = 0) -> str:
        """The code of the step ``offset`` steps from the clock's."""
        return otp.code_at(secret=self.secret, step=self.clock.step + offset)


def turn_on_two_factor(user: User, clock: TotpClock) -> TwoFactor:
    setup = services.totp_setup_start(user=user)
    codes = services.totp_confirm(user=user, code=otp.code_at(secret=setup.secret, step=clock.step - 1))
    user.refresh_from_db()
    return TwoFactor(user=user, secret=setup.secret, recovery_codes=codes, clock=clock)


@pytest.fixture
def two_factor(user, clock) -> TwoFactor:
    """``user`` with two-factor on (confirmed with the previous step's code, so the current one is still good)."""
    return turn_on_two_factor(user, clock)
