"""The admin in a real Chromium, clicked as staff click it: signing in, and how its pages read.

The staff member (two-factor on) signs in through /login/ with the password
and a TOTP code (e2e/admin_steps.py); a password alone never reaches the admin.
Then the pages are measured (no sideways scroll at 1280 x 800 or on a
1024-px laptop) and photographed for docs/admin.md
(``JWTSITE_SCREENSHOTS=docs/screenshots`` writes them there). Every way the
admin ends a session, measured on two servers: test_admin_reach.py.
"""

import os
import time
import uuid
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import conf
from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from e2e.admin_steps import LAPTOP, WIDE, sign_in_to_the_admin, staff_with_two_factor
from e2e.browsing import expect_path
from harness.servers import Client
from mfa.models import Passkey
from mfa.totp import services as totp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_password_alone_never_reaches_the_admin(new_page, site):
    staff, authenticator = staff_with_two_factor()
    page = new_page("staff")
    page.goto("/admin/accounts/session/")
    expect_path(page, "/login/?next=/admin/accounts/session/")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Authentication code")).to_be_visible()

    second_tab = new_page("second tab", tab_of=page)  # the password given, the code not yet
    second_tab.goto("/admin/")
    expect_path(second_tab, "/login/?next=/admin/")

    page.get_by_label("Authentication code").fill(authenticator.now())
    page.get_by_role("button", name="Verify").click()
    expect_path(page, "/admin/accounts/session/")
    expect(page.locator("#result_list")).to_be_visible()


def test_an_expired_access_cookie_comes_back_through_one_refresh_without_the_password(staff_page):
    refreshes, logins = [], []
    staff_page.on("request", lambda r: refreshes.append(r.url) if r.url.endswith("/api/auth/refresh/") else None)
    staff_page.on("request", lambda r: logins.append(r.url) if r.url.endswith("/api/auth/login/") else None)
    staff_page.context.clear_cookies(name=conf.access_cookie_name())  # as the browser does at its Max-Age
    staff_page.goto("/admin/accounts/user/?q=staff")
    expect_path(staff_page, "/admin/accounts/user/?q=staff")
    expect(staff_page.locator("#result_list")).to_contain_text("staff")
    assert (len(refreshes), logins) == (1, [])


def test_an_open_admin_tab_stays_signed_in(new_page, site, settings):
    settings.ACCESS_TOKEN_LIFETIME = 4
    staff, authenticator = staff_with_two_factor()
    user = UserFactory(first_name="")
    page = new_page("staff")
    sign_in_to_the_admin(page, staff, authenticator, f"/admin/accounts/user/{user.pk}/change/")
    time.sleep(2 * settings.ACCESS_TOKEN_LIFETIME)  # two lifetimes: renewed in the background meanwhile
    page.get_by_label("First name").fill("Renewed")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert User.objects.get(pk=user.pk).first_name == "Renewed"


def test_log_out_revokes_the_admin_session(staff_page):
    session = Session.objects.get(user__username="staff")
    staff_page.get_by_role("button", name="Log out").click()
    expect_path(staff_page, "/login/?next=/admin/")
    assert Session.objects.get(pk=session.pk).revoked_at is not None
    staff_page.goto("/admin/")
    expect_path(staff_page, "/login/?next=/admin/")


DEVICES = [
    (
        "alice",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        "198.51.100.23",
    ),
    (
        "alice",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        "203.0.113.41",
    ),
    (
        "alice",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        "2001:db8:85a3::8a2e:370:7334",
    ),
    ("bob", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "192.0.2.77"),
    ("bob", "curl/8.8.0", "192.0.2.78"),
    (
        "carol",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
        "198.51.100.200",
    ),
    (
        "carol-with-a-rather-long-username",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
        "203.0.113.7",
    ),
]


def fits(page: Page, table: str) -> dict:
    """How wide ``table`` is next to its container (and the page next to the window), and its rows' heights."""
    return page.evaluate(
        """(selector) => {
            const table = document.querySelector(selector);
            const container = table.parentElement;
            const rows = [...table.querySelectorAll('tbody tr')].map((row) => row.getBoundingClientRect().height);
            return {
                table: table.scrollWidth, container: container.clientWidth,
                page: document.documentElement.scrollWidth, window: window.innerWidth,
                rowHeights: rows.sort((a, b) => a - b),
            };
        }""",
        table,
    )


