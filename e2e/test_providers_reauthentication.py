"""Confirming it is you through the provider that made the account, in Chromium, against a real provider process.

The account was made by signing in with Acme: no password, no passkey. Once
its sign-in is older than ``REAUTH_WINDOW`` (two seconds here, waited for on
the clock), a sensitive action's dialog offers "Confirm with Acme"; the
provider asks to sign in again (``prompt=login``), and back on /account/ the
page says so and the action goes through. Signing in there as someone else
confirms nothing.
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Session, User
from e2e.browsing import expect_path
from e2e.provider_steps import INTERACTION, sign_in_at_provider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timing]  # a 2-second window

SHORT_WINDOW = 2


def live_session(user: User) -> Session:
    return Session.objects.get(user=user, revoked_at__isnull=True)


def wait_until_older_than_the_window(session: Session, window: int) -> None:
    """Waits (on the clock, not a fixed sleep) until ``now - auth_time > window``: whole seconds, so one more."""
    deadline = session.auth_time.timestamp() + window + 1
    while time.time() <= deadline:
        time.sleep(0.1)


def rename(page: Page, username: str) -> None:
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_role("button", name="Change username").click()


def test_an_account_made_by_the_provider_confirms_it_is_them_there(page, providers_on, settings):
    page.goto("/login/")
    page.get_by_role("button", name="Sign in with Acme").click()
    sign_in_at_provider(page, "erin")
    expect_path(page, "/")
    user = User.objects.get(username="erin")
    assert not user.has_usable_password()
    signed_in = live_session(user)
    settings.REAUTH_WINDOW = SHORT_WINDOW
    wait_until_older_than_the_window(signed_in, SHORT_WINDOW)

    page.goto("/account/")
    rename(page, "erin2")
    dialog = page.get_by_role("dialog", name="Confirm it is you")
    expect(dialog.get_by_role("button", name="Confirm with Acme")).to_be_visible()
    expect(dialog.get_by_label("Password")).to_be_hidden()  # the account has none
    expect(dialog.get_by_role("button", name="Confirm with Other")).to_have_count(0)  # not linked

    # Someone holding this session signs in at the provider as another person: nothing is confirmed.
    dialog.get_by_role("button", name="Confirm with Acme").click()
    sign_in_at_provider(page, "mallory")
    page.wait_for_url(re.compile(r".*/account/\?provider_error=provider_identity_mismatch$"))
    expect(page.locator("#providers-messages")).to_contain_text("as someone else")
    assert live_session(user).auth_time == signed_in.auth_time

    rename(page, "erin2")
    dialog.get_by_role("button", name="Confirm with Acme").click()
    # The provider has a session (Mallory's now): it asks to sign in all the same, then for Erin's consent anew.
    sign_in_at_provider(page, "erin")
    expect(page.get_by_role("alert").filter(has_text="Confirmed. You can go on.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/account/$"))  # the mark is gone: a reload says nothing again
    confirmed = live_session(user)
    assert confirmed.pk == signed_in.pk
    assert confirmed.amr.split()[0] == "ext"
    assert confirmed.auth_time > signed_in.auth_time

    # The window now ends just after the first sign-in's: only the new auth_time can let the rename through.
    settings.REAUTH_WINDOW = max(SHORT_WINDOW, int((confirmed.auth_time - signed_in.auth_time).total_seconds()) - 1)
    rename(page, "erin2")
    expect(page.get_by_role("alert").filter(has_text="Your username is now erin2.")).to_be_visible()
    expect(dialog).to_be_hidden()
    assert User.objects.get(pk=user.pk).username == "erin2"
    assert not INTERACTION.match(page.url)
