"""The verified-token cache: one signature check per token per process, and nothing it must not keep.

Each test shows the cache invalidated (or bypassed) by the event that must
invalidate it: expiry, a key change, a change of the verification settings,
a revocation, a deactivation. Verification is counted by spying on the key
ring backend's ``decode`` (the real one still runs).
"""

from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt import tokens as simplejwt_tokens

from accounts import conf, services
from accounts.client import ClientInfo
from accounts.models import Session, User
from accounts.revocation import runtime
from accounts.tests.helpers import claims_of, sign
from accounts.tokens import keys
from accounts.tokens import verified_cache as token_cache
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

ME_URL = reverse("accounts:me")
CLIENT = ClientInfo(ip_address="192.0.2.10", user_agent="test")


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    """Every token the current key-ring backend verifies (it still verifies them)."""
    seen: list[str] = []
    backend = keys.token_backend()
    decode = backend.decode

    def counting_decode(token, verify=True):
        seen.append(token if isinstance(token, str) else token.decode())
        return decode(token, verify)

    monkeypatch.setattr(backend, "decode", counting_decode)
    return seen


@pytest.fixture
def access(user) -> str:
    return services.session_create(user=user, client=CLIENT).access


def me(raw: str, *, cookie: bool = False):
    client = BrowserClient()
    if cookie:
        client.cookies["__Host-access_token"] = raw
        return client.get(ME_URL)
    return client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_token_is_verified_once_then_served_from_the_cache(access, decodes, django_assert_num_queries):
    for statements, cookie in ((1, False), (0, True), (0, False)):
        with django_assert_num_queries(statements):  # the user row once, then from the user cache
            assert me(access, cookie=cookie).status_code == HTTPStatus.OK
    assert decodes == [access]
    assert access in keys.token_backend().verified_tokens


def test_tokens_that_fail_are_never_cached(access, decodes):
    header, payload, signature = access.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    for _ in range(2):
        assert me(forged).status_code == HTTPStatus.UNAUTHORIZED
    assert decodes == [forged, forged]
    assert forged not in keys.token_backend().verified_tokens


def test_only_the_exact_string_hits(access, decodes):
    me(access)
    # The same claims signed again with the same key: equal bytes only if identical, so verified anew.
    resigned = sign({**claims_of(access), "jti": "another"})
    assert me(resigned).status_code == HTTPStatus.OK
    assert decodes == [access, resigned]


def test_an_entry_is_dropped_when_its_token_expires(access, decodes, clock, settings):
    assert me(access).status_code == HTTPStatus.OK
    # One clock for the cache and for simplejwt's own expiry check.
    clock.set(claims_of(access)["exp"] + conf.JWT_LEEWAY)
    response = me(access)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_not_valid"
    assert access not in keys.token_backend().verified_tokens
    assert decodes == [access, access]


def test_the_leeway_keeps_an_entry_as_long_as_verification_would(access, clock, settings):
    me(access)
    clock.set(claims_of(access)["exp"] + conf.JWT_LEEWAY - 1, tick=False)
    assert keys.token_backend().verified_tokens.get(access) is not None


def test_a_key_change_empties_it(access, settings):
    assert me(access).status_code == HTTPStatus.OK
    settings.JWT_SIGNING_KEY = "a-new-signing-key-after-a-compromise-0123456789"
    assert access not in keys.token_backend().verified_tokens
    response = me(access)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize(
    ("setting", "value"),
    [("JWT_AUDIENCE", "https://api.example.com"), ("JWT_ISSUER", "https://auth.example.com")],
)
def test_a_change_of_the_verification_settings_empties_it(access, settings, setting, value):
    assert me(access).status_code == HTTPStatus.OK
    setattr(settings, setting, value)
    assert access not in keys.token_backend().verified_tokens
    assert me(access).status_code == HTTPStatus.UNAUTHORIZED  # the token has no iss / aud


