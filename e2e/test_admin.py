"""The admin in a real Chromium, clicked as staff click it: every way it ends a session reaches every server in 1 s.

The staff member (two-factor on) signs in through /login/ with the password
and a TOTP code, then revokes from the session list and the user page. The
victim holds a token pair from ``/api/token/``; after each click its access
token is polled on two servers until refused: the live server the admin runs
on, and another server process, a gunicorn on the same database that learns
revocations only by reading them (as every other server of a deployment does).
Each must refuse within 1 s of the click, and the refresh token at once.
Then the pages are measured (no sideways scroll at 1280 x 800 or on a
1024-px laptop) and photographed for docs/admin.md
(``JWTSITE_SCREENSHOTS=docs/screenshots`` writes them there).
"""

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

import pyotp
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import conf
from accounts.models import Session, User
from accounts.tests.admin_forms import YES_IM_SURE
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from e2e.browsing import expect_path
from harness import reach
from harness.servers import Client, Gunicorn
from mfa.models import Passkey
from mfa.totp import services as totp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUDGET = 1.0  # seconds from the click to the last server refusing the access token (API.md, "Revocation reach")
LOG_DIR = Path(__file__).resolve().parent / "artifacts" / "admin"
WIDE, LAPTOP = {"width": 1280, "height": 800}, {"width": 1024, "height": 768}
VICTIM_AGENT = "victim-script/1.0 (a stolen token pair)"


def database_url() -> str:
    """The test database, as a URL another process can open."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    auth = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{auth}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"


@pytest.fixture(scope="module")
def other_server(django_db_setup, django_db_blocker) -> Iterator[Gunicorn]:
    """Another server process on the test database, with the test's keys; it follows revocations by polling."""
    with django_db_blocker.unblock():
        env = {
            "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": database_url(),
            "CACHE_URL": "locmemcache://",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "JWT_COOKIE_SECURE": "0",
        }
    with Gunicorn(env=env, log_path=LOG_DIR / "other-server.log", workers=1) as server:
        yield server


@dataclass
class Victim:
    """A user's token pair from ``/api/token/``: a session of its own, which the staff member will end."""

    user: User
    access: str
    refresh: str
    session: Session

    @classmethod
    def of(cls, site: str, user: User) -> "Victim":
        pair = Client(site).post(
            "/api/token/",
            {"username": user.username, "password": DEFAULT_PASSWORD},
            headers={"User-Agent": VICTIM_AGENT},
            cookies={},
        )
        assert pair.status == HTTPStatus.OK, pair.body
        tokens = pair.json()
        session = Session.objects.filter(user=user).order_by("-created_at").first()
        return cls(user=user, access=tokens["access"], refresh=tokens["refresh"], session=session)

    def accepted_on(self, *urls: str) -> None:
        for url in urls:
            response = Client(url).get(reach.ME, headers=reach.bearer(self.access), cookies={})
            assert response.status == HTTPStatus.OK, (url, response.body)


# Per path: seconds from the click to the POST's answer (the revocation committed), and to the last server refusing.
MEASURED: list[tuple[float, float]] = []


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if MEASURED:
        answered, refused = (sorted(column) for column in zip(*MEASURED, strict=True))
        print(
            f"\nadmin, {len(MEASURED)} paths: click -> POST answered max {answered[-1] * 1000:.0f} ms; "
            f"click -> refused on both servers max {refused[-1] * 1000:.0f} ms"
        )


def measure_reach(victim: Victim, site: str, other_server: Gunicorn, clicked: tuple[float, float]) -> dict[str, float]:
    """Seconds from the click until each server refuses the access token; the refresh token must be dead already.

    ``clicked`` is when the button was clicked and when its POST was answered.
    The budget counts from the click, so it includes the POST itself (the
    revocation's own transaction), as harness/reach.py counts from sending a logout.
    """
    clicked_at, answered_at = clicked
    refreshed = Client(site).post("/api/token/refresh/", {"refresh": victim.refresh}, cookies={})
    assert refreshed.status == HTTPStatus.UNAUTHORIZED, "the refresh token outlived the click"
    delays = {}
    for name, url in (("this server", site), ("another server", other_server.url)):
        reach.wait_for_status(url, victim.access, HTTPStatus.UNAUTHORIZED)
        delays[name] = time.monotonic() - clicked_at
    MEASURED.append((answered_at - clicked_at, max(delays.values())))
    assert max(delays.values()) <= BUDGET, (delays, f"POST answered after {answered_at - clicked_at:.3f} s")
    return delays


def staff_with_two_factor() -> tuple[User, pyotp.TOTP]:
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    setup = totp.totp_setup_start(user=staff)
    authenticator = pyotp.TOTP(setup.secret)
    totp.totp_confirm(user=staff, code=authenticator.at(time.time() - authenticator.interval))  # leaves "now" unspent
    return staff, authenticator


def sign_in_to_the_admin(page: Page, staff: User, authenticator: pyotp.TOTP, path: str = "/admin/") -> None:
    page.goto(path)
    expect_path(page, f"/login/?next={path}")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Authentication code")).to_be_visible()
    page.get_by_label("Authentication code").fill(authenticator.now())
    page.get_by_role("button", name="Verify").click()
    expect_path(page, path)


@pytest.fixture
def staff_page(new_page, site) -> Page:
    staff, authenticator = staff_with_two_factor()
    page = new_page("staff")
    page.set_viewport_size(WIDE)
    sign_in_to_the_admin(page, staff, authenticator)
    return page


