"""What the browser tests do again and again: sign up or in (through the pages or the API), wait
for a URL, count requests, let the access token lapse."""

import re
import time

from playwright.sync_api import BrowserContext, Page, expect

from accounts import conf
from accounts.tests.factories import DEFAULT_PASSWORD

PASSWORD = "a-long-unusual-passphrase"


def register(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/register/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#who-username")).to_have_text(username)


def log_in(page: Page, username: str, password: str = DEFAULT_PASSWORD, next_path: str = "") -> None:
    page.goto(f"/login/{next_path and f'?next={next_path}'}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def sign_in(context: BrowserContext, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Signs the browser in through the API, with no page: quicker than ``log_in`` where login is not the subject.

    The cookies land in the browser context (its request client shares them),
    so every tab opened next is signed in; no tab hears of it.
    """
    context.request.get("/api/auth/csrf/")
    csrf = next(cookie["value"] for cookie in context.cookies() if cookie["name"] == "csrftoken")
    response = context.request.post(
        "/api/auth/login/", data={"username": username, "password": password}, headers={"X-CSRFToken": csrf}
    )
    assert response.status == 200, response.text()


def expect_path(page: Page, path: str) -> None:
    """Waits until the page is at ``path`` (query included) on the live server."""
    page.wait_for_url(re.compile(rf"^http://[^/]+{re.escape(path)}$"))


def count_requests(page: Page | BrowserContext, path: str) -> list[str]:
    """A list that grows by one for every request sent to ``path`` by the page (or every tab of the context)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.method) if request.url.endswith(path) else None)
    return seen


def expire_access_token(context: BrowserContext) -> None:
    """Drops the access cookie, as the browser does once its Max-Age (the access lifetime) is over.

    The next API call of every tab then gets a 401, with the refresh cookie still there.
    """
    context.clear_cookies(name=conf.access_cookie_name())


SHORT_ACCESS_LIFETIME = 3  # seconds: long enough to load a page, short enough to wait out


def wait_for_access_expiry() -> None:
    # The access cookie's Max-Age is the access lifetime: after it the browser
    # stops sending it, and the next API call gets a 401.
    time.sleep(SHORT_ACCESS_LIFETIME + 0.5)
