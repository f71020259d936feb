"""Linking external identities: what links by itself, what must not (the takeover), linking and unlinking by hand."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse

from accounts import conf as accounts_conf
from accounts.models import Session, User
from accounts.tests.factories import UserFactory
from providers.models import ExternalIdentity
from providers.tests.helpers import callback, refused_with, sign_in

pytestmark = pytest.mark.django_db


def me(browser) -> dict:
    return browser.get(reverse("accounts:me")).json()


def test_a_verified_address_verified_here_too_links_by_itself(browser, fake_provider, committed, audit_lines):
    owner = UserFactory(email="alice@example.com", email_verified=True)
    with committed():
        response = sign_in(browser, fake_provider, email="Alice@example.com", email_verified=True)
    assert response["Location"] == "/"
    assert me(browser)["id"] == owner.pk
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.subject, identity.email) == (owner, "alice-at-acme", "Alice@example.com")
    assert [m.subject.split(" · ")[0] for m in mail.outbox] == [
        "A sign-in provider was linked",
        "New sign-in to your account",
    ]
    assert "Your Acme account was linked" in mail.outbox[0].body
    linked = [line for line in audit_lines() if line["event"] == "external_identity_linked"]
    assert linked[0]["automatic"] is True
    assert linked[0]["user_id"] == owner.pk


def test_an_address_the_provider_does_not_vouch_for_never_links_the_takeover(browser, fake_provider):
    """Mallory registers the victim's address at a provider that does not verify it, then signs in here with it."""
    victim = UserFactory(email="victim@example.com", email_verified=True)
    for unverified in (False, None, "true", 1):
        browser.cookies.clear()
        claims = {"email": "victim@example.com"} | ({} if unverified is None else {"email_verified": unverified})
        response = sign_in(browser, fake_provider, sub="mallory", **claims)
        assert refused_with(response, "provider_account_exists"), unverified
    assert not ExternalIdentity.objects.exists()
    assert not Session.objects.filter(user=victim).exists()
    assert User.objects.count() == 1


def test_an_address_unverified_here_never_links_even_if_the_provider_vouches(browser, fake_provider):
    """Mallory registered here with the victim's address (never verified); the victim's provider must not hand it on."""
    squatter = UserFactory(email="victim@example.com", email_verified=False)
    response = sign_in(browser, fake_provider, email="victim@example.com", email_verified=True)
    assert refused_with(response, "provider_account_exists")
    assert not ExternalIdentity.objects.exists()
    assert not Session.objects.filter(user=squatter).exists()


def test_an_identity_cannot_be_linked_to_a_second_account(auth_client, user, fake_provider, clock):
    ExternalIdentity.objects.create(
        user=UserFactory(), provider_id="acme", subject="alice-at-acme", linked_at=clock.now
    )
    response = auth_client.post(reverse("providers:link", args=["acme"]))
    assert response.status_code == HTTPStatus.OK
    answer = callback(auth_client, fake_provider.authorize(response.json()["authorize_url"]))
    assert refused_with(answer, "provider_identity_taken", page="/account/")
    assert ExternalIdentity.objects.get().user != user


def test_link_from_the_account_page_after_signing_in(auth_client, user, fake_provider, committed):
    response = auth_client.post(reverse("providers:link", args=["acme"]))
    assert response.status_code == HTTPStatus.OK
    assert auth_client.cookies["oidc_login"].value
    # Any address at the provider: the signed-in owner is the proof, not the address.
    params = fake_provider.authorize(response.json()["authorize_url"], email="someone-else@acme.example")
    with committed():
        answer = callback(auth_client, params)
    assert answer["Location"] == "/account/?provider_linked=acme"
    assert ExternalIdentity.objects.get().user == user
    assert [m.subject.split(" · ")[0] for m in mail.outbox] == ["A sign-in provider was linked"]
    listed = auth_client.get(reverse("providers:identities")).json()
    assert [(row["provider"], row["provider_name"], row["email"]) for row in listed] == [
        ("acme", "Acme", "someone-else@acme.example")
    ]
    # From now on the identity signs in to this account.
    auth_client.cookies.clear()
    sign_in(auth_client, fake_provider)
    assert me(auth_client)["id"] == user.pk


