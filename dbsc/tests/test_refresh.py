"""Renewing a bound session: only a proof signed by its device key, for a fresh challenge, mints cookies."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import conf as accounts_conf
from accounts.models import Session
from accounts.tests.helpers import claims_of
from conftest import BrowserClient
from dbsc.tests.device import DeviceKey, offered_challenge, refresh, refresh_challenge, register, signed_in_and_bound

pytestmark = pytest.mark.django_db

REFRESH = "__Secure-refresh_token"
ACCESS = "__Host-access_token"


@pytest.fixture
def device() -> DeviceKey:
    return DeviceKey()


@pytest.fixture
def bound(browser, user, device) -> Session:
    return signed_in_and_bound(browser, user, device)


def proven_refresh(client, device: DeviceKey, session: Session):
    """Chromium's exchange: a 403 with a challenge, then the same request with the signed challenge."""
    asked = refresh(client, session_id=str(session.pk))
    assert asked.status_code == HTTPStatus.FORBIDDEN, asked.content
    challenge, session_id = refresh_challenge(asked)
    assert session_id == str(session.pk)
    return refresh(client, session_id=session_id, proof=device.structured(challenge, with_jwk=False))


def test_without_a_proof_the_browser_is_challenged(browser, bound):
    response = refresh(browser, session_id=str(bound.pk))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "dbsc_challenge_required"
    assert refresh_challenge(response)[1] == str(bound.pk)
    assert ACCESS not in response.cookies


def test_a_proof_of_the_device_key_rotates_both_cookies(browser, bound, device):
    old_refresh = browser.cookies[REFRESH].value
    response = proven_refresh(browser, device, bound)
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["session_identifier"] == str(bound.pk)
    new_refresh = response.cookies[REFRESH].value
    bound.refresh_from_db()
    assert bound.current_jti == claims_of(new_refresh)["jti"] != claims_of(old_refresh)["jti"]
    assert int(response.cookies[ACCESS]["max-age"]) == accounts_conf.ACCESS_TOKEN_LIFETIME
    assert browser.get(reverse("accounts:me")).status_code == HTTPStatus.OK


def test_browser_session_logins_get_an_expiring_access_cookie_too(browser, user, device):
    registered = register(browser, device, offered_challenge(browser.login_as(user, remember=False)))
    assert int(registered.cookies[ACCESS]["max-age"]) > 0
    session = Session.objects.get()
    response = proven_refresh(browser, device, session)
    assert response.cookies[REFRESH]["max-age"] == ""  # the refresh cookie still ends with the browser
    assert int(response.cookies[ACCESS]["max-age"]) == accounts_conf.ACCESS_TOKEN_LIFETIME


def test_the_plain_refresh_of_a_bound_session_leaves_its_cookies(browser, bound, device):
    """The pages' script may still call /api/auth/refresh/: the answer must not sign the device out."""
    response = browser.post(reverse("accounts:refresh"))
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "key_proof_required")
    assert REFRESH not in response.cookies
    assert ACCESS not in response.cookies
    assert proven_refresh(browser, device, bound).status_code == HTTPStatus.OK


def test_a_proof_from_another_key_is_refused_and_changes_nothing(browser, bound):
    asked = refresh(browser, session_id=str(bound.pk))
    challenge, _ = refresh_challenge(asked)
    response = refresh(browser, session_id=str(bound.pk), proof=DeviceKey().structured(challenge, with_jwk=False))
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "key_proof_invalid")
    before = bound.current_jti
    bound.refresh_from_db()
    assert (bound.current_jti, bound.revoked_at) == (before, None)


def test_the_copied_cookies_alone_renew_nothing(browser, bound, device):
    copied = browser.cookies[REFRESH].value
    thief = BrowserClient()
    thief.cookies[REFRESH] = copied
    plain = thief.post(reverse("accounts:refresh"))
    assert (plain.status_code, plain.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "key_proof_required")
    assert refresh(thief, session_id=str(bound.pk)).status_code == HTTPStatus.FORBIDDEN
    bound.refresh_from_db()
    assert bound.revoked_at is None
    assert proven_refresh(browser, device, bound).status_code == HTTPStatus.OK  # the device still renews it