def press(page: Page, button) -> tuple[float, float]:
    """Clicks ``button`` (a locator) and waits for the answer to its POST, not the page after it.

    Returns when it clicked and when the POST was answered (the revocation committed).
    """
    with page.expect_response(lambda response: response.request.method == "POST"):
        clicked_at = time.monotonic()
        button.click()
    return clicked_at, time.monotonic()


def confirm(page: Page, button: str) -> tuple[float, float]:
    """Presses the confirmation page's button (``press``)."""
    expect(page.locator(".confirmation-question")).to_be_visible()
    return press(page, page.get_by_role("button", name=button, exact=True))


# Signing in --------------------------------------------------------------------------


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


# Every way the admin ends a session, measured on two servers --------------------------


def test_the_session_list_revoke_selected_under_the_live_filter(staff_page, site, other_server):
    user = UserFactory()
    victim, bystander = Victim.of(site, user), Victim.of(site, UserFactory())
    victim.accepted_on(site, other_server.url)
    staff_page.goto("/admin/accounts/session/")
    staff_page.locator("#changelist-filter").get_by_role("link", name="Live").click()
    staff_page.locator("#searchbar").fill(user.username)
    staff_page.locator("#searchbar").press("Enter")
    staff_page.locator(f'input.action-select[value="{victim.session.pk}"]').check()
    staff_page.locator("select[name=action]").select_option(label="Revoke selected sessions")
    clicked_at = press(staff_page, staff_page.get_by_role("button", name="Go"))
    measure_reach(victim, site, other_server, clicked_at)
    expect(staff_page.locator(".messagelist")).to_contain_text("Revoked 1 session(s).")
    bystander.accepted_on(site, other_server.url)


def test_the_session_pages_revoke_and_delete_buttons(staff_page, site, other_server):
    user = UserFactory()
    for button in ("Revoke", "Delete"):
        victim = Victim.of(site, user)
        victim.accepted_on(site, other_server.url)
        staff_page.goto(f"/admin/accounts/session/{victim.session.pk}/change/")
        expect(staff_page.locator(".field-user_agent")).to_contain_text(VICTIM_AGENT)
        if button == "Revoke":
            staff_page.locator(".object-tools").get_by_role("link", name="Revoke").click()
            clicked_at = confirm(staff_page, "Revoke")
        else:
            staff_page.get_by_role("link", name="Delete").click()
            clicked_at = press(staff_page, staff_page.get_by_role("button", name=YES_IM_SURE))
        measure_reach(victim, site, other_server, clicked_at)
        expect(staff_page.locator(".messagelist")).to_be_visible()


def test_the_user_pages_buttons(staff_page, site, other_server):
    user = UserFactory()
    user_page = f"/admin/accounts/user/{user.pk}/change/"
    victim, other_device = Victim.of(site, user), Victim.of(site, user)
    totp.totp_confirm(user=user, code=pyotp.TOTP(totp.totp_setup_start(user=user).secret).now())

    # "Revoke…" on one session in the inline: that one only.
    staff_page.goto(user_page)
    staff_page.locator(f'a[href^="/admin/accounts/session/{victim.session.pk}/revoke/"]').click()
    measure_reach(victim, site, other_server, confirm(staff_page, "Revoke"))
    expect_path(staff_page, user_page)
    other_device.accepted_on(site, other_server.url)

    # "Remove two-factor" signs the user out everywhere.
    staff_page.locator(".object-tools").get_by_role("link", name="Remove two-factor").click()
    measure_reach(other_device, site, other_server, confirm(staff_page, "Remove two-factor"))
    expect(staff_page.locator(".messagelist")).to_contain_text("Two-factor removed")
    assert User.objects.get(pk=user.pk).totp_enabled is False

    # "Log out everywhere".
    victim = Victim.of(site, user)
    staff_page.goto(user_page)
    staff_page.locator(".object-tools").get_by_role("link", name="Log out everywhere").click()
    measure_reach(victim, site, other_server, confirm(staff_page, "Log out everywhere"))
    expect(staff_page.locator(".messagelist")).to_contain_text("Logged out")


def test_deactivating_setting_a_password_and_deleting_a_user(staff_page, site, other_server):
    user = UserFactory()
    user_page = f"/admin/accounts/user/{user.pk}/change/"

    victim = Victim.of(site, user)
    staff_page.goto(user_page)
    staff_page.get_by_role("link", name="Reset password").click()
    staff_page.locator("#id_password1").fill("a-new-passphrase-from-staff")
    staff_page.locator("#id_password2").fill("a-new-passphrase-from-staff")
    clicked_at = press(staff_page, staff_page.get_by_role("button", name="Change password"))
    measure_reach(victim, site, other_server, clicked_at)
    expect(staff_page.locator(".messagelist")).to_contain_text("Password changed successfully.")

    user.set_password(DEFAULT_PASSWORD)  # back to the one Victim.of signs in with
    user.save(update_fields=["password"])
    victim = Victim.of(site, user)
    staff_page.goto(user_page)
    staff_page.get_by_label("Active").uncheck()
    clicked_at = press(staff_page, staff_page.get_by_role("button", name="Save", exact=True))
    measure_reach(victim, site, other_server, clicked_at)
    expect(staff_page.locator(".messagelist")).to_contain_text("was changed successfully")

    User.objects.filter(pk=user.pk).update(is_active=True)
    victim = Victim.of(site, user)
    staff_page.goto(f"/admin/accounts/user/{user.pk}/delete/")
    clicked_at = press(staff_page, staff_page.get_by_role("button", name=YES_IM_SURE))
    measure_reach(victim, site, other_server, clicked_at)
    expect(staff_page.locator(".messagelist")).to_contain_text("was deleted successfully")


# How the pages read ---------------------------------------------------------------------

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