def test_linking_needs_recent_authentication(auth_client, fake_provider, clock):
    clock.advance(accounts_conf.REAUTH_WINDOW + 1)
    auth_client.post(reverse("accounts:refresh"))
    response = auth_client.post(reverse("providers:link", args=["acme"]))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "reauthentication_required"


def test_starting_a_link_is_throttled_like_the_other_trips(auth_client, fake_provider, settings):
    settings.LOGIN_RATE_IP = "2/min"
    statuses = [auth_client.post(reverse("providers:link", args=["acme"])).status_code for _ in range(3)]
    assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]


def test_linking_needs_a_csrf_token_and_a_session(auth_client, browser, fake_provider):
    assert auth_client.post(reverse("providers:link", args=["acme"]), csrf=False).status_code == HTTPStatus.FORBIDDEN
    assert browser.post(reverse("providers:link", args=["acme"])).status_code == HTTPStatus.UNAUTHORIZED
    assert auth_client.post(reverse("providers:link", args=["nope"])).status_code == HTTPStatus.NOT_FOUND


def test_a_new_account_from_a_provider_has_no_password_and_cannot_unlink_its_only_way_in(browser, fake_provider):
    sign_in(browser, fake_provider, email="new@acme.example", email_verified=True, preferred_username="newbie")
    identity = ExternalIdentity.objects.get()
    response = browser.delete(reverse("providers:identity-detail", args=[identity.pk]))
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "last_sign_in_method"
    assert ExternalIdentity.objects.exists()


def test_unlinking_with_a_password_left(auth_client, user, fake_provider, clock, committed, audit_lines):
    identity = ExternalIdentity.objects.create(user=user, provider_id="acme", subject="s", linked_at=clock.now)
    with committed():
        response = auth_client.delete(reverse("providers:identity-detail", args=[identity.pk]))
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not ExternalIdentity.objects.exists()
    assert [m.subject.split(" · ")[0] for m in mail.outbox] == ["A sign-in provider was unlinked"]
    assert "external_identity_unlinked" in [line["event"] for line in audit_lines()]


def test_unlinking_another_users_identity_is_a_404(auth_client, fake_provider, clock):
    identity = ExternalIdentity.objects.create(user=UserFactory(), provider_id="acme", subject="s", linked_at=clock.now)
    assert auth_client.delete(reverse("providers:identity-detail", args=[identity.pk])).status_code == 404
    assert ExternalIdentity.objects.exists()


def test_unlinking_needs_recent_authentication(auth_client, user, fake_provider, clock):
    identity = ExternalIdentity.objects.create(user=user, provider_id="acme", subject="s", linked_at=clock.now)
    clock.advance(accounts_conf.REAUTH_WINDOW + 1)
    auth_client.post(reverse("accounts:refresh"))
    response = auth_client.delete(reverse("providers:identity-detail", args=[identity.pk]))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert ExternalIdentity.objects.exists()


def test_new_usernames_come_from_the_claims_and_are_made_unique(browser, fake_provider):
    UserFactory(username="alice", email="other@example.com")
    sign_in(browser, fake_provider, preferred_username="alice", email="alice@acme.example", email_verified=True)
    assert me(browser)["username"] == "alice-2"
    browser.cookies.clear()
    sign_in(browser, fake_provider, sub="bob", email="bob.smith@acme.example", email_verified=False)
    assert me(browser)["username"] == "bob.smith"
    assert me(browser)["email_verified"] is False
    browser.cookies.clear()
    sign_in(browser, fake_provider, sub="nobody")
    assert me(browser)["username"] == "user"