def test_a_revoked_sessions_cached_token_is_still_refused(access, django_capture_on_commit_callbacks):
    assert me(access).status_code == HTTPStatus.OK
    with django_capture_on_commit_callbacks(execute=True):
        services.session_revoke(sessions=Session.objects.all())
    assert access in keys.token_backend().verified_tokens
    assert me(access).json() == {"detail": "Token has been revoked.", "code": "token_revoked"}


def test_a_deactivated_users_cached_token_is_still_refused(access, user):
    assert me(access).status_code == HTTPStatus.OK
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert me(access).json() == {"detail": "User is inactive", "code": "user_inactive"}


def test_a_stale_revocation_view_still_checks_cached_tokens(access, django_assert_num_queries):
    assert me(access).status_code == HTTPStatus.OK
    Session.objects.update(revoked_at=timezone.now())  # behind every view's back
    view = runtime.current_view()
    view.following, view.synced_at = True, None
    with django_assert_num_queries(1):
        assert me(access).json()["code"] == "token_revoked"


def test_size_zero_turns_it_off(access, settings, request):
    settings.JWT_VERIFIED_CACHE_SIZE = 0
    decodes = request.getfixturevalue("decodes")  # spies on the backend built for size 0
    for _ in range(2):
        assert me(access).status_code == HTTPStatus.OK
    assert decodes == [access, access]
    assert len(keys.token_backend().verified_tokens) == 0


class TestTheCacheItself:
    def test_is_bounded_least_recently_used_first(self, user):
        cache = token_cache.VerifiedTokenCache(max_size=2, leeway=0)
        validated = {}
        for name in ("a", "b", "c"):
            raw = services.session_create(user=user, client=CLIENT).access
            validated[name] = (raw, simplejwt_tokens.AccessToken.__new__(simplejwt_tokens.AccessToken))
            validated[name][1].payload = claims_of(raw)
        cache.put(*validated["a"])
        cache.put(*validated["b"])
        assert cache.get(validated["a"][0]) is validated["a"][1]  # "a" is now the most recently used
        cache.put(*validated["c"])
        assert len(cache) == 2
        assert validated["b"][0] not in cache
        assert validated["a"][0] in cache
        assert validated["c"][0] in cache

    def test_expired_tokens_leave_as_new_ones_come_even_unread(self, clock):
        """A token replaced by a refresh is never read again: it must not wait for the bound to push it out."""
        cache = token_cache.VerifiedTokenCache(max_size=100, leeway=5)
        for number, exp in enumerate((1000, 1000, 2000)):
            token = simplejwt_tokens.AccessToken.__new__(simplejwt_tokens.AccessToken)
            token.payload = {"iat": 0, "exp": exp}
            now = 900.0 if number < 2 else 1005.0
            clock.set(now, tick=False)
            cache.put(f"raw{number}", token)
        assert len(cache) == 1
        assert "raw2" in cache

    def test_a_token_expiring_as_it_is_stored_leaves_the_cache_empty(self, clock):
        cache = token_cache.VerifiedTokenCache(max_size=10, leeway=5)
        token = simplejwt_tokens.AccessToken.__new__(simplejwt_tokens.AccessToken)
        token.payload = {"iat": 0, "exp": 1000}
        clock.set(1005.0, tick=False)
        cache.put("raw", token)
        assert len(cache) == 0
        assert cache.get("raw") is None

    def test_a_token_not_yet_valid_is_not_served_early(self, clock):
        cache = token_cache.VerifiedTokenCache(max_size=10, leeway=5)
        token = simplejwt_tokens.AccessToken.__new__(simplejwt_tokens.AccessToken)
        token.payload = {"iat": 1000, "nbf": 2000, "exp": 3000}
        clock.set(1994.0, tick=False)
        cache.put("raw", token)
        assert cache.get("raw") is None
        cache.put("raw", token)
        clock.set(1995.0, tick=False)
        assert cache.get("raw") is token
        clock.set(3005.0, tick=False)
        assert cache.get("raw") is None
        assert "raw" not in cache
