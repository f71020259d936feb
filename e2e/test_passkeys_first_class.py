"""Passkeys as a way in of their own, in a real Chromium with the DevTools protocol's virtual authenticator:
the Username field's autofill, an account made with a passkey and no password, and a passkey as the
second factor after a password.

The live server is http://localhost:PORT with ``SITE_URL`` set to it (the relying party is
``localhost``), as in e2e/test_mfa.py.
"""

import contextlib

import pyotp
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from accounts.models import Session, User
from accounts.tests.factories import UserFactory
from e2e.authenticator import add_virtual_authenticator, sign_in_with_the_passkey_button, without_passkey_autofill
from e2e.browsing import expect_path, log_in
from e2e.test_mfa import log_out, password_step
from mfa.models import Passkey
from mfa.totp import services as totp_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timing]


@pytest.fixture(autouse=True)
def relying_party(settings, site) -> str:
    settings.SITE_URL = site
    return site


def newest_session(user) -> Session:
    return Session.objects.filter(user=user).order_by("-created_at").first()


def add_passkey_on_account_page(page: Page, name: str = "Virtual key") -> None:
    page.goto("/account/")
    page.get_by_label("Passkey name").fill(name)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#passkey-list")).to_contain_text(name)


def turn_on_two_factor(user: User) -> pyotp.TOTP:
    setup = totp_services.totp_setup_start(user=user)
    totp = pyotp.TOTP(setup.secret)
    totp_services.totp_confirm(user=user, code=totp.now())
    return totp


def test_the_username_field_offers_passkeys_and_picking_one_signs_in(new_page):
    user = UserFactory()
    page = new_page("autofill")
    add_virtual_authenticator(page)
    log_in(page, user.username)
    add_passkey_on_account_page(page)
    log_out(page)

    # The waiting conditional request: Chromium's virtual authenticator answers it with its one
    # passkey, as a person picking the suggestion would; sometimes by itself, sometimes only once the
    # field has focus, so the field gets focus unless the page has already signed in and left.
    assert 'autocomplete="username webauthn"' in page.request.get("/login/").text()
    page.goto("/login/")
    with contextlib.suppress(PlaywrightError):  # signed in and gone already
        page.locator("#login-username").focus(timeout=2_000)
    expect_path(page, "/")
    expect(page.locator("#who-username")).to_have_text(user.username)
    assert newest_session(user).amr == "webauthn"


def test_a_passkey_sign_up_then_sign_out_and_back_in_with_the_button(new_page):
    page = new_page("passkey sign-up")
    add_virtual_authenticator(page)
    page.goto("/register/")
    page.get_by_label("Username").fill("petra")
    page.get_by_label("Email").fill("petra@example.com")
    page.get_by_role("button", name="Sign up with a passkey").click()
    expect(page.locator("#register-done")).to_contain_text("Welcome, petra")
    user = User.objects.get(username="petra")
    assert not user.has_usable_password()
    assert Passkey.objects.filter(user=user).count() == 1
    assert newest_session(user).amr == "webauthn"

    log_out(page)
    sign_in_with_the_passkey_button(page)
    expect_path(page, "/")
    expect(page.locator("#who-username")).to_have_text("petra")
    assert Session.objects.filter(user=user, revoked_at__isnull=True).count() == 1


def test_a_taken_username_is_shown_at_the_field_and_makes_no_passkey(new_page):
    UserFactory(username="taken")
    page = new_page("taken")
    cdp, authenticator_id = add_virtual_authenticator(page)
    page.goto("/register/")
    page.get_by_label("Username").fill("taken")
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_role("button", name="Sign up with a passkey").click()
    expect(page.locator("#register-username-error")).to_contain_text("already")
    assert cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"] == []


def test_password_then_a_passkey_as_the_second_factor(new_page):
    user = UserFactory()
    page = new_page("second factor")
    add_virtual_authenticator(page)
    log_in(page, user.username)
    add_passkey_on_account_page(page)
    turn_on_two_factor(user)
    log_out(page)

    without_passkey_autofill(page)  # the person types a password instead of picking the passkey
    password_step(page, user.username)
    form = page.locator("#second-factor-form")
    expect(form).to_be_visible()
    expect(page.locator("#provider-sign-in")).to_be_hidden()
    form.get_by_role("button", name="Use a passkey").click()
    expect_path(page, "/")
    expect(page.locator("#who-username")).to_have_text(user.username)
    assert newest_session(user).amr == "pwd webauthn"
