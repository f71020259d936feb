"""Fixtures of several accounts test modules: the JWT attack tests' genuine token pair
(accounts/tests/attacks.py forges from it); the admin revocation tests' staff member,
devices and other server (accounts/tests/admin_devices.py).
"""

from http import HTTPStatus

import pytest

from accounts import conf
from accounts.revocation.follower import Follower
from accounts.tests.admin_devices import Device, another_server
from accounts.tests.admin_forms import StaffBrowser
from accounts.tests.helpers import claims_of


@pytest.fixture
def genuine(session_holder) -> dict[str, str]:
    """The real token pair of a signed-in session, keyed ``access`` and ``refresh``."""
    return {
        "access": session_holder.cookies[conf.access_cookie_name()].value,
        "refresh": session_holder.cookies[conf.refresh_cookie_name()].value,
    }


@pytest.fixture
def claims(genuine) -> dict[str, dict]:
    return {kind: claims_of(raw) for kind, raw in genuine.items()}


@pytest.fixture
def staff(admin_user) -> StaffBrowser:
    """A staff member signed in to the admin through the site."""
    browser = StaffBrowser(HTTP_USER_AGENT="Staff browser")
    assert browser.sign_in(admin_user, password="password").status_code == HTTPStatus.OK
    return browser


@pytest.fixture
def victim(user) -> Device:
    """``user``, signed in on a device whose tokens the admin tests end."""
    return Device(user)


@pytest.fixture
def bystander(other_user) -> Device:
    """``other_user``, signed in: the admin tests check their tokens live on."""
    return Device(other_user, "Bystander browser")


@pytest.fixture
def other_server() -> Follower:
    """Another server's revocation view (accounts/tests/admin_devices.py)."""
    return another_server()