@pytest.mark.parametrize("stale", ["expired", "replayed", "registration's", "unknown"])
def test_a_stale_challenge_gets_a_new_one(browser, bound, device, clock, stale):
    from dbsc import challenges, conf

    challenge, _ = refresh_challenge(refresh(browser, session_id=str(bound.pk)))
    if stale == "expired":
        clock.advance(conf.DBSC_CHALLENGE_TTL + 1)
    elif stale == "replayed":
        assert refresh(browser, proof=device.structured(challenge, with_jwk=False)).status_code == HTTPStatus.OK
    elif stale == "registration's":
        challenge = challenges.issue(session_id=str(bound.pk), purpose=challenges.REGISTRATION)
    else:
        challenge = "never-issued"
    before = Session.objects.get().current_jti
    response = refresh(browser, proof=device.structured(challenge, with_jwk=False))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert refresh_challenge(response)[0] != challenge
    assert Session.objects.get().current_jti == before


def test_another_sessions_challenge_does_not_serve(browser, bound, device, user):
    other = BrowserClient()
    other.login_as(user)
    other_session = Session.objects.exclude(pk=bound.pk).get()
    challenge, _ = refresh_challenge(refresh(other, session_id=str(other_session.pk)))
    assert refresh(browser, proof=device.structured(challenge, with_jwk=False)).status_code == HTTPStatus.FORBIDDEN


def test_an_unbound_session_is_told_so(browser, user):
    browser.login_as(user)
    session = Session.objects.get()
    challenge, _ = refresh_challenge(refresh(browser, session_id=str(session.pk)))
    response = refresh(browser, proof=DeviceKey().structured(challenge, with_jwk=False))
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "session_not_bound")
    assert browser.post(reverse("accounts:refresh")).status_code == HTTPStatus.OK  # it renews the plain way


@pytest.mark.parametrize("cookie", ["missing", "garbage"])
def test_no_session_cookie_is_401(api_client, db, cookie):
    if cookie == "garbage":
        api_client.cookies[REFRESH] = "not-a-token"
    response = refresh(api_client)
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "session_required")


def test_a_session_id_that_is_not_the_cookies_is_401(browser, bound):
    response = refresh(browser, session_id="another-session")
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "session_required")


def test_revoking_a_bound_session_reaches_its_device(browser, bound, device, committed):
    """Logged out elsewhere (the devices page): the next refresh is 401, which ends the browser's bound session."""
    access = browser.cookies[ACCESS].value
    other = BrowserClient()
    other.login_as(bound.user)
    with committed():
        assert other.delete(reverse("accounts:session-detail", args=[bound.pk])).status_code == HTTPStatus.NO_CONTENT
    response = proven_refresh(browser, device, bound)
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "session_revoked")
    assert response.cookies[ACCESS].value == ""  # cleared
    stale = BrowserClient()
    stale.cookies[ACCESS] = access
    assert stale.get(reverse("accounts:me")).status_code == HTTPStatus.UNAUTHORIZED


def test_reuse_of_a_rotated_refresh_cookie_revokes_the_bound_session(browser, bound, device, clock):
    old = browser.cookies[REFRESH].value
    assert proven_refresh(browser, device, bound).status_code == HTTPStatus.OK
    clock.advance(accounts_conf.REFRESH_REUSE_GRACE + 1)
    replay = BrowserClient()
    replay.cookies[REFRESH] = old
    response = proven_refresh(replay, device, bound)  # even with the device's own proof
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "token_reused")
    bound.refresh_from_db()
    assert bound.revoked_at is not None


def test_two_tabs_within_the_grace_window_both_get_cookies(browser, bound, device):
    old = browser.cookies[REFRESH].value
    assert proven_refresh(browser, device, bound).status_code == HTTPStatus.OK
    tab = BrowserClient()
    tab.cookies[REFRESH] = old
    assert proven_refresh(tab, device, bound).status_code == HTTPStatus.OK
    bound.refresh_from_db()
    assert bound.revoked_at is None


def test_refresh_query_budget(browser, bound, device, django_assert_max_num_queries):
    challenge, _ = refresh_challenge(refresh(browser, session_id=str(bound.pk)))
    # The plain refresh's queries (in a test: 6, savepoints included) and one read of the session's key.
    with django_assert_max_num_queries(7):
        response = refresh(browser, proof=device.structured(challenge, with_jwk=False))
    assert response.status_code == HTTPStatus.OK
