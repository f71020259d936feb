"""Many tabs of one browser, one session: one refresh for all of them, and sign-in and sign-out shown in every tab.

The tabs of one browser share the auth cookies, so the page script
coordinates them (static/js/session-sync.js): a Web Lock around the refresh,
and a BroadcastChannel that tells the other tabs about a refresh, a sign-in or
a sign-out. Each test here opens several tabs of one browser context and
checks what a person would see in each, without reloading any of them. The
access token is made to lapse by dropping its cookie, as the browser does when
its Max-Age is over, so no test waits for a clock.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import Session
from accounts.tests.factories import UserFactory
from e2e.browsing import count_requests, expect_path, expire_access_token, log_in, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timing]

# Browsers that lack one API or the other: the page script must fall back, not break.
WITHOUT_WEB_LOCKS = "delete Navigator.prototype.locks;"
# The tests keep the real BroadcastChannel, renamed, for starting their calls together.
WITHOUT_BROADCAST_CHANNEL = "window.E2EBroadcastChannel = window.BroadcastChannel; delete window.BroadcastChannel;"

# Each tab gets ready to send `paths` through api.js the moment any tab says "go",
# so the calls of every tab leave together, as when the tabs wake up at once.
GET_READY = """async (paths) => {
    const { api } = await import('/static/js/api.js');
    const Channel = window.E2EBroadcastChannel || BroadcastChannel;
    window.burst = new Promise((resolve) => {
        new Channel('e2e:go').onmessage = () =>
            resolve(Promise.all(paths.map((path) => api(path).then((response) => response.status))));
    });
}"""
GO = "() => new (window.E2EBroadcastChannel || BroadcastChannel)('e2e:go').postMessage('go')"
CALLS = ["/api/me/", "/api/posts/", "/api/auth/sessions/"]


def open_tabs(new_page, count: int, init_script: str = "") -> list[Page]:
    """``count`` tabs of one new browser (one context: shared cookies, locks and channels)."""
    first = new_page("tab-1")
    if init_script:
        first.context.add_init_script(init_script)
    return [first] + [new_page(f"tab-{number}", tab_of=first) for number in range(2, count + 1)]


def fire_together(tabs: list[Page]) -> list[list[int]]:
    """Sends ``CALLS`` from every tab at once; the statuses each tab's api() returned."""
    for tab in tabs:
        tab.evaluate(GET_READY, CALLS)
    tabs[0].evaluate(GO)
    return [tab.evaluate("() => window.burst") for tab in tabs]


@pytest.mark.parametrize(
    "init_script",
    ["", WITHOUT_BROADCAST_CHANNEL],
    ids=["locks-and-channel", "locks-without-channel"],
)
def test_one_refresh_for_every_tab_of_the_browser(new_page, site, init_script):
    """Without the channel a tab that waited for the lock probes before refreshing, so one refresh still serves all."""
    user = UserFactory()
    tabs = open_tabs(new_page, 3, init_script)
    sign_in(tabs[0].context, user.username)
    for tab in tabs:
        tab.goto("/")
        expect(tab.locator("#who-username")).to_have_text(user.username)
    context = tabs[0].context
    refreshes = count_requests(context, "/api/auth/refresh/")

    expire_access_token(context)
    statuses = fire_together(tabs)

    assert statuses == [[200, 200, 200]] * 3
    assert refreshes == ["POST"]


def test_without_web_locks_each_tab_still_refreshes_once_for_all_its_calls(new_page, site):
    user = UserFactory()
    tabs = open_tabs(new_page, 2, WITHOUT_WEB_LOCKS + WITHOUT_BROADCAST_CHANNEL)
    sign_in(tabs[0].context, user.username)
    for tab in tabs:
        tab.goto("/")
        expect(tab.locator("#who-username")).to_have_text(user.username)
    assert tabs[0].evaluate("() => navigator.locks === undefined && window.BroadcastChannel === undefined")
    refreshes = count_requests(tabs[0].context, "/api/auth/refresh/")

    expire_access_token(tabs[0].context)
    statuses = fire_together(tabs[:1])

    assert statuses == [[200, 200, 200]]
    assert refreshes == ["POST"]
    # The other tab, told nothing, learns of the refresh by itself at its next call.
    tabs[1].reload()
    expect(tabs[1].locator("#who-username")).to_have_text(user.username)
    assert refreshes == ["POST"]


