"""Devices in a real Chromium: a second device listed, revoked, logged out everywhere; a password change.

And the admin ending a user's sessions, as the user's browser sees it.

The access token lives a few seconds (``SHORT_ACCESS_LIFETIME``) so the tests
can wait it out and see the refresh refused.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from e2e.browsing import SHORT_ACCESS_LIFETIME, count_requests, expect_path, log_in, wait_for_access_expiry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timing]


def test_second_device_is_listed_revoked_and_logged_out_everywhere(new_page, site, settings):
    settings.ACCESS_TOKEN_LIFETIME = SHORT_ACCESS_LIFETIME
    user = UserFactory()
    laptop, phone = new_page("laptop"), new_page("phone")
    log_in(laptop, user.username)
    log_in(phone, user.username)

    laptop.goto("/sessions/")
    devices = laptop.locator(".session")
    expect(devices).to_have_count(2)
    this_device = devices.filter(has=laptop.get_by_text("This device", exact=True))
    expect(this_device).to_have_count(1)
    expect(this_device.get_by_role("button", name="Revoke")).to_have_count(0)
    expect(this_device).to_contain_text("Chrome")
    expect(this_device).to_contain_text("127.0.0.1")
    this_device.get_by_text("User agent").click()
    expect(this_device.locator(".user-agent")).to_contain_text("Mozilla/5.0")

    devices.get_by_role("button", name="Revoke", exact=True).click()
    expect(devices).to_have_count(1)
    expect(laptop.get_by_role("alert")).to_contain_text("Signed out")
    # The phone's access token lives out its few seconds; then its refresh fails.
    wait_for_access_expiry()
    phone.goto("/posts/")
    expect_path(phone, "/login/?next=/posts/")

    log_in(phone, user.username)
    laptop.reload()
    expect(devices).to_have_count(2)
    laptop.get_by_role("button", name="Log out everywhere").click()
    laptop.wait_for_url(re.compile(r"/login/"))
    # No waiting this time: every access token already issued is rejected at once.
    phone.goto("/posts/")
    expect_path(phone, "/login/?next=/posts/")
    laptop.goto("/")
    expect(laptop.get_by_role("link", name="Log in")).to_be_visible()
    assert Session.objects.live().count() == 0


def test_password_change_keeps_this_device_and_signs_out_the_others(new_page, site):
    user = UserFactory()
    laptop, phone = new_page("laptop"), new_page("phone")
    log_in(laptop, user.username)
    log_in(phone, user.username)

    laptop.goto("/account/")
    laptop.get_by_label("Current password").fill("wrong")
    laptop.get_by_label("New password").fill("another-long-passphrase")
    laptop.get_by_role("button", name="Change password").click()
    expect(laptop.locator("#old-password-error")).to_be_visible()

    laptop.get_by_label("Current password").fill(DEFAULT_PASSWORD)
    laptop.get_by_role("button", name="Change password").click()
    expect(laptop.get_by_role("alert")).to_contain_text("Password changed")
    laptop.goto("/sessions/")
    expect(laptop.locator(".session")).to_have_count(1)
    phone.goto("/posts/")
    expect_path(phone, "/login/?next=/posts/")


def admin_log_in(page: Page) -> None:
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect_path(page, "/admin/")


def run_admin_action(page: Page, changelist: str, search: str, action_label: str) -> None:
    page.goto(f"{changelist}?q={search}")
    page.locator("input.action-select").first.check()
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("evoked")


def test_admin_log_out_everywhere_signs_the_user_out_at_once(new_page, site):
    user = UserFactory()
    users_page, admin_page = new_page("user"), new_page("admin")
    log_in(users_page, user.username)
    users_page.goto("/posts/")
    expect(users_page.get_by_role("button", name="Publish")).to_be_visible()

    admin_log_in(admin_page)
    run_admin_action(admin_page, "/admin/accounts/user/", user.username, "Log out everywhere")

    refreshes = count_requests(users_page, "/api/auth/refresh/")
    users_page.reload()
    expect_path(users_page, "/login/?next=/posts/")
    assert refreshes == ["POST"]


def test_admin_deactivating_a_user_ends_their_sessions_for_good(new_page, site):
    user = UserFactory()
    users_page, admin_page = new_page("user"), new_page("admin")
    log_in(users_page, user.username)

    admin_log_in(admin_page)
    admin_page.goto(f"/admin/accounts/user/{user.pk}/change/")
    admin_page.get_by_label("Active").uncheck()
    admin_page.get_by_role("button", name="Save", exact=True).click()
    expect(admin_page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Session.objects.filter(user=user).live().count() == 0

    # Reactivated, the account's old sessions stay dead: the user signs in again.
    User.objects.filter(pk=user.pk).update(is_active=True)
    users_page.goto("/posts/")
    expect_path(users_page, "/login/?next=/posts/")


def test_admin_revoke_selected_sessions_fails_the_users_next_refresh(new_page, site, settings):
    settings.ACCESS_TOKEN_LIFETIME = SHORT_ACCESS_LIFETIME
    user = UserFactory()
    users_page, admin_page = new_page("user"), new_page("admin")
    log_in(users_page, user.username)

    admin_log_in(admin_page)
    run_admin_action(admin_page, "/admin/accounts/session/", user.username, "Revoke selected sessions")
    assert Session.objects.filter(user=user).live().count() == 0

    wait_for_access_expiry()
    refreshes = count_requests(users_page, "/api/auth/refresh/")
    users_page.goto("/posts/")
    expect_path(users_page, "/login/?next=/posts/")
    assert refreshes == ["POST"]
