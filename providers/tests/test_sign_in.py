"""Signing in with a provider over the real HTTP stack, against a provider on loopback: the flow and its refusals."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import Session, User
from accounts.tests.factories import UserFactory
from providers.models import ExternalIdentity, PendingLogin
from providers.tests.fake_provider import CLIENT_ID, OTHER_KEY
from providers.tests.helpers import callback, refused_with, sign_in, start

pytestmark = pytest.mark.django_db


def access_claims(browser) -> dict:
    import jwt as pyjwt

    return pyjwt.decode(browser.cookies["__Host-access_token"].value, options={"verify_signature": False})


def test_the_list_names_each_provider_and_where_to_start(api_client, fake_provider, settings):
    settings.OIDC_PROVIDERS = [fake_provider.config(), fake_provider.config("other", "Other")]
    response = api_client.get(reverse("providers:providers"))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == [
        {"id": "acme", "name": "Acme", "login_url": "/api/auth/providers/acme/login/"},
        {"id": "other", "name": "Other", "login_url": "/api/auth/providers/other/login/"},
    ]


def test_no_provider_configured_is_an_empty_list(api_client, settings):
    settings.OIDC_PROVIDERS = ""
    assert api_client.get(reverse("providers:providers")).json() == []


def test_login_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(browser, fake_provider):
    location = start(browser)
    assert location.startswith(f"{fake_provider.issuer}/authorize?")
    for part in ("code_challenge_method=S256", "code_challenge=", "state=", "nonce=", f"client_id={CLIENT_ID}"):
        assert part in location
    assert "redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fapi%2Fauth%2Fproviders%2Facme%2Fcallback%2F" in location
    cookie = browser.cookies["oidc_login"]
    assert cookie["httponly"]
    assert cookie["path"] == "/api/auth/providers/"
    assert PendingLogin.objects.count() == 1
    # Only the secret's digest is stored.
    assert PendingLogin.objects.get().pk != cookie.value


def test_a_new_person_gets_an_account_and_lands_signed_in_on_next(browser, fake_provider, audit_lines):
    response = sign_in(
        browser,
        fake_provider,
        next_path="/posts/",
        email="alice@acme.example",
        email_verified=True,
        preferred_username="alice",
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/posts/"
    me = browser.get(reverse("accounts:me")).json()
    assert (me["username"], me["email"], me["email_verified"]) == ("alice", "alice@acme.example", True)
    user = User.objects.get(username="alice")
    assert not user.has_usable_password()
    assert ExternalIdentity.objects.get().user == user
    assert access_claims(browser)["amr"] == ["ext"]
    assert browser.cookies["oidc_login"].value == ""
    assert Session.objects.filter(user=user).count() == 1
    events = [line["event"] for line in audit_lines() if line["user_id"] == user.pk]
    assert events == ["provider_account_created", "login_succeeded"]


def test_the_amr_names_what_the_provider_asserts(browser, fake_provider):
    sign_in(browser, fake_provider, amr=["pwd", "otp", "hwk", "mfa", "made-up", 7])
    # Registered values only; the provider's otp is not this site's second factor: it is told as mfa.
    assert access_claims(browser)["amr"] == ["ext", "pwd", "mfa", "hwk"]


def test_claims_only_at_userinfo_are_read_there(browser, fake_provider):
    fake_provider.userinfo_claims = {"sub": "alice-at-acme", "email": "ui@acme.example", "email_verified": True}
    sign_in(browser, fake_provider)
    assert User.objects.get().email == "ui@acme.example"


def test_userinfo_about_someone_else_is_refused(browser, fake_provider):
    fake_provider.userinfo_claims = {"sub": "mallory", "email": "victim@acme.example", "email_verified": True}
    assert refused_with(sign_in(browser, fake_provider), "id_token_invalid")
    assert not User.objects.exists()


def test_a_linked_identity_signs_in_to_its_account(browser, fake_provider):
    user = UserFactory()
    ExternalIdentity.objects.create(
        user=user, provider_id="acme", subject="alice-at-acme", linked_at="2026-01-01T00:00Z"
    )
    response = sign_in(browser, fake_provider)
    assert response["Location"] == "/"
    assert browser.get(reverse("accounts:me")).json()["id"] == user.pk


def test_an_unsafe_next_lands_home(browser, fake_provider):
    for unsafe in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        browser.cookies.clear()
        assert sign_in(browser, fake_provider, next_path=unsafe)["Location"] == "/"


def test_the_second_factor_is_asked_of_a_user_who_has_one(browser, fake_provider):
    user = UserFactory(totp_enabled=True)
    ExternalIdentity.objects.create(
        user=user, provider_id="acme", subject="alice-at-acme", linked_at="2026-01-01T00:00Z"
    )
    response = sign_in(browser, fake_provider, next_path="/posts/")
    assert response["Location"] == "/login/?second_factor=1&methods=totp%2Crecovery_code&next=%2Fposts%2F"
    assert browser.cookies["mfa_ticket"].value
    assert "__Host-access_token" not in browser.cookies


def test_the_second_factor_page_is_told_a_passkey_holder_may_answer_with_one(browser, fake_provider):
    user = UserFactory(totp_enabled=True, passkey_count=1)
    ExternalIdentity.objects.create(
        user=user, provider_id="acme", subject="alice-at-acme", linked_at="2026-01-01T00:00Z"
    )
    response = sign_in(browser, fake_provider)
    assert response["Location"] == "/login/?second_factor=1&methods=totp%2Crecovery_code%2Cpasskey"


def test_mandatory_email_verification_still_holds(browser, fake_provider, settings):
    settings.EMAIL_VERIFICATION = "mandatory"
    response = sign_in(browser, fake_provider, email="new@acme.example", email_verified=False)
    assert refused_with(response, "email_unverified")


def test_a_deactivated_account_is_refused(browser, fake_provider):
    user = UserFactory(is_active=False)
    ExternalIdentity.objects.create(
        user=user, provider_id="acme", subject="alice-at-acme", linked_at="2026-01-01T00:00Z"
    )
    assert refused_with(sign_in(browser, fake_provider), "account_inactive")


# The refusals: each a readable redirect to /login/, audited, never a 500 and never a session.


@pytest.fixture(autouse=True)
def _audit(audit_lines):
    global refusals_audited

    def refusals_audited() -> list[str]:
        return [line["reason"] for line in audit_lines() if line["event"] == "provider_sign_in_failed"]


def assert_refused(response, code: str) -> None:
    assert refused_with(response, code), response.get("Location")
    assert not Session.objects.exists()
    assert code in refusals_audited()


def test_a_wrong_state_is_refused(browser, fake_provider):
    params = fake_provider.authorize(start(browser))
    assert_refused(callback(browser, {**params, "state": "forged"}), "provider_state_invalid")


def test_an_answer_to_another_browser_is_refused(browser, fake_provider, client):
    params = fake_provider.authorize(start(browser))
    # The attacker's own trip, answered in the victim's browser (login CSRF): no cookie, no sign-in.
    assert_refused(callback(client, params), "provider_state_invalid")


def test_a_replayed_callback_is_refused(browser, fake_provider):
    url = start(browser)
    params = fake_provider.authorize(url)
    cookie = browser.cookies["oidc_login"].value
    assert callback(browser, params).status_code == HTTPStatus.FOUND
    browser.cookies.clear()
    browser.cookies["oidc_login"] = cookie
    assert refused_with(callback(browser, params), "provider_state_invalid")
    assert Session.objects.count() == 1


def test_a_replayed_code_is_refused_by_the_provider(browser, fake_provider):
    params = fake_provider.authorize(start(browser))
    fake_provider.used_codes.add(params["code"])
    assert_refused(callback(browser, params), "provider_code_rejected")


def test_a_wrong_nonce_is_refused(browser, fake_provider):
    fake_provider.id_token_overrides = {"nonce": "another-nonce"}
    assert_refused(sign_in(browser, fake_provider), "id_token_invalid")


def test_a_missing_nonce_is_refused(browser, fake_provider):
    fake_provider.id_token_overrides = {"nonce": None}
    assert_refused(sign_in(browser, fake_provider), "id_token_invalid")


def test_an_id_token_for_another_audience_is_refused(browser, fake_provider):
    fake_provider.id_token_overrides = {"aud": "someone-else"}
    assert_refused(sign_in(browser, fake_provider), "id_token_invalid")


def test_several_audiences_need_us_as_authorized_party(browser, fake_provider):
    fake_provider.id_token_overrides = {"aud": [CLIENT_ID, "someone-else"], "azp": "someone-else"}
    assert_refused(sign_in(browser, fake_provider), "id_token_invalid")


def test_an_expired_id_token_is_refused(browser, fake_provider):
    fake_provider.id_token_overrides = {"exp": 1_000_000_000, "iat": 999_999_000}
    assert_refused(sign_in(browser, fake_provider), "id_token_invalid")


def test_another_issuer_is_refused(browser, fake_provider):
    fake_provider.id_token_overrides = {"iss": "https://evil.example"}
    assert_refused(sign_in(browser, fake_provider), "id_token_invalid")


def test_a_token_signed_with_a_key_not_in_the_jwks_is_refused(browser, fake_provider):
    fake_provider.sign_with = OTHER_KEY
    assert_refused(sign_in(browser, fake_provider), "id_token_invalid")


def test_the_user_saying_no_at_the_provider_is_a_readable_refusal(browser, fake_provider):
    start(browser)
    assert refused_with(callback(browser, {"error": "access_denied", "state": "x"}), "provider_denied")


def test_a_provider_that_is_down_is_a_readable_page(browser, fake_provider):
    fake_provider.stop()
    response = browser.get(reverse("providers:login", args=["acme"]) + "?next=/posts/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/login/?provider_error=provider_unavailable&next=%2Fposts%2F"
    assert refusals_audited() == ["provider_unavailable"]


def test_a_provider_down_between_redirect_and_callback(browser, fake_provider):
    params = fake_provider.authorize(start(browser))
    fake_provider.stop()
    assert_refused(callback(browser, params), "provider_unavailable")


def test_an_unknown_provider(browser, fake_provider):
    response = browser.get(reverse("providers:login", args=["nope"]))
    assert refused_with(response, "provider_unknown")
    assert refused_with(callback(browser, {"code": "x", "state": "y"}, provider_id="nope"), "provider_unknown")


def test_a_callback_without_code_or_cookie_is_refused_not_a_500(browser, fake_provider):
    assert refused_with(callback(browser, {}), "provider_state_invalid")
    assert refused_with(callback(browser, {"state": "x" * 5000, "code": "y" * 5000}), "provider_state_invalid")


def test_a_key_rotated_at_the_provider_is_fetched_once_and_then_cached(browser, fake_provider):
    sign_in(browser, fake_provider)
    fake_provider.key = OTHER_KEY  # the provider rotates: new tokens carry a kid our cached JWKS lacks
    fake_provider.requests.clear()
    browser.cookies.clear()
    assert sign_in(browser, fake_provider)["Location"] == "/"
    assert fake_provider.requests.count("/jwks") == 1
    assert "/.well-known/openid-configuration" not in fake_provider.requests  # discovery stayed cached


def test_a_flood_of_trips_from_one_address_is_refused_with_a_page(browser, fake_provider, settings):
    settings.LOGIN_RATE_IP = "3/min"
    for _ in range(3):
        start(browser)
    response = browser.get(reverse("providers:login", args=["acme"]))
    assert refused_with(response, "throttled")
    assert PendingLogin.objects.count() == 3
