"""Accessibility: axe-core finds nothing on /login/ and /register/, in every state a person can see.

/login/ plain; with every way in on (a provider, email codes, passkeys); the
second-factor form (and nothing else of the page's ways in beside it); each
method's error; /register/ plain and with its errors. axe-core is pinned in
e2e/a11y and injected by harness/axe.py.
"""

import pyotp
import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from e2e.authenticator import add_virtual_authenticator
from e2e.browsing import log_in
from e2e.test_mfa import password_step
from harness.axe import assert_no_violations, axe_violations
from mfa.totp import services as totp_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROVIDER = {
    "id": "acme",
    "name": "Acme",
    "issuer": "http://127.0.0.1:9",  # only listed here, never reached
    "client_id": "jwtsite",
    "client_secret": "secret",
}


@pytest.fixture
def page(new_page, settings, site) -> Page:
    settings.SITE_URL = site
    return new_page("a11y", bypass_csp=True)


@pytest.fixture
def every_way_in(settings):
    settings.OIDC_PROVIDERS = [PROVIDER]
    settings.EMAIL_SIGN_IN = True


def test_axe_finds_what_is_wrong_when_something_is(page):
    """The check itself works: a page with a nameless button and an unlabelled field fails it."""
    page.goto("/login/")
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<button></button><input>')")
    found = {each["id"] for each in axe_violations(page)}
    assert {"button-name", "label"} <= found


def test_the_plain_login_page(page):
    page.goto("/login/")
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    assert_no_violations(page, "plain")


def test_the_login_page_with_every_way_in_and_each_ones_errors(page, every_way_in):
    page.goto("/login/")
    expect(page.get_by_role("button", name="Sign in with Acme")).to_be_visible()
    expect(page.get_by_role("button", name="Email me a code")).to_be_visible()
    assert_no_violations(page, "every way in")

    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-username-error")).to_be_visible()
    assert_no_violations(page, "empty password form")

    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-form .form-error")).not_to_be_empty()
    assert_no_violations(page, "wrong password")

    page.get_by_role("button", name="Email me a code").click()
    expect(page.locator("#code-email-error")).to_be_visible()
    assert_no_violations(page, "no address for a code")

    page.get_by_label("Email", exact=True).fill("nobody@example.com")
    page.get_by_role("button", name="Email me a code").click()
    page.get_by_label("Sign-in code").fill("WRONG123")
    page.get_by_role("button", name="Sign in with the code").click()
    expect(page.locator("#code-code-error")).to_be_visible()
    assert_no_violations(page, "wrong code")


def test_a_passkey_that_does_not_sign_in(page):
    add_virtual_authenticator(page)  # it holds no passkey for this site
    page.goto("/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator("#login-form .form-error")).not_to_be_empty()
    assert_no_violations(page, "passkey refused")


def test_a_providers_error(page, every_way_in):
    page.goto("/login/?provider_error=provider_denied")
    expect(page.locator("#login-form .form-error")).to_contain_text("cancelled")
    assert_no_violations(page, "provider error")


def test_the_second_factor_form_alone_and_its_error(page, every_way_in):
    user = UserFactory()
    setup = totp_services.totp_setup_start(user=user)
    totp_services.totp_confirm(user=user, code=pyotp.TOTP(setup.secret).now())
    password_step(page, user.username)
    expect(page.locator("#second-factor-form")).to_be_visible()
    for other in ("#provider-sign-in", "#email-code-sign-in", "#login-form"):
        expect(page.locator(other)).to_be_hidden()
    assert_no_violations(page, "second factor")

    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#second-factor-code-error")).to_be_visible()
    assert_no_violations(page, "wrong second-factor code")


def test_the_register_page_and_its_errors(page):
    UserFactory(username="taken")
    page.goto("/register/")
    expect(page.get_by_role("button", name="Sign up with a passkey")).to_be_visible()
    assert_no_violations(page, "plain")
    page.get_by_label("Username").fill("taken")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#register-username-error")).to_be_visible()
    assert_no_violations(page, "errors")


def test_the_account_page_with_its_passkeys(page):
    user = UserFactory()
    add_virtual_authenticator(page)
    log_in(page, user.username)
    page.goto("/account/")
    page.get_by_label("Passkey name").fill("Virtual key")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#passkey-list")).to_contain_text("Virtual key")
    assert_no_violations(page, "passkeys listed")
