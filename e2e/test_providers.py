"""Signing in with an external OpenID Connect provider, in Chromium, against a real provider process.

The provider is the certified npm package ``oidc-provider`` (e2e/oidc/), on
loopback, with two clients (the site's providers "Acme" and "Other"); its
development sign-in form takes any login (its accounts: harness/oidc_provider.py)
and any password, then asks for consent. The ID token checks that need a
token the real provider would never issue (a wrong nonce, another audience,
an expired one) are in providers/tests/ against a provider of our own.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from e2e.browsing import expect_path, log_in
from e2e.provider_steps import me, sign_in_at_provider
from harness.servers import free_port
from mfa.totp import otp
from mfa.totp import services as totp_services
from providers.models import ExternalIdentity

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_in_with_the_provider_from_the_login_page(page, providers_on):
    page.goto("/login/?next=/posts/")
    expect(page.get_by_role("button", name="Sign in with Other")).to_be_visible()
    page.get_by_role("button", name="Sign in with Acme").click()
    sign_in_at_provider(page, "alice")
    expect_path(page, "/posts/")
    assert me(page)["username"] == "alice"
    user = User.objects.get(username="alice")
    assert (user.email, user.email_verified, user.has_usable_password()) == ("alice@example.com", True, False)
    assert ExternalIdentity.objects.get().user == user


def provider_answer_held_back(page: Page, login: str) -> str:
    """Signs in at the provider but stops its answer on the way back: the callback URL (code and state), unvisited.

    Playwright routes only the first request of a redirect chain, so the
    consent form's POST is routed and its redirects followed by hand.
    """
    held = []

    def hold(route):
        response = route.fetch(max_redirects=0)
        location = response.headers["location"]
        while "/api/auth/providers/" not in location:
            location = page.context.request.get(location, max_redirects=0).headers["location"]
        held.append(location)
        route.fulfill(status=200, content_type="text/plain", body="held")

    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.route(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/.*"), hold)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("held")).to_be_visible()
    return held[0]


def test_a_wrong_state_is_refused_with_a_readable_page(page, providers_on):
    page.goto("/login/")
    page.get_by_role("button", name="Sign in with Acme").click()
    answer = provider_answer_held_back(page, "alice")
    page.goto(re.sub(r"state=[^&]+", "state=forged", answer))
    page.wait_for_url(re.compile(r".*/login/\?provider_error=provider_state_invalid"))
    expect(page.locator("#login-form .form-error")).to_contain_text("start again")
    assert me(page) is None
    # The real answer is dead too: the trip was spent by the forged one.
    page.goto(answer)
    page.wait_for_url(re.compile(r".*/login/\?provider_error=provider_state_invalid"))
    assert me(page) is None


def test_a_replayed_callback_signs_nobody_in(page, new_page, providers_on):
    seen = []
    page.on("request", lambda request: seen.append(request.url) if "/callback/" in request.url else None)
    page.goto("/login/")
    page.get_by_role("button", name="Sign in with Acme").click()
    sign_in_at_provider(page, "alice")
    expect_path(page, "/")
    # The same answer (its code and state) again: in this browser, and in another one.
    for browser_page in (page, new_page("other device")):
        browser_page.goto(seen[0])
        browser_page.wait_for_url(re.compile(r".*/login/\?provider_error=provider_state_invalid"))
    assert ExternalIdentity.objects.count() == 1


def test_a_provider_that_is_down_is_a_clear_page(page, providers_on, settings):
    settings.OIDC_PROVIDERS = [{**providers_on.settings_value()[0], "issuer": f"http://127.0.0.1:{free_port()}"}]
    page.goto("/login/")
    page.get_by_role("button", name="Sign in with Acme").click()
    page.wait_for_url(re.compile(r".*/login/\?provider_error=provider_unavailable"))
    expect(page.locator("#login-form .form-error")).to_contain_text("could not be reached")


def test_a_verified_address_links_to_the_account_verified_here(page, providers_on):
    owner = UserFactory(username="vic", email="victim@example.com", email_verified=True)
    page.goto("/login/")
    page.get_by_role("button", name="Sign in with Acme").click()
    sign_in_at_provider(page, "victim")
    expect_path(page, "/")
    assert me(page)["id"] == owner.pk


def test_an_unverified_address_at_the_provider_does_not_take_over_the_account(page, providers_on):
    victim = UserFactory(username="vic", email="victim@example.com", email_verified=True)
    page.goto("/login/")
    page.get_by_role("button", name="Sign in with Acme").click()
    sign_in_at_provider(page, "mallory")
    page.wait_for_url(re.compile(r".*/login/\?provider_error=provider_account_exists"))
    expect(page.locator("#login-form .form-error")).to_contain_text("already uses this email address")
    assert me(page) is None
    assert not ExternalIdentity.objects.filter(user=victim).exists()


def test_link_from_the_account_page_then_unlink_refuses_the_last_way_in(page, providers_on):
    user = UserFactory(username="carol", email="carol@example.com")
    log_in(page, "carol", DEFAULT_PASSWORD)
    page.goto("/account/")
    page.get_by_role("button", name="Link Other").click()
    sign_in_at_provider(page, "mallory")  # any address: the signed-in owner is the proof
    page.wait_for_url(re.compile(r".*/account/\?provider_linked=other"))
    expect(page.locator("#identity-list")).to_contain_text("Other")
    assert ExternalIdentity.objects.get().user == user

    # With no password left, the identity is the last way in: unlinking it is refused.
    user.set_unusable_password()
    user.save(update_fields=["password"])
    page.get_by_role("button", name="Unlink").click()
    expect(page.locator("#providers-messages")).to_contain_text("only way to sign in")
    assert ExternalIdentity.objects.filter(user=user).exists()


def test_a_provider_sign_in_asks_for_the_second_factor_of_an_account_that_has_one(page, providers_on):
    user = UserFactory(username="dora", email="alice@example.com", email_verified=True)
    setup = totp_services.totp_setup_start(user=user)
    recovery_codes = totp_services.totp_confirm(
        user=user, code=otp.code_at(secret=setup.secret, step=otp.step_at(timezone.now()))
    )
    ExternalIdentity.objects.create(user=user, provider_id="acme", subject="alice", linked_at=timezone.now())
    page.goto("/login/?next=/posts/")
    page.get_by_role("button", name="Sign in with Acme").click()
    sign_in_at_provider(page, "alice")
    page.wait_for_url(re.compile(r".*/login/\?second_factor=1&methods=totp%2Crecovery_code&next=%2Fposts%2F"))
    assert me(page) is None
    expect(page.get_by_role("button", name="Use a passkey")).to_be_hidden()  # the account has none
    page.get_by_role("button", name="Use a recovery code").click()
    page.get_by_label("Recovery code").fill(recovery_codes[0])
    page.get_by_role("button", name="Verify").click()
    expect_path(page, "/posts/")
    assert me(page)["id"] == user.pk
