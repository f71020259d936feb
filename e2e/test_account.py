"""The account lifecycle in a real Chromium: a forgotten password through a real SMTP server,
verifying an address, changing it behind a re-authentication prompt, deleting the account."""

import time
from datetime import timedelta

import environ
import pytest
from django.core import mail as django_mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Session, User
from accounts.tests.factories import UserFactory
from e2e.browsing import expect_path, log_in
from harness.smtp import SmtpServer, link_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-fresh-and-unusual-passphrase"


@pytest.fixture
def smtp(settings, site):
    """A real SMTP server on loopback; the live server mails it, as ``EMAIL_URL=smtp://127.0.0.1:PORT`` says."""
    with SmtpServer() as server:
        for name, value in environ.Env.email_url_config(server.url).items():
            setattr(settings, name, value)
        settings.SITE_URL = site  # links in the mails lead to this live server
        yield server


def test_a_forgotten_password_from_the_login_page_to_a_new_sign_in(new_page, smtp):
    user = UserFactory(email="walker@example.com")
    other_device = new_page("other device")
    log_in(other_device, user.username)
    expect(other_device.locator("#who-username")).to_have_text(user.username)

    page = new_page("forgetful")
    page.goto("/login/")
    page.get_by_role("link", name="Forgot password?").click()
    expect_path(page, "/password-reset/")
    page.get_by_label("Email").fill("walker@example.com")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("alert")).to_contain_text("on its way")

    mail = smtp.inbox.wait_for(to="walker@example.com", subject="Reset your password")
    page.goto(link_in(mail, "/password-reset/confirm/?token="))
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your new password is set.")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    log_in(page, user.username, password=NEW_PASSWORD)
    expect(page.locator("#who-username")).to_have_text(user.username)

    # The device signed in before the reset is signed out.
    other_device.reload()
    expect(other_device.get_by_role("link", name="Log in")).to_be_visible()
    notice = smtp.inbox.wait_for(to="walker@example.com", subject="Your password was reset")
    assert "/sessions/" in link_in(notice, "/sessions/")
    assert Session.objects.live().count() == 1


def test_the_reset_page_answers_the_same_for_an_unknown_address(page, smtp):
    page.goto("/password-reset/")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("alert")).to_contain_text("If an account uses that address")
    time.sleep(1)
    assert smtp.inbox.messages == []


def test_a_used_reset_link_says_so(page, smtp):
    user = UserFactory()
    page.goto("/password-reset/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send reset link").click()
    link = link_in(smtp.inbox.wait_for(to=user.email), "/password-reset/confirm/?token=")
    page.goto(link)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your new password is set.")).to_be_visible()
    page.goto(link)  # opened again, the page says so before a password is typed
    expect(page.get_by_text("not valid, or it has been used already")).to_be_visible()
    expect(page.get_by_label("New password")).to_be_hidden()
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    assert User.objects.get().check_password(NEW_PASSWORD)


def register(page: Page, username: str, email: str) -> None:
    page.goto("/register/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text(f"We sent a mail to {email}.")).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    expect(page.locator("#who-username")).to_have_text(username)


def test_verifying_the_address_given_at_registration(page, site):
    register(page, "vera", "vera@example.com")
    page.goto("/account/")
    expect(page.locator("#email-status")).to_have_text("Not verified")

    (message,) = django_mail.outbox
    link = next(line for line in message.body.splitlines() if "/verify-email/?token=" in line).strip()
    page.goto(link.replace("http://localhost:8000", site))
    expect(page.get_by_text("Your email address is verified.")).to_be_visible()
    page.goto("/account/")
    expect(page.locator("#email-status")).to_have_text("Verified")


def test_changing_the_email_asks_for_the_password_when_the_sign_in_is_old(page, site):
    register(page, "cleo", "cleo@example.com")
    # The sign-in happened an hour ago: the session says so, and so will the
    # next access token, once the page refreshes it.
    Session.objects.update(auth_time=timezone.now() - timedelta(hours=1))
    page.context.clear_cookies(name="__Host-access_token")
    page.goto("/account/")
    expect(page.locator("#email-status")).to_have_text("Not verified")
    django_mail.outbox.clear()

    page.get_by_label("New email").fill("cleo@example.org")
    page.get_by_role("button", name="Change email").click()
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Password").fill("not-my-password")
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog.locator("#reauth-password-error")).to_be_visible()
    dialog.get_by_label("Password").fill(NEW_PASSWORD)
    dialog.get_by_role("button", name="Confirm").click()

    # The action went through with what was typed before the prompt.
    expect(page.locator("#email-messages")).to_contain_text("verify the new address")
    expect(dialog).to_be_hidden()
    assert {tuple(message.to) for message in django_mail.outbox} == {("cleo@example.org",), ("cleo@example.com",)}
    assert User.objects.get().email == "cleo@example.com"  # until verified


def test_deleting_the_account(page, site):
    user = UserFactory()
    log_in(page, user.username)
    page.goto("/account/")
    page.get_by_role("button", name="Delete account").click()
    page.get_by_role("button", name="Yes, delete my account for good").click()
    expect_path(page, "/?account=deleted")
    expect(page.get_by_role("alert")).to_contain_text("Your account has been deleted")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert not User.objects.exists()


def test_renaming_the_account(page, site):
    user = UserFactory(username="proposed.name")
    log_in(page, user.username)
    page.goto("/account/")
    expect(page.locator("#username-current")).to_have_text("proposed.name")
    page.get_by_label("Username", exact=True).fill("taken")
    UserFactory(username="Taken")
    page.get_by_role("button", name="Change username").click()
    expect(page.locator("#username-new-error")).to_be_visible()
    page.get_by_label("Username", exact=True).fill("chosen-name")
    page.get_by_role("button", name="Change username").click()
    expect(page.locator("#username-current")).to_have_text("chosen-name")
    page.goto("/")
    expect(page.locator("#who-username")).to_have_text("chosen-name")
    assert User.objects.get(pk=user.pk).username == "chosen-name"
