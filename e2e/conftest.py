"""Fixtures for the browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

Everything here is opt-in: only a test that asks for ``site``, ``chromium`` or
``new_page`` starts a browser, so non-browser tests in this directory (the
multi-process ones) never meet these fixtures. A missing browser skips those
tests with the reason, except under CI (``CI`` set), where it fails them.

No page may log a console error: an uncaught exception, a refused
Content-Security-Policy, a resource that failed to load. The one exception is a
4xx answer from ``/api/`` (a 401 before the refresh, a wrong password): the page
reads and handles it, but Chromium logs every such fetch and no script can stop
it. A test that provokes another error on purpose names it with
``allow_console_errors``.

Failed tests leave a screenshot and the console log of every page they opened
in ``e2e/artifacts/`` (``pytest_runtest_makereport`` below).
"""

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
# Playwright's own waits (clicks, expect) give up after this long; the slowest
# page here answers in well under a second.
DEFAULT_TIMEOUT_MS = 10_000


def browser_unavailable(reason: str) -> None:
    """Skips the test locally; fails it under CI, where the browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator:
    """Playwright's sync driver, started once per run."""
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        browser_unavailable(f"no Chromium at {CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the playwright package is not installed (pip install -r requirements.txt)")

    # Playwright's sync API keeps an asyncio loop running in this thread, so
    # Django would refuse every ORM call the tests make next to it. Nothing
    # here is async: the live server runs its own threads.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    """One headless Chromium for the whole run; each test gets fresh contexts."""
    try:
        browser = playwright_driver.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # any launch failure means "no usable browser"
        browser_unavailable(f"Chromium at {CHROMIUM_PATH} did not start: {exc}")
    yield browser
    browser.close()


@pytest.fixture
def site(live_server, settings) -> str:
    """The live server's base URL, with the production cookie settings.

    Cookies stay ``Secure`` (and the auth cookies keep their ``__Host-`` and
    ``__Secure-`` names), as with debug off in production: the live server is
    plain HTTP, but on ``http://localhost`` Chromium treats the origin as
    secure and keeps Secure cookies. Any other host would need
    ``JWT_COOKIE_SECURE = False`` here.
    """
    url = live_server.url
    assert url.startswith("http://localhost:"), f"Secure cookies need a localhost origin, got {url}"
    settings.JWT_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SECURE = True
    return url


# What Chromium logs for a fetch answered with an error status.
FAILED_RESOURCE = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})\b")


@dataclass
class OpenedPage:
    """A page a test opened, with what its console said (saved if the test fails)."""

    name: str
    page: object
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def log(self, kind: str, text: str, url: str = "") -> None:
        line = f"[{kind}] {text}" + (f" ({url})" if url else "")
        self.console.append(line)
        # The site's Content-Security-Policy must never have to refuse our own pages anything.
        faulty = kind in ("error", "pageerror") or "Content Security Policy" in text
        if faulty and not is_an_api_answer(text, url):
            self.errors.append(line)


def is_an_api_answer(text: str, url: str) -> bool:
    """A 4xx from ``/api/``: an answer the page reads (and Chromium logs), not a fault."""
    failed = FAILED_RESOURCE.match(text)
    return bool(failed and failed.group(1).startswith("4") and urlsplit(url).path.startswith("/api/"))


@pytest.fixture
def opened_pages() -> list[OpenedPage]:
    return []


@pytest.fixture
def allow_console_errors() -> list[str]:
    """Regular expressions for console errors the test provokes on purpose (append to it)."""
    return []


