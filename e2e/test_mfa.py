"""Passkeys and two-factor in a real Chromium: WebAuthn through the DevTools protocol's virtual
authenticator, TOTP codes computed with pyotp from the secret the page shows.

The live server is http://localhost:PORT and ``SITE_URL`` is set to it, so the
relying party is ``localhost`` (WebAuthn refuses IP addresses as RP IDs) and
the origin the browser reports is the one the server expects.
"""

import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from e2e.authenticator import add_virtual_authenticator, sign_in_with_the_passkey_button
from e2e.browsing import expect_path, log_in
from mfa.models import Passkey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def relying_party(settings, site) -> str:
    settings.SITE_URL = site
    return site


def log_out(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("alert")).to_contain_text("signed out")


def password_step(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def newest_session(user) -> Session:
    return Session.objects.filter(user=user).order_by("-created_at").first()


def test_a_passkey_added_on_the_account_page_signs_in_without_a_username(new_page, relying_party, settings):
    user = UserFactory()
    page = new_page("passkey owner")
    cdp, authenticator_id = add_virtual_authenticator(page)
    log_in(page, user.username)

    page.goto("/account/")
    page.get_by_label("Passkey name").fill("Virtual key")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#passkey-list")).to_contain_text("Virtual key")
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert credential["isResidentCredential"] is True
    assert Passkey.objects.get().name == "Virtual key"

    log_out(page)
    sign_in_with_the_passkey_button(page)
    expect_path(page, "/")
    expect(page.locator("#who-username")).to_have_text(user.username)
    assert newest_session(user).amr == "webauthn"  # no password, no second factor

    # Removing it is sensitive: once the sign-in is old, the prompt offers the passkey instead of the password.
    # A 2-second window: auth_time has whole seconds, so the retry after re-authenticating
    # gets at least one of them; 3.1 s after the sign-in, the window has closed.
    settings.REAUTH_WINDOW = 2
    page.goto("/account/")
    expect(page.locator("#passkey-list")).to_contain_text("Virtual key")
    time.sleep(3.1)
    page.get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Yes, remove it").click()
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    dialog.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("alert").first).to_contain_text("removed")
    expect(dialog).to_be_hidden()
    assert not Passkey.objects.exists()
    assert newest_session(user).amr == "webauthn"


def test_two_factor_turned_on_then_a_code_and_a_recovery_code_sign_in(new_page, site):
    user = UserFactory()
    page = new_page("two-factor")
    log_in(page, user.username)

    page.goto("/account/")
    page.get_by_role("button", name="Turn on two-factor").click()
    expect(page.get_by_role("img", name="QR code to add this account to an authenticator app")).to_be_visible()
    totp = pyotp.TOTP(page.locator("#totp-secret").inner_text().replace(" ", ""))  # shown in groups of four
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Verify and turn on").click()
    codes = page.locator("#recovery-code-list li")
    expect(codes).to_have_count(10)
    recovery_codes = codes.all_inner_texts()
    page.get_by_role("button", name="I have saved them").click()
    expect(page.locator("#two-factor-status")).to_have_text("On")

    log_out(page)
    password_step(page, user.username)
    page.get_by_label("Authentication code").fill(totp.at(time.time() + totp.interval))  # the confirming code is spent
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#who-username")).to_have_text(user.username)
    assert newest_session(user).amr == "pwd otp"

    log_out(page)
    password_step(page, user.username)
    page.get_by_role("button", name="Use a recovery code").click()
    page.get_by_label("Recovery code").fill("not-a-code")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#second-factor-code-error")).to_have_text("That code is not right.")
    page.get_by_label("Recovery code").fill(recovery_codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#who-username")).to_have_text(user.username)
    assert newest_session(user).amr == "pwd recovery"
