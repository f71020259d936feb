"""Confirming it is you through a linked provider (POST providers/<id>/reauthenticate/ and its way back).

The account in most tests was made by the provider: no password, no passkey,
so the provider is its only way to a fresh ``auth_time``. The attack each
refusal closes: someone who holds the session signs in at the provider as
*another* person, or the provider answers with an old sign-in.
"""

import time
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import jwt as pyjwt
import pytest
from django.urls import reverse

from accounts import conf as accounts_conf
from accounts import services as accounts_services
from accounts.models import Session, User
from accounts.tests.factories import UserFactory
from conftest import BrowserClient
from providers.models import ExternalIdentity, PendingLogin
from providers.tests.helpers import callback, refused_with, sign_in

pytestmark = pytest.mark.django_db

ACCOUNT_URL = reverse("accounts:account")
REQUIRED = "reauthentication_required"


def rename(browser, username: str):
    return browser.patch(ACCOUNT_URL, {"username": username}, format="json")


def access_claims(browser) -> dict:
    return pyjwt.decode(browser.cookies[accounts_conf.access_cookie_name()].value, options={"verify_signature": False})


def start(browser, provider_id: str = "acme", *, csrf: bool = True, **body):
    return browser.post(reverse("providers:reauthenticate", args=[provider_id]), body, format="json", csrf=csrf)


def live_session(user) -> Session:
    return Session.objects.get(user=user, revoked_at__isnull=True)


@pytest.fixture
def newcomer(browser, fake_provider, clock) -> User:
    """An account made by signing in with Acme (no password), its sign-in older than the re-authentication window."""
    sign_in(browser, fake_provider, email="alice@acme.example", email_verified=True, preferred_username="alice")
    clock.advance(accounts_conf.REAUTH_WINDOW + 1)
    assert browser.post(reverse("accounts:refresh")).status_code == HTTPStatus.OK
    return User.objects.get(username="alice")


def confirm_at_provider(browser, fake_provider, *, sub: str = "alice-at-acme", **claims):
    """The whole trip: start it, sign in (again) at the provider as ``sub``, come back; the callback's answer."""
    response = start(browser, next="/account/")
    assert response.status_code == HTTPStatus.OK, response.content
    claims.setdefault("auth_time", int(time.time()))
    return callback(browser, fake_provider.authorize(response.json()["authorize_url"], sub=sub, **claims))


def test_the_403_names_the_provider_and_confirming_there_lets_the_action_through(
    browser, newcomer, fake_provider, clock, audit_lines
):
    refused = rename(browser, "alice2")
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == {
        "detail": "Confirm it is you: re-authenticate, then try again.",
        "code": REQUIRED,
        "methods": ["provider"],  # no password, no passkey: the page offers no field for them
    }
    old_access = browser.cookies[accounts_conf.access_cookie_name()].value

    response = start(browser, next="/account/")
    assert response.status_code == HTTPStatus.OK
    assert list(response.json()) == ["authorize_url"]
    query = parse_qs(urlsplit(response.json()["authorize_url"]).query)
    assert (query["prompt"], query["max_age"]) == (["login"], ["0"])  # the provider must ask again
    assert browser.cookies["oidc_login"]["httponly"]
    trip = PendingLogin.objects.get()
    assert (trip.user, trip.session_id) == (newcomer, str(live_session(newcomer).pk))

    answer = callback(
        browser, fake_provider.authorize(response.json()["authorize_url"], auth_time=int(time.time()), amr=["pwd"])
    )
    assert answer.status_code == HTTPStatus.FOUND
    assert answer["Location"] == "/account/?reauthenticated=1"
    assert browser.cookies[accounts_conf.access_cookie_name()].value != old_access
    assert browser.cookies["oidc_login"].value == ""
    claims = access_claims(browser)
    assert claims["amr"] == ["ext", "pwd"]
    assert claims["auth_time"] == int(clock.now.timestamp())
    session = live_session(newcomer)
    assert (session.amr, session.auth_time.timestamp()) == ("ext pwd", claims["auth_time"])
    assert ExternalIdentity.objects.get().last_used_at >= session.auth_time

    renamed = rename(browser, "alice2")
    assert renamed.status_code == HTTPStatus.OK
    assert renamed.json()["username"] == "alice2"
    (line,) = [line for line in audit_lines() if line["event"] == "reauthenticated"]
    assert (line["user_id"], line["session_id"], line["method"], line["provider"]) == (
        newcomer.pk,
        str(session.pk),
        "ext pwd",
        "acme",
    )