@pytest.fixture
def new_page(chromium, site, opened_pages, allow_console_errors) -> Iterator[Callable]:
    """``new_page(name)``: a page in a fresh browser context (its own cookies: a separate device).

    ``new_page(name, tab_of=page)`` opens another tab of ``page``'s browser
    instead: the same cookies, Web Locks and BroadcastChannel; other keywords
    go to the new context (``is_mobile=True, has_touch=True``: a phone). Every context is
    closed after the test, which then fails on any console error a page logged.
    """
    contexts = []

    def open_page(name: str = "page", tab_of=None, **context_options):
        if tab_of is None:
            context = chromium.new_context(base_url=site, **context_options)
            context.set_default_timeout(DEFAULT_TIMEOUT_MS)
            contexts.append(context)
        else:
            context = tab_of.context
        page = context.new_page()
        opened = OpenedPage(name=name, page=page)
        page.on("console", lambda message: opened.log(message.type, message.text, message.location.get("url", "")))
        page.on("pageerror", lambda error: opened.log("pageerror", str(error)))
        opened_pages.append(opened)
        return page

    yield open_page
    for context in contexts:
        context.close()
    errors = [
        f"{opened.name}: {line}"
        for opened in opened_pages
        for line in opened.errors
        if not any(re.search(allowed, line) for allowed in allow_console_errors)
    ]
    assert not errors, "console errors:\n" + "\n".join(errors)


@pytest.fixture
def page(new_page):
    """One page in its own browser context."""
    return new_page("page")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """On a failed browser test, saves each page's screenshot and console log to ``e2e/artifacts/``."""
    report = yield
    opened = item.funcargs.get("opened_pages") if hasattr(item, "funcargs") else None
    if report.failed and report.when in ("setup", "call") and opened:
        save_artifacts(item.nodeid, opened)
    return report


def save_artifacts(nodeid: str, opened: list[OpenedPage]) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])
    for number, entry in enumerate(opened):
        prefix = ARTIFACTS_DIR / f"{stem}-{number}-{entry.name}"
        try:
            entry.page.screenshot(path=f"{prefix}.png", full_page=True)
            url = entry.page.url
        except Exception as exc:  # a crashed page must not hide the test's own failure
            url = f"(no screenshot: {exc})"
        Path(f"{prefix}.console.log").write_text(f"url: {url}\n" + "\n".join(entry.console) + "\n")


# Private backing services (harness/services.py) ---------------------------------------
# Session-scoped PostgreSQL (a cluster takes seconds to create); each test makes its
# own database from the migrated template. Redis is per test: it starts in milliseconds.


@pytest.fixture(scope="session")
def private_postgres():
    """A PostgreSQL cluster of our own, with a migrated template database; a test may restart it."""
    from harness.services import PrivatePostgres, unavailable

    if reason := PrivatePostgres.missing():
        unavailable(reason)
    with PrivatePostgres() as server:
        server.migrate_template()
        yield server


@pytest.fixture
def private_redis():
    """A ``redis-server`` of our own, empty; a test may stop, start or freeze it."""
    from harness.services import PrivateRedis, unavailable

    if reason := PrivateRedis.missing():
        unavailable(reason)
    with PrivateRedis() as server:
        yield server


# The admin tests' staff member (e2e/test_admin*.py).
@pytest.fixture
def staff_page(new_page, site):
    """A page signed in to the admin as a staff member with two-factor (e2e/admin_steps.py)."""
    from e2e.admin_steps import WIDE, sign_in_to_the_admin, staff_with_two_factor

    staff, authenticator = staff_with_two_factor()
    page = new_page("staff")
    page.set_viewport_size(WIDE)
    sign_in_to_the_admin(page, staff, authenticator)
    return page


@pytest.fixture(scope="module")
def provider_process(live_server):
    """A real OpenID provider (npm ``oidc-provider``) on loopback for one test module, with two clients."""
    from harness.oidc_provider import oidc_provider

    with oidc_provider(live_server.url) as provider:
        yield provider


@pytest.fixture
def providers_on(provider_process, site, settings, allow_console_errors):
    """The site signs in with that provider (e2e/provider_steps.py's ``use_providers``)."""
    from e2e.provider_steps import use_providers

    return use_providers(provider_process, site=site, settings=settings, allow_console_errors=allow_console_errors)
