"""The site in a real Chromium: pages, silent refresh, the browsable API, ``?next=``, what scripts can read.

Each test drives the pages the way a person would (labels and button names
from API.md "Pages") against the live server; the browser keeps the tokens in
httpOnly cookies and the tests check they never become readable by scripts.
Posts: test_browser_posts.py; devices and the admin: test_browser_devices.py.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Session, User
from accounts.tests.factories import UserFactory
from e2e.browsing import (
    PASSWORD,
    SHORT_ACCESS_LIFETIME,
    count_requests,
    expect_path,
    log_in,
    register,
    wait_for_access_expiry,
)
from posts.models import Post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timing]


def test_register_lands_on_the_signed_in_home(page, site):
    page.goto("/")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("link", name="Register")).to_be_visible()

    register(page, "alice")

    expect_path(page, "/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)
    assert User.objects.filter(username="alice").exists()


def test_register_shows_api_errors_next_to_their_field(page, site):
    UserFactory(username="taken")
    page.goto("/register/")
    page.get_by_label("Username").fill("taken")
    page.get_by_label("Password").fill("123")
    page.get_by_role("button", name="Register").click()

    expect(page.locator("#register-username-error")).to_contain_text("already exists")
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Username").fill("fresh")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#register-password-error")).to_contain_text("too short")
    expect(page.locator("#register-username-error")).to_be_hidden()
    expect_path(page, "/register/")


def test_reload_keeps_you_signed_in_and_log_out_signs_you_out(page, site):
    register(page, "alice")
    page.reload()
    expect(page.locator("#who-username")).to_have_text("alice")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("alert")).to_contain_text("signed out")
    page.reload()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert Session.objects.live().count() == 0


def test_a_503_from_the_api_is_retried_once_after_its_retry_after(page, site, allow_console_errors):
    allow_console_errors.append(r"status of 503 .*/api/me/")
    register(page, "alice")
    answered = []

    def unavailable_once(route):
        # The server's own answer when its database is down (jwtsite/exceptions.py).
        if not answered:
            answered.append(503)
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"detail": "The database is unavailable; try again shortly.", "code": "database_unavailable"}',
            )
        else:
            answered.append("server")
            route.continue_()

    page.route("**/api/me/", unavailable_once)
    page.reload()
    expect(page.locator("#who-username")).to_have_text("alice")
    assert answered == [503, "server"]


def test_wrong_password_shows_one_generic_message(page, site):
    user = UserFactory()
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-form .form-error")).to_contain_text("No active account")
    expect_path(page, "/login/")


def test_expired_access_token_is_refreshed_silently_with_one_request(page, site, settings):
    settings.ACCESS_TOKEN_LIFETIME = SHORT_ACCESS_LIFETIME
    register(page, "alice")
    Post.objects.create(author=User.objects.get(username="alice"), title="Still here", body="")
    refreshes = count_requests(page, "/api/auth/refresh/")

    wait_for_access_expiry()
    # /posts/ asks /api/me/ and /api/posts/ at once: both get a 401, one refresh serves both.
    page.goto("/posts/")
    expect(page.get_by_role("heading", name="Still here")).to_be_visible()
    assert refreshes == ["POST"]

    wait_for_access_expiry()
    statuses = page.evaluate(
        """async () => {
            const { api } = await import('/static/js/api.js');
            const calls = ['/api/me/', '/api/posts/', '/api/auth/sessions/', '/api/me/', '/api/posts/?page=1'];
            return (await Promise.all(calls.map((path) => api(path)))).map((response) => response.status);
        }"""
    )
    assert statuses == [200] * 5
    assert refreshes == ["POST", "POST"]
    expect_path(page, "/posts/")


def test_no_token_is_readable_by_scripts(page, site):
    register(page, "alice")
    for path in ("/", "/posts/", "/sessions/", "/api/posts/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        storage = page.evaluate(
            """() => ({
                cookies: document.cookie.split(';').map((c) => c.trim().split('=')[0]).filter(Boolean),
                local: Object.keys(localStorage).length,
                session: Object.keys(sessionStorage).length,
            })"""
        )
        assert storage == {"cookies": ["csrftoken"], "local": 0, "session": 0}, path

    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["__Host-access_token"]["httpOnly"] is True
    assert cookies["__Secure-refresh_token"]["httpOnly"] is True
    assert cookies["__Secure-refresh_token"]["path"] == "/api/auth/"


def test_browsable_api_shows_the_user_and_logs_in_and_out(page, site):
    register(page, "alice")
    page.goto("/api/posts/")
    expect(page.locator("#api-user")).to_have_text("Signed in as alice")

    # Its POST form works: the cookie authenticates, the form's csrfmiddlewaretoken passes.
    form = page.locator("#post-object-form")
    form.locator("input[name=title]").fill("From the browsable API")
    form.get_by_role("button", name="POST").click()
    expect(page.locator(".response-info")).to_contain_text("HTTP 201 Created")
    assert Post.objects.filter(title="From the browsable API").exists()

    page.goto("/api/posts/")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.locator(".response-info")).to_contain_text("HTTP 401 Unauthorized")

    page.get_by_role("link", name="Log in").click()
    expect_path(page, "/login/?next=/api/posts/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect_path(page, "/api/posts/")
    expect(page.locator("#api-user")).to_have_text("Signed in as alice")


def test_login_next_never_leaves_the_site(page, site):
    user = UserFactory()
    page.goto("/")
    verdicts = page.evaluate(
        """async () => {
            const { safeNextPath } = await import('/static/js/api.js');
            const candidates = ['/posts/', '/posts/?page=2', '//evil.example', '/\\\\evil.example',
                                'https://evil.example/', '/\\t/evil.example', 'javascript:alert(1)',
                                '', ' /posts/', '/%2F%2Fevil.example'];
            return Object.fromEntries(candidates.map((c) => [c, safeNextPath(c)]));
        }"""
    )
    assert verdicts == {
        "/posts/": "/posts/",
        "/posts/?page=2": "/posts/?page=2",
        "//evil.example": None,
        "/\\evil.example": None,
        "https://evil.example/": None,
        "/\t/evil.example": None,
        "javascript:alert(1)": None,
        "": None,
        " /posts/": None,
        "/%2F%2Fevil.example": "/%2F%2Fevil.example",
    }

    log_in(page, user.username, next_path="//evil.example")
    expect_path(page, "/")
    assert page.url.startswith(site)


def test_pages_fit_a_phone_and_screenshots_for_the_readme(new_page, site, tmp_path):
    """Takes the README's and docs' screenshots (``JWTSITE_SCREENSHOTS=docs/screenshots`` writes them there).

    On a phone-sized screen no page scrolls sideways.
    """
    out = Path(os.environ.get("JWTSITE_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    Post.objects.create(author=bob, title="Welcome to jwtsite", body="Tokens live in httpOnly cookies.")
    Post.objects.create(
        author=alice, title="Short-lived access, rotating refresh", body="Five minutes, then a refresh."
    )
    phone = new_page("phone")  # also the second device on the sessions page
    log_in(phone, "alice")
    page = new_page("desktop")
    page.set_viewport_size({"width": 1000, "height": 700})
    log_in(page, "alice")

    for name, path, ready in [
        ("home", "/", "#who-username"),
        ("posts", "/posts/", ".post"),
        ("sessions", "/sessions/", ".session"),
    ]:
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)

        phone.set_viewport_size({"width": 375, "height": 740})
        phone.goto(path)
        expect(phone.locator(ready).first).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
