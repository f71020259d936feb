"""The user cache: authenticated requests run no statement, and it holds what it should.

That every change to a user reaches every process: test_users_cache_reach.py.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import sql, users_cache
from accounts.models import User
from accounts.revocation import runtime
from accounts.revocation.follower import DatabaseSource, Follower
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

ME_URL = reverse("accounts:me")
POSTS_URL = reverse("posts:post-list")


def bearer_client(user) -> BrowserClient:
    pair = BrowserClient().post(
        reverse("accounts:token"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
    )
    client = BrowserClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.json()['access']}")
    return client


@pytest.fixture
def stale_view():
    view = runtime.current_view()
    view.following, view.synced_at = True, None
    return view


class TestTheStatementBudget:
    """Zero statements per authenticated request, once the process has seen the user."""

    def test_cookie_me_runs_no_statement(self, auth_client, user, django_assert_num_queries):
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK  # the miss: one read
        for _ in range(3):
            with django_assert_num_queries(0):
                response = auth_client.get(ME_URL)
            assert response.json()["username"] == user.username

    def test_bearer_me_runs_no_statement(self, user, django_assert_num_queries):
        client = bearer_client(user)
        assert client.get(ME_URL).status_code == HTTPStatus.OK
        with django_assert_num_queries(0):
            assert client.get(ME_URL).json()["id"] == user.pk

    def test_the_posts_list_runs_only_its_own_queries(self, auth_client, user, django_assert_num_queries):
        from posts.models import Post

        Post.objects.create(author=user, title="A post", body="Its body")
        assert auth_client.get(POSTS_URL).status_code == HTTPStatus.OK
        with django_assert_num_queries(2):  # the count and the page: none for the user
            assert auth_client.get(POSTS_URL).status_code == HTTPStatus.OK

    def test_a_miss_reads_the_row_once(self, auth_client, django_assert_num_queries):
        users_cache.current().clear()
        with django_assert_num_queries(1):
            assert auth_client.get(ME_URL).status_code == HTTPStatus.OK
        with django_assert_num_queries(0):
            assert auth_client.get(ME_URL).status_code == HTTPStatus.OK

    def test_a_stale_view_reads_the_user_on_every_request(self, auth_client, stale_view, django_assert_num_queries):
        for _ in range(2):  # the session's revocation, then the user row: never from the cache
            with django_assert_num_queries(2):
                assert auth_client.get(ME_URL).status_code == HTTPStatus.OK

    def test_the_cache_is_emptied_when_the_view_is_current_again(self, auth_client, user, stale_view):
        auth_client.get(ME_URL)
        cache = users_cache.current()
        cache.put(user.pk, sql.request_user_row(user.pk), cache.generation)
        Follower(stale_view, DatabaseSource(), interval=1).sync_once()
        assert user.pk not in cache

    def test_size_zero_turns_it_off(self, auth_client, settings, django_assert_num_queries):
        settings.USER_CACHE_SIZE = 0
        for _ in range(2):
            with django_assert_num_queries(1):
                assert auth_client.get(ME_URL).status_code == HTTPStatus.OK
        assert users_cache.current() is None


class TestTheCacheItself:
    def test_is_bounded_least_recently_used_first(self):
        cache = users_cache.UserCache(max_size=2)
        for user_id in (1, 2):
            cache.put(user_id, (user_id,), cache.generation)
        cache.get(1)
        cache.put(3, (3,), cache.generation)
        assert (1 in cache, 2 in cache, 3 in cache) == (True, False, True)

    def test_a_row_read_before_an_eviction_is_not_kept(self):
        cache = users_cache.UserCache(max_size=10)
        generation = cache.generation  # a request starts reading the row...
        cache.evict([1])  # ...the user changes meanwhile...
        assert not cache.put(1, ("old row",), generation)  # ...so what it read is not kept
        assert 1 not in cache

    def test_each_request_gets_its_own_user(self, user, django_assert_num_queries):
        row = sql.request_user_row(user.pk)
        first, second = users_cache.build(row), users_cache.build(row)
        assert first is not second
        assert (
            first.get_deferred_fields() == User.from_db("default", sql.REQUEST_USER_FIELDS, row).get_deferred_fields()
        )
        first.email = "changed-by-a-view@example.com"
        with django_assert_num_queries(1):  # a deferred field loads, on that instance only
            assert first.check_password(DEFAULT_PASSWORD)
        assert "password" not in users_cache.build(row).__dict__
        assert users_cache.build(row).email == user.email