def test_the_way_back_finds_the_session_by_its_refresh_cookie_once_the_access_token_expired(
    browser, newcomer, fake_provider, clock
):
    response = start(browser, next="/account/?tab=security&reauthenticated=1")
    clock.advance(accounts_conf.ACCESS_TOKEN_LIFETIME + 1)  # a slow sign-in at the provider
    params = fake_provider.authorize(response.json()["authorize_url"], auth_time=int(time.time()))
    answer = callback(browser, params)
    assert answer["Location"] == "/account/?tab=security&reauthenticated=1"
    assert rename(browser, "alice2").status_code == HTTPStatus.OK


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/", "account"])
def test_next_is_a_path_on_this_site_or_the_account_page(browser, newcomer, fake_provider, unsafe):
    response = start(browser, next=unsafe)
    answer = callback(browser, fake_provider.authorize(response.json()["authorize_url"]))
    assert answer["Location"] == "/account/?reauthenticated=1"


def test_no_auth_time_in_the_id_token_is_taken_as_the_trip_itself(browser, newcomer, fake_provider):
    answer = confirm_at_provider(browser, fake_provider, auth_time=None)  # the fake leaves out None claims
    assert answer["Location"] == "/account/?reauthenticated=1"
    assert rename(browser, "alice2").status_code == HTTPStatus.OK


def assert_nothing_changed(browser, user, *, access: str, session: Session) -> None:
    assert browser.cookies[accounts_conf.access_cookie_name()].value == access
    assert Session.objects.get(pk=session.pk).auth_time == session.auth_time
    assert rename(browser, "renamed").json()["code"] == REQUIRED
    assert User.objects.get(pk=user.pk).username == user.username


def test_signing_in_at_the_provider_as_another_linked_person_is_refused(
    browser, newcomer, fake_provider, clock, audit_lines
):
    """The attack: Mallory holds Alice's session, and confirms at the provider as herself."""
    mallory = UserFactory(username="mallory")
    ExternalIdentity.objects.create(user=mallory, provider_id="acme", subject="mallory-at-acme", linked_at=clock.now)
    access, session = browser.cookies[accounts_conf.access_cookie_name()].value, live_session(newcomer)
    answer = confirm_at_provider(browser, fake_provider, sub="mallory-at-acme")
    assert refused_with(answer, "provider_identity_mismatch", page="/account/")
    assert_nothing_changed(browser, newcomer, access=access, session=session)
    assert not Session.objects.filter(user=mallory).exists()
    (line,) = [line for line in audit_lines() if line["event"] == "reauthentication_failed"]
    assert (line["user_id"], line["session_id"], line["provider"], line["reason"]) == (
        newcomer.pk,
        str(session.pk),
        "acme",
        "provider_identity_mismatch",
    )
    assert not [line for line in audit_lines() if line["event"] == "reauthenticated"]


def test_an_identity_linked_to_nobody_is_refused_and_linked_to_nobody(browser, newcomer, fake_provider):
    access, session = browser.cookies[accounts_conf.access_cookie_name()].value, live_session(newcomer)
    answer = confirm_at_provider(browser, fake_provider, sub="a-stranger", email="alice@acme.example")
    assert refused_with(answer, "provider_identity_mismatch", page="/account/")
    assert_nothing_changed(browser, newcomer, access=access, session=session)
    assert list(ExternalIdentity.objects.values_list("subject", flat=True)) == ["alice-at-acme"]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "auth_time",
    [lambda now: now - 60, lambda now: "yesterday", lambda now: True],
    ids=["a minute before the trip", "not a number", "a boolean"],
)
def test_an_old_sign_in_at_the_provider_is_refused(browser, newcomer, fake_provider, auth_time):
    access, session = browser.cookies[accounts_conf.access_cookie_name()].value, live_session(newcomer)
    answer = confirm_at_provider(browser, fake_provider, auth_time=auth_time(int(time.time())))
    assert refused_with(answer, "provider_sign_in_not_fresh", page="/account/")
    assert_nothing_changed(browser, newcomer, access=access, session=session)


def test_an_auth_time_within_the_leeway_before_the_trip_is_fresh(browser, newcomer, fake_provider):
    answer = confirm_at_provider(browser, fake_provider, auth_time=int(time.time()) - accounts_conf.JWT_LEEWAY + 1)
    assert answer["Location"] == "/account/?reauthenticated=1"