def test_log_out_in_one_tab_signs_out_every_tab(new_page, site):
    user = UserFactory()
    home, other_home, posts = open_tabs(new_page, 3)
    sign_in(home.context, user.username)
    for tab, path in ((home, "/"), (other_home, "/"), (posts, "/posts/")):
        tab.goto(path)
    expect(home.locator("#who-username")).to_have_text(user.username)
    expect(other_home.locator("#who-username")).to_have_text(user.username)
    expect(posts.get_by_role("button", name="Publish")).to_be_visible()

    home.get_by_role("button", name="Log out").click()

    expect(home.get_by_role("link", name="Log in")).to_be_visible()
    expect(other_home.get_by_role("link", name="Log in")).to_be_visible()
    expect(other_home.get_by_role("alert")).to_contain_text("signed out in another tab")
    expect_path(posts, "/login/?next=/posts/")


def test_log_out_everywhere_signs_out_every_tab(new_page, site):
    user = UserFactory()
    devices, home = open_tabs(new_page, 2)
    sign_in(devices.context, user.username)
    devices.goto("/sessions/")
    expect(devices.locator(".session")).to_have_count(1)
    home.goto("/")
    expect(home.locator("#who-username")).to_have_text(user.username)

    devices.get_by_role("button", name="Log out everywhere").click()

    expect(home.get_by_role("link", name="Log in")).to_be_visible()
    expect_path(devices, "/login/?next=/sessions/")
    assert not Session.objects.filter(user=user).live().exists()


def test_a_refused_refresh_signs_out_every_tab(new_page, site):
    """The session was revoked elsewhere (another device, the admin): the first tab to find out tells the others."""
    user = UserFactory()
    home, posts = open_tabs(new_page, 2)
    sign_in(home.context, user.username)
    home.goto("/")
    expect(home.locator("#who-username")).to_have_text(user.username)
    posts.goto("/posts/")
    expect(posts.get_by_role("button", name="Publish")).to_be_visible()
    services.session_revoke(sessions=Session.objects.filter(user=user))
    expire_access_token(home.context)
    calls_from_posts = []
    posts.on("request", lambda request: calls_from_posts.append(request.url) if on_posts(posts, request) else None)

    home.get_by_role("navigation").get_by_role("link", name="Devices").click()

    expect_path(home, "/login/?next=/sessions/")
    expect_path(posts, "/login/?next=/posts/")
    assert calls_from_posts == [], "the posts tab was told, it did not find out by itself"


def on_posts(page: Page, request) -> bool:
    """A request to the API sent while ``page`` shows /posts/ (not the login page it goes to next)."""
    return "/api/" in request.url and urlsplit(page.url).path == "/posts/"


def test_sign_in_in_one_tab_shows_in_every_tab(new_page, site):
    user = UserFactory()
    signing_in, home, login_form = open_tabs(new_page, 3)
    home.goto("/")
    expect(home.get_by_role("link", name="Log in")).to_be_visible()
    # Finding no session, the login page tells the other tabs; the home page, signed out already, has no news.
    login_form.goto("/login/?next=/posts/", wait_until="networkidle")
    expect(home.locator("#messages")).to_be_empty()

    log_in(signing_in, user.username)

    expect(home.locator("#who-username")).to_have_text(user.username)
    expect_path(login_form, "/posts/")
    expect(login_form.get_by_role("button", name="Publish")).to_be_visible()


def test_sign_in_as_someone_else_redraws_the_pages_for_them(new_page, site):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    signing_in, home, devices = open_tabs(new_page, 3)
    sign_in(signing_in.context, alice.username)
    home.goto("/")
    expect(home.locator("#who-username")).to_have_text("alice")
    devices.goto("/sessions/")
    expect(devices.locator(".session")).to_have_count(1)
    first_session = devices.locator(".session").get_attribute("data-session-id")

    log_in(signing_in, bob.username)

    expect(home.locator("#who-username")).to_have_text("bob")
    expect(devices.locator(".session")).to_have_count(1)
    expect(devices.locator(".session")).not_to_have_attribute("data-session-id", first_session)
    assert devices.locator(".session").get_attribute("data-session-id") == str(Session.objects.get(user=bob).pk)


def test_the_browsable_api_follows_too(new_page, site):
    """Rendered by the server for whoever was signed in, it loads itself again."""
    user = UserFactory()
    home, api_page = open_tabs(new_page, 2)
    sign_in(home.context, user.username)
    home.goto("/")
    api_page.goto("/api/posts/")
    expect(api_page.locator("#api-user")).to_have_text(f"Signed in as {user.username}")

    home.get_by_role("button", name="Log out").click()
    expect(api_page.get_by_role("link", name="Log in")).to_be_visible()

    log_in(home, user.username)
    expect(api_page.locator("#api-user")).to_have_text(f"Signed in as {user.username}")
