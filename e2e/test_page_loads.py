"""What a person's devtools show while the pages load: every request finishes, nothing is missing.

Chromium keeps a request open until its response body is read or the response
is garbage-collected, so the fetch wrapper (static/js/api.js) reads every
body it does not hand back; until it did, a page that refreshed silently never
went network-idle. Browsers also ask for /favicon.ico on pages that name no
icon (the admin, the browsable API, a JSON answer): it must not be a 404.
"""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.browsing import count_requests, expire_access_token, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_page_that_refreshes_silently_goes_network_idle(page, site):
    """The 401 before the refresh and the refresh's own answer are read, so no request stays open."""
    sign_in(page.context, UserFactory().username)
    page.goto("/posts/")
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    expire_access_token(page.context)
    refreshes = count_requests(page, "/api/auth/refresh/")

    page.reload(wait_until="networkidle")

    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    assert refreshes == ["POST"]


def test_a_signed_out_page_goes_network_idle(page, site):
    """The refused refresh's answer is read too."""
    page.goto("/", wait_until="networkidle")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_the_favicon_browsers_probe_for_is_there(page, site):
    """The admin names no icon, so Chromium asks for /favicon.ico: a 404 would fail the test (a console error)."""
    page.goto("/admin/login/", wait_until="networkidle")
    icon = page.request.get("/favicon.ico")
    assert icon.status == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
