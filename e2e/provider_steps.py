"""A real OpenID provider for the e2e tests and its pages, as a person goes through them (harness/oidc_provider.py).

Its development sign-in form takes any login (its accounts: harness/oidc_provider.py)
and any password, then asks for consent the first time a client asks.
"""

import re

from playwright.sync_api import Page

from harness.oidc_provider import OidcProvider

INTERACTION = re.compile(r"^http://127\.0\.0\.1:\d+/interaction/")


def use_providers(provider: OidcProvider, *, site: str, settings, allow_console_errors: list[str]) -> OidcProvider:
    """Configures the live server for ``provider`` (as Acme and Other) and lets its pages' errors be."""
    settings.OIDC_PROVIDERS = provider.settings_value()
    settings.SITE_URL = site
    # The provider's development pages load a web font from the internet, which this machine may not reach.
    allow_console_errors.append(r"fonts\.googleapis\.com|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED")
    allow_console_errors.append(re.escape(provider.issuer))
    return provider


def sign_in_at_provider(page: Page, login: str) -> None:
    """The provider's development interactions: any login, any password, then consent."""
    page.wait_for_url(INTERACTION)
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def me(page: Page) -> dict | None:
    response = page.request.get("/api/me/")
    return response.json() if response.status == 200 else None