def test_a_wrong_state_and_a_replayed_answer_are_refused(browser, newcomer, fake_provider):
    access, session = browser.cookies[accounts_conf.access_cookie_name()].value, live_session(newcomer)
    params = fake_provider.authorize(start(browser).json()["authorize_url"], auth_time=int(time.time()))
    assert refused_with(callback(browser, {**params, "state": "forged"}), "provider_state_invalid")
    assert refused_with(callback(browser, params), "provider_state_invalid")  # the trip was spent
    assert_nothing_changed(browser, newcomer, access=access, session=session)

    params = fake_provider.authorize(start(browser).json()["authorize_url"], auth_time=int(time.time()))
    assert callback(browser, params)["Location"] == "/account/?reauthenticated=1"
    assert refused_with(callback(browser, params), "provider_state_invalid")


def test_saying_no_at_the_provider_goes_back_to_the_account_page(browser, newcomer, fake_provider):
    params = fake_provider.authorize(start(browser).json()["authorize_url"])
    answer = callback(browser, {"error": "access_denied", "state": params["state"]})
    assert refused_with(answer, "provider_denied", page="/account/")
    assert rename(browser, "renamed").json()["code"] == REQUIRED


def test_a_session_revoked_meanwhile_is_refused(browser, newcomer, fake_provider):
    response = start(browser)
    session = live_session(newcomer)
    accounts_services.session_revoke_one(session=session)  # "sign out that device", from another one
    params = fake_provider.authorize(response.json()["authorize_url"], auth_time=int(time.time()))
    assert refused_with(callback(browser, params), "provider_session_changed", page="/account/")
    assert Session.objects.get(pk=session.pk).auth_time == session.auth_time
    assert not Session.objects.filter(user=newcomer, revoked_at__isnull=True).exists()


def test_a_browser_that_signed_in_again_meanwhile_is_refused(browser, newcomer, fake_provider, clock):
    """The trip re-authenticates the session it began in, never the one the browser holds by the time it is back."""
    response = start(browser)
    first = live_session(newcomer)
    BrowserClient.holding_session_of(browser, newcomer)  # signed in anew (another tab): another session's cookies
    params = fake_provider.authorize(response.json()["authorize_url"], auth_time=int(time.time()))
    assert refused_with(callback(browser, params), "provider_session_changed", page="/account/")
    assert Session.objects.get(pk=first.pk).auth_time == first.auth_time


def test_starting_needs_csrf_a_session_a_known_provider_and_a_linked_identity(
    auth_client, user, browser, fake_provider
):
    assert start(auth_client, csrf=False).status_code == HTTPStatus.FORBIDDEN
    assert start(browser).status_code == HTTPStatus.UNAUTHORIZED
    unknown = start(auth_client, provider_id="nope")
    assert (unknown.status_code, unknown.json()["code"]) == (HTTPStatus.NOT_FOUND, "provider_unknown")
    not_linked = start(auth_client)
    assert not_linked.status_code == HTTPStatus.CONFLICT
    assert not_linked.json() == {
        "detail": "No account at this provider is linked to yours: confirm it is you another way.",
        "code": "provider_not_linked",
    }
    assert not PendingLogin.objects.exists()
    assert "oidc_login" not in auth_client.cookies


def test_a_provider_that_is_down_is_a_503(auth_client, user, settings, clock):
    ExternalIdentity.objects.create(user=user, provider_id="acme", subject="s", linked_at=clock.now)
    settings.OIDC_PROVIDERS = [
        {"id": "acme", "name": "Acme", "issuer": "http://127.0.0.1:9", "client_id": "c", "client_secret": "s"}
    ]
    response = start(auth_client)
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.SERVICE_UNAVAILABLE, "provider_unavailable")


def test_starting_is_throttled_like_the_other_trips(browser, newcomer, fake_provider, settings):
    settings.LOGIN_RATE_IP = "2/min"
    assert [start(browser).status_code for _ in range(3)] == [HTTPStatus.OK, HTTPStatus.OK, 429]


def test_the_403_lists_every_way_in_of_an_account_with_a_provider_and_is_unchanged_without(
    auth_client, user, clock, fake_provider
):
    clock.advance(accounts_conf.REAUTH_WINDOW + 1)
    auth_client.post(reverse("accounts:refresh"))
    assert "methods" not in rename(auth_client, "renamed").json()  # a password alone: as it always was
    ExternalIdentity.objects.create(user=user, provider_id="acme", subject="s", linked_at=clock.now)
    User.objects.filter(pk=user.pk).update(passkey_count=1)
    assert rename(auth_client, "renamed").json()["methods"] == ["password", "passkey", "provider"]


def test_starting_costs_a_bounded_number_of_queries(browser, newcomer, fake_provider, django_assert_max_num_queries):
    start(browser)  # the provider's discovery document, fetched once and cached
    # Is an identity linked; expired trips deleted, this one inserted (in a savepoint): the user came from its cache.
    with django_assert_max_num_queries(5):
        assert start(browser).status_code == HTTPStatus.OK
