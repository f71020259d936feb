"""What a newcomer meets in the pages: the mail promised at registration and where to find it, a
verification link opened twice, a dead reset link, messages next to their action, the TOTP key on a
phone, waits in minutes and hours. ``JWTSITE_SCREENSHOTS=<dir>`` keeps a picture of each."""

import os
import re
from pathlib import Path

import pytest
from django.core import mail as django_mail
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from e2e.browsing import PASSWORD, log_in
from emails import links

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def picture(page: Page, name: str, selector: str = "") -> None:
    if folder := os.environ.get("JWTSITE_SCREENSHOTS"):
        path = str(Path(folder) / f"{name}.png")
        # An element's picture on a phone: a full-page one drops the touch emulation.
        page.locator(selector).screenshot(path=path) if selector else page.screenshot(path=path, full_page=True)


def fill_registration(page: Page, username: str, email: str = "") -> None:
    page.goto("/register/")
    page.get_by_label("Username").fill(username)
    if email:
        page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()


def test_registering_with_an_address_says_a_verification_mail_is_on_its_way_and_where(page, settings):
    settings.EMAIL_BACKEND = CONSOLE_BACKEND  # make run's default: mail printed in its terminal
    fill_registration(page, "newcomer", "newcomer@example.com")
    expect(page.get_by_text("We sent a mail to newcomer@example.com.")).to_be_visible()
    expect(page.get_by_text("look for the link in the terminal that runs make run")).to_be_visible()
    picture(page, "register-mail-sent")
    page.get_by_role("link", name="Continue").click()
    expect(page.locator("#who-username")).to_have_text("newcomer")


def test_with_a_real_mail_server_the_page_does_not_point_at_a_terminal(page):
    fill_registration(page, "newcomer", "newcomer@example.com")
    expect(page.get_by_text("We sent a mail to newcomer@example.com.")).to_be_visible()
    expect(page.locator("#register-console-mail")).to_have_count(0)


def test_registering_without_an_address_goes_straight_on(page):
    fill_registration(page, "newcomer")
    expect(page.locator("#who-username")).to_have_text("newcomer")


def test_a_taken_address_reads_exactly_like_a_free_one(page):
    UserFactory(username="dave", email="dave@example.com")
    fill_registration(page, "mallory", "dave@example.com")
    expect(page.get_by_text("We sent a mail to dave@example.com.")).to_be_visible()
    assert User.objects.get(username="mallory").email == ""


def test_a_verification_link_opened_twice_says_the_address_is_already_verified(page, site):
    user = UserFactory(email_verified=False)
    link = f"/verify-email/?token={links.verification_token(user, user.email)}"
    page.goto(link)
    expect(page.get_by_text("Your email address is verified.")).to_be_visible()
    page.goto(link)
    expect(page.get_by_text("Your email address is already verified.")).to_be_visible()
    expect(page.locator("#verify-failed")).to_be_hidden()
    picture(page, "verify-already")


def test_a_dead_reset_link_says_so_as_the_page_opens(page):
    user = UserFactory()
    token = links.password_reset_token(user)
    User.objects.filter(pk=user.pk).update(password="changed-since")  # the link died with the old password
    page.goto(f"/password-reset/confirm/?token={token}")
    expect(page.get_by_text("This link is not valid, or it has been used already.")).to_be_visible()
    expect(page.get_by_label("New password")).to_be_hidden()
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    picture(page, "reset-dead-link")


def test_a_live_reset_link_opens_on_the_form(page):
    user = UserFactory()
    page.goto(f"/password-reset/confirm/?token={links.password_reset_token(user)}")
    expect(page.get_by_label("New password")).to_be_visible()
    expect(page.get_by_label("New password")).to_be_focused()


def in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def test_messages_on_the_account_page_appear_next_to_their_action(page):
    user = UserFactory(email_verified=False)
    page.set_viewport_size({"width": 1000, "height": 700})
    log_in(page, user.username)
    page.goto("/account/")

    page.get_by_label("Current password").fill("correct-horse-battery-staple")
    page.get_by_label("New password").fill("a-fresh-and-unusual-passphrase")
    page.get_by_role("button", name="Change password").click()
    message = page.locator("#password-messages")
    expect(message).to_have_text("Password changed. Every other device has been signed out.")
    assert in_viewport(page, "#password-messages")
    expect(page.locator("#messages")).to_be_empty()
    picture(page, "account-message-next-to-action")

    page.get_by_role("button", name="Delete account").click()
    expect(page.locator("#delete-messages")).to_contain_text("Click the button again")
    assert in_viewport(page, "#delete-messages")
    expect(message).to_be_empty()  # one message at a time

    page.get_by_role("button", name="Send the verification link again").click()
    expect(page.locator("#email-messages")).to_contain_text("Check your inbox.")
    assert "Verify your email address" in django_mail.outbox[-1].subject


def start_two_factor(page: Page) -> str:
    user = UserFactory()
    log_in(page, user.username)
    page.goto("/account/")
    page.get_by_role("button", name="Turn on two-factor").click()
    secret = page.locator("#totp-secret")
    expect(secret).to_have_text(re.compile(r"^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$"))
    return secret.inner_text()


def test_the_totp_key_is_grouped_in_fours_and_a_phone_gets_an_otpauth_link(new_page):
    phone = new_page("phone", is_mobile=True, has_touch=True, viewport={"width": 390, "height": 844})
    key = start_two_factor(phone)
    assert all(len(group) == 4 for group in key.split(" ")[:-1])
    link = phone.get_by_role("link", name="Add to an authenticator app on this phone")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href.startswith("otpauth://totp/")
    assert f"secret={key.replace(' ', '')}" in href
    picture(phone, "totp-on-a-phone", "#two-factor-setup")

    desktop = new_page("desktop")
    start_two_factor(desktop)
    expect(desktop.get_by_role("link", name="Add to an authenticator app on this phone")).to_be_hidden()


def test_waits_read_as_minutes_and_hours(page, settings):
    settings.LOGIN_RATE_IP = "1/hour"
    user = UserFactory()
    page.goto("/login/")
    for _ in range(2):
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#login-form .form-error")).not_to_be_empty()
    # What the sliding window leaves of the hour (accounts/rates.py): hours and minutes, never seconds.
    expect(page.locator("#login-form .form-error")).to_have_text(
        re.compile(r"Too many attempts\. Try again in \d+ hours?( \d+ minutes?)?\.")
    )
    words = page.evaluate(
        """async () => {
            const { waitWords } = await import('/static/js/ui.js');
            return [1, 59, 60, 61, 2875, 3600, 5400, 86400].map(waitWords);
        }"""
    )
    assert words == [
        "1 second",
        "59 seconds",
        "1 minute",
        "2 minutes",
        "48 minutes",
        "1 hour",
        "1 hour 30 minutes",
        "1 day",
    ]
