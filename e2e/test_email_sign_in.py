"""Signing in with a code by email (EMAIL_SIGN_IN=1) in a real Chromium, the code read from a real SMTP server."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from accounts.models import Session
from accounts.tests.factories import UserFactory
from e2e.test_account import smtp  # noqa: F401 (the real SMTP server fixture)
from harness.smtp import text_of
from mfa.totp import services as totp_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"\b([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})\b")


@pytest.fixture(autouse=True)
def _on(settings):
    settings.EMAIL_SIGN_IN = True


def ask_for_a_code(page: Page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("status")).to_contain_text("If an account uses that address")


def test_a_code_from_the_mail_signs_in_from_the_browser_that_asked(new_page, smtp):  # noqa: F811
    user = UserFactory(email="coder@example.com")
    page = new_page("asker")
    ask_for_a_code(page, "coder@example.com")
    mail = smtp.inbox.wait_for(to="coder@example.com", subject="Your sign-in code")
    (code,) = set(CODE.findall(text_of(mail)))

    # Read over the shoulder: another browser (which asked for a code of its own) cannot use it.
    thief = new_page("thief")
    ask_for_a_code(thief, "nobody@example.com")
    thief.get_by_label("Sign-in code").fill(code)
    thief.get_by_role("button", name="Sign in with the code").click()
    expect(thief.locator("#code-code-error")).to_contain_text("not valid")

    page.get_by_label("Sign-in code").fill(code.lower())
    page.get_by_role("button", name="Sign in with the code").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    expect(page.locator("#who-username")).to_have_text(user.username)
    assert Session.objects.get(user=user).amr == "email"


def test_a_user_with_two_factor_gives_the_code_from_the_app_next(page, smtp):  # noqa: F811
    user = UserFactory(email="careful@example.com")
    setup = totp_services.totp_setup_start(user=user)
    totp = pyotp.TOTP(setup.secret)
    totp_services.totp_confirm(user=user, code=totp.now())
    ask_for_a_code(page, "careful@example.com")
    (code,) = set(CODE.findall(text_of(smtp.inbox.wait_for(to="careful@example.com"))))
    page.get_by_label("Sign-in code").fill(code)
    page.get_by_role("button", name="Sign in with the code").click()
    page.get_by_label("Authentication code").fill(totp.at(time.time() + totp.interval))  # the confirming one is spent
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    expect(page.locator("#who-username")).to_have_text(user.username)
    assert Session.objects.get(user=user).amr == "email otp"


def test_an_unknown_address_gets_the_same_page_and_no_mail(page, smtp):  # noqa: F811
    ask_for_a_code(page, "nobody@example.com")
    time.sleep(1)  # the worker had its chance to (not) send
    assert smtp.inbox.messages == []


def test_the_login_page_offers_no_code_when_off(page, settings, smtp):  # noqa: F811
    settings.EMAIL_SIGN_IN = False
    page.goto("/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Email me a code")).to_have_count(0)
