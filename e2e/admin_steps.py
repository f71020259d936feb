"""Staff in the admin in a real Chromium: two-factor, signing in, a button pressed and its POST timed."""

import time

import pyotp
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from e2e.browsing import expect_path
from mfa.totp import services as totp

WIDE, LAPTOP = {"width": 1280, "height": 800}, {"width": 1024, "height": 768}


def staff_with_two_factor() -> tuple[User, pyotp.TOTP]:
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    setup = totp.totp_setup_start(user=staff)
    authenticator = pyotp.TOTP(setup.secret)
    totp.totp_confirm(user=staff, code=authenticator.at(time.time() - authenticator.interval))  # leaves "now" unspent
    return staff, authenticator


def sign_in_to_the_admin(page: Page, staff: User, authenticator: pyotp.TOTP, path: str = "/admin/") -> None:
    page.goto(path)
    expect_path(page, f"/login/?next={path}")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Authentication code")).to_be_visible()
    page.get_by_label("Authentication code").fill(authenticator.now())
    page.get_by_role("button", name="Verify").click()
    expect_path(page, path)


def press(page: Page, button) -> tuple[float, float]:
    """Clicks ``button`` (a locator) and waits for the answer to its POST, not the page after it.

    Returns when it clicked and when the POST was answered (the revocation committed).
    """
    with page.expect_response(lambda response: response.request.method == "POST"):
        clicked_at = time.monotonic()
        button.click()
    return clicked_at, time.monotonic()


def confirm(page: Page, button: str) -> tuple[float, float]:
    """Presses the confirmation page's button (``press``)."""
    expect(page.locator(".confirmation-question")).to_be_visible()
    return press(page, page.get_by_role("button", name=button, exact=True))
