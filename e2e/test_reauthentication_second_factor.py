"""Turning two-factor off from /account/ in a real Chromium: the re-authentication dialog asks for a code.

The session that turned two-factor on signed in with the password alone, so
its recent sign-in is not enough: the API's 403 names the methods that would
do, and the dialog asks for a code from the app (or a recovery code) instead
of the password.
"""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from accounts.models import Session, User
from accounts.tests.factories import UserFactory
from e2e.browsing import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_turning_two_factor_off_asks_for_a_code(new_page, site):
    user = UserFactory()
    page = new_page("two-factor-off")
    log_in(page, user.username)
    page.goto("/account/")
    page.get_by_role("button", name="Turn on two-factor").click()
    expect(page.get_by_role("img", name="QR code to add this account to an authenticator app")).to_be_visible()
    totp = pyotp.TOTP(page.locator("#totp-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Verify and turn on").click()
    page.get_by_role("button", name="I have saved them").click()
    expect(page.locator("#two-factor-status")).to_have_text("On")

    page.get_by_role("button", name="Turn off two-factor").click()
    page.get_by_role("button", name="Yes, turn off two-factor").click()
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    expect(dialog.get_by_label("Code")).to_be_visible()
    expect(dialog.get_by_label("Password")).to_be_hidden()
    dialog.get_by_label("Code").fill("000000")
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog.locator("#reauth-code-error")).to_have_text("That code is not right.")
    assert User.objects.get(pk=user.pk).totp_enabled

    dialog.get_by_label("Code").fill(totp.at(time.time() + totp.interval))  # the confirming code is spent
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#two-factor-status")).to_have_text("Off")
    assert not User.objects.get(pk=user.pk).totp_enabled
    assert Session.objects.filter(user=user, revoked_at__isnull=True).get().amr == "otp"