def test_the_pages_fit_1280_and_a_laptop_and_screenshots_for_the_docs(staff_page, site, tmp_path):
    out = Path(os.environ.get("JWTSITE_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    users = {}
    for minutes_ago, (username, user_agent, ip) in zip((3, 45, 180, 1, 2900, 12, 600), DEVICES, strict=True):
        if username not in users:
            users[username] = UserFactory(username=username, email=f"{username}@example.com")
        client = Client(site)
        client.get("/api/auth/csrf/")
        response = client.post(
            "/api/auth/login/",
            {"username": username, "password": DEFAULT_PASSWORD},
            headers={"User-Agent": user_agent},
            csrf=True,
        )
        assert response.status == HTTPStatus.OK, response.body
        # Where it came from (the live server only sees 127.0.0.1), and when it was last used.
        session = Session.objects.filter(user__username=username).order_by("-created_at").first()
        last_used = timezone.now() - timedelta(minutes=minutes_ago)
        created = last_used - timedelta(days=minutes_ago % 5)
        Session.objects.filter(pk=session.pk).update(
            ip_address=ip, last_used_at=last_used, created_at=created, auth_time=created
        )
    alice_phone = Session.objects.get(user__username="alice", user_agent__contains="iPhone")
    Session.objects.filter(pk=alice_phone.pk).update(revoked_at=alice_phone.last_used_at)
    curl = Session.objects.get(user_agent__startswith="curl")
    Session.objects.filter(pk=curl.pk).update(expires_at=curl.last_used_at)
    alice = users["alice"]  # two-factor on and a passkey, for the user page's picture
    totp.totp_confirm(user=alice, code=pyotp.TOTP(totp.totp_setup_start(user=alice).secret).now())
    Passkey.objects.create(
        user=alice,
        name="MacBook Touch ID",
        credential_id=os.urandom(32),
        public_key=os.urandom(77),
        aaguid=uuid.UUID(int=0),
        user_handle=os.urandom(32),
        transports=["internal", "hybrid"],
        last_used_at=timezone.now() - timedelta(minutes=3),
    )
    User.objects.filter(pk=alice.pk).update(passkey_count=1)

    for viewport in (WIDE, LAPTOP):
        staff_page.set_viewport_size(viewport)
        staff_page.goto("/admin/accounts/session/")
        measured = fits(staff_page, "#result_list")
        staff_page.screenshot(path=str(tmp_path / f"sessions-{viewport['width']}.png"), full_page=True)
        if viewport is WIDE:
            staff_page.screenshot(path=str(out / "admin-sessions.png"), full_page=True)
            # One line per session; only the long username and the IPv6 address wrap (instead of widening the table).
            assert measured["rowHeights"][-3] <= 40, measured
        assert measured["table"] <= measured["container"], (viewport, measured)
        assert measured["page"] <= measured["window"], (viewport, measured)

        staff_page.goto(f"/admin/accounts/user/{alice.pk}/change/")
        inline = fits(staff_page, ".inline-group table")
        assert inline["table"] <= inline["container"], (viewport, inline)
        assert inline["page"] <= inline["window"], (viewport, inline)
        if viewport is WIDE:
            staff_page.screenshot(path=str(out / "admin-user.png"), full_page=True)

    staff_page.set_viewport_size(WIDE)
    session = Session.objects.filter(user=alice, revoked_at__isnull=True).order_by("created_at").first()
    staff_page.goto(f"/admin/accounts/session/{session.pk}/change/")
    expect(staff_page.locator(".object-tools")).to_contain_text("Revoke")
    staff_page.screenshot(path=str(out / "admin-session.png"), full_page=True)

    # Who revoked it, and when: the audit log after the staff member revokes it.
    staff_page.locator(".object-tools").get_by_role("link", name="Revoke").click()
    expect(staff_page.locator(".confirmation-question")).to_contain_text(f"Revoke session {session.short_id} of alice")
    staff_page.screenshot(path=str(out / "admin-revoke.png"), full_page=True)
    staff_page.get_by_role("button", name="Revoke", exact=True).click()
    staff_page.locator(".object-tools").get_by_role("link", name="Audit log").click()
    expect(staff_page.locator("#result_list")).to_contain_text("session_revoked")
    staff_page.goto("/admin/accounts/auditevent/")
    measured = fits(staff_page, "#result_list")
    assert measured["table"] <= measured["container"], measured
    staff_page.screenshot(path=str(out / "admin-audit.png"), full_page=True)
