"""The revocation feed (``GET /api/auth/revocations/``), the cursor, and the followers that read them."""

import threading
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.client import ClientInfo
from accounts.models import Revocation, Session
from accounts.revocation import store
from accounts.revocation.follower import DatabaseSource, FeedError, FeedSource, Follower, RedisAnnouncer
from accounts.revocation.revoked_set import RevocationView
from harness.servers import free_port, redis_url, require_services

pytestmark = pytest.mark.django_db

FEED_URL = reverse("accounts:revocations")
KEY = "a-shared-feed-key-for-the-tests-0123456789"
CLIENT = ClientInfo(ip_address="192.0.2.11", user_agent="test")


@pytest.fixture
def feed_key(settings):
    settings.REVOCATION_FEED_KEY = KEY
    return KEY


def read_feed(api_client, key: str | None = KEY, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key is not None else {}
    return api_client.get(FEED_URL, params, **headers)


def revoke_sessions(user, count: int = 1) -> list[str]:
    ids = [services.session_create(user=user, client=CLIENT).session_id for _ in range(count)]
    services.session_revoke(sessions=Session.objects.filter(pk__in=ids))
    return ids


def row(row_id: int, *, seconds_ago: float = 0, session: bool = True) -> Revocation:
    now = timezone.now() - timedelta(seconds=seconds_ago)
    fields = {"session_id": f"00000000-0000-4000-8000-{row_id:012d}"} if session else {"user_id": row_id, "min_ver": 1}
    return Revocation.objects.create(id=row_id, created_at=now, until=now + timedelta(minutes=5), **fields)


class TestFeedEndpoint:
    @pytest.mark.parametrize("key", [None, "", "wrong-key", KEY + "x"])
    def test_401_without_the_key(self, api_client, feed_key, key):
        response = read_feed(api_client, key)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "A valid revocation feed key is required.", "code": "feed_key_invalid"}
        assert response["WWW-Authenticate"] == 'Bearer realm="revocations"'

    def test_closed_when_no_key_is_configured(self, api_client, settings):
        settings.REVOCATION_FEED_KEY = ""
        assert read_feed(api_client, "").status_code == HTTPStatus.UNAUTHORIZED

    def test_a_users_access_token_does_not_open_it(self, api_client, feed_key, user):
        access = services.session_create(user=user, client=CLIENT).access
        assert read_feed(api_client, access).status_code == HTTPStatus.UNAUTHORIZED

    def test_everything_in_force_then_only_what_is_new(self, api_client, feed_key, user, other_user):
        first = revoke_sessions(user, 2)
        services.user_sessions_revoke_all(user=other_user)
        Revocation.objects.create(
            session_id="00000000-0000-4000-8000-000000000001",
            created_at=timezone.now() - timedelta(hours=1),
            until=timezone.now() - timedelta(minutes=50),
        )  # spent: not in force any more
        response = read_feed(api_client)
        assert response.status_code == HTTPStatus.OK
        assert "no-store" in response["Cache-Control"]
        body = response.json()
        assert set(body) == {"cursor", "sessions", "users"}
        assert sorted(entry["sid"] for entry in body["sessions"]) == sorted(first)
        assert [(entry["user_id"], entry["min_ver"]) for entry in body["users"]] == [(other_user.pk, 1)]
        until = body["sessions"][0]["until"]
        assert until.endswith("Z")
        assert timezone.datetime.fromisoformat(until) > timezone.now() + timedelta(seconds=300)

        later = revoke_sessions(user)
        again = read_feed(api_client, after=body["cursor"]).json()
        assert [entry["sid"] for entry in again["sessions"]] == later
        assert again["users"] == []
        assert read_feed(api_client, after=again["cursor"]).json()["sessions"] == []

    def test_pages_of_limit_entries(self, api_client, feed_key, user):
        revoked = revoke_sessions(user, 5)
        seen, cursor, pages = [], None, 0
        while True:
            params = {"limit": 2, **({"after": cursor} if cursor else {})}
            body = read_feed(api_client, **params).json()
            seen += [entry["sid"] for entry in body["sessions"]]
            cursor, pages = body["cursor"], pages + 1
            if len(body["sessions"]) < 2:
                break
        assert sorted(seen) == sorted(revoked)
        assert pages == 3

    @pytest.mark.parametrize(
        "params",
        [
            {"after": "not-a-cursor"},
            {"after": "5.9-1"},
            {"after": "-1"},
            {"after": "1" * 30},
            {"after": "9" + ".1-1" * 65},
            {"limit": 0},
            {"limit": store.PAGE_SIZE + 1},
            {"limit": "many"},
        ],
    )
    def test_bad_parameters_are_a_400(self, api_client, feed_key, params):
        response = read_feed(api_client, **params)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert set(response.json()) == set(params)


class TestCursor:
    def test_round_trip(self):
        cursor = store.Cursor(last_id=120, gaps=((100, 1_700_000_000), (119, 1_700_000_001)))
        assert cursor.encode() == "120.20-1700000000.1-1700000001"
        assert store.Cursor.decode(cursor.encode()) == cursor

    def test_an_id_that_commits_after_a_higher_one_is_not_skipped(self):
        """PostgreSQL: id 2 drawn before id 3, committed after it was read."""
        row(1)
        row(3)
        first = store.changes(None)
        assert first.cursor.last_id == 3
        assert [gap for gap, _ in first.cursor.gaps] == [2]
        row(2)
        second = store.changes(first.cursor)
        assert list(second.entries.sessions) == ["00000000-0000-4000-8000-000000000002"]
        assert second.cursor.gaps == ()

    def test_a_gap_that_never_fills_is_given_up_after_the_timeout(self):
        row(1)
        row(3)
        cursor = store.changes(None).cursor
        stale = store.Cursor(
            last_id=cursor.last_id, gaps=tuple((gap, seen - store.GAP_TIMEOUT) for gap, seen in cursor.gaps)
        )
        assert store.changes(stale).cursor.gaps == ()

    def test_a_first_read_trusts_rows_older_than_the_timeout(self):
        row(5, seconds_ago=store.GAP_TIMEOUT + 5)
        row(9)
        cursor = store.changes(None).cursor
        assert [gap for gap, _ in cursor.gaps] == [6, 7, 8]

    def test_gaps_are_bounded(self):
        row(1)
        row(10_000)
        cursor = store.changes(None).cursor
        assert len(cursor.gaps) == store.MAX_GAPS
        assert cursor.gaps[-1][0] == 9_999


class TestDatabaseFollower:
    @pytest.mark.django_db(transaction=True)
    def test_its_thread_brings_a_commit_into_the_view_within_a_second(self, user):
        view = RevocationView(stale_after=5)
        revoked: list[str] = []
        caught_up = threading.Event()

        def on_current():  # after each sync of the thread's
            if revoked and view.rejects(revoked[0], user.pk, 0):
                caught_up.set()

        follower = Follower(view, DatabaseSource(), interval=0.05, on_current=on_current).start()
        try:
            assert follower.first_sync.wait(5)
            revoked.extend(revoke_sessions(user))
            assert caught_up.wait(1)
            assert view.is_current()
        finally:
            follower.stop()
        assert not follower.thread.is_alive()

    def test_prunes_what_is_spent(self):
        view = RevocationView(stale_after=5, following=False)
        now = time.time()
        view.apply(store.Entries(sessions={"a": int(now) - 1, "b": int(now) + 60}, users={1: (2, int(now) - 1)}))
        assert view.prune(now) == 2
        assert (view.sessions, view.users) == ({"b": int(now) + 60}, {})

    def test_never_lowers_a_floor(self):
        view = RevocationView(stale_after=5, following=False)
        view.apply(store.Entries(users={1: (5, 100)}))
        view.apply(store.Entries(users={1: (3, 200)}))
        assert view.users[1] == (5, 200)
        assert view.rejects("s", 1, 4)
        assert not view.rejects("s", 1, 5)


class TestFeedFollower:
    @pytest.mark.django_db(transaction=True)
    def test_follows_the_auth_servers_feed(self, live_server, feed_key, user, other_user):
        revoked = revoke_sessions(user, 3)
        services.user_sessions_revoke_all(user=other_user)
        view = RevocationView(stale_after=5)
        follower = Follower(view, FeedSource(live_server.url + FEED_URL, KEY), interval=0.05)
        assert follower.sync_once() == 4
        assert all(view.rejects(sid, user.pk, 0) for sid in revoked)
        assert view.rejects("any", other_user.pk, 0)
        assert view.is_current()
        (later,) = revoke_sessions(user)
        assert follower.sync_once() == 1
        assert view.rejects(later, user.pk, 0)
        follower.source.close()

    @pytest.mark.django_db(transaction=True)
    def test_a_wrong_key_is_an_error_not_an_empty_feed(self, live_server, feed_key):
        source = FeedSource(live_server.url + FEED_URL, "wrong")
        with pytest.raises(FeedError, match="401"):
            source.fetch(None)
        source.close()

    def test_an_unreachable_feed_makes_the_view_stale_and_is_reported_once(self):
        view = RevocationView(stale_after=0.1)
        reports = []
        follower = Follower(
            view,
            FeedSource(f"http://127.0.0.1:{free_port()}/feed/", KEY, timeout=0.5),
            interval=0.05,
            on_stale=reports.append,
        )
        view.synced_at = time.monotonic() - 1
        follower._run_once()
        assert not view.is_current()
        assert follower.last_error.startswith("ConnectionRefusedError")
        assert len(reports) == 1

    def test_rejects_a_url_that_is_not_http(self):
        with pytest.raises(ValueError, match="http"):
            FeedSource("file:///etc/passwd", KEY)


class TestRedisAnnouncements:
    def test_an_announcement_wakes_every_listener(self):
        require_services("Redis announcement test")
        channel = f"jwtsite:test:revocations:{time.monotonic_ns()}"
        heard = threading.Event()
        listener = RedisAnnouncer(redis_url(), channel, on_announcement=heard.set).start()
        try:
            assert heard.wait(5)  # the catch-up call made on subscribing
            assert listener.listening
            heard.clear()
            RedisAnnouncer(redis_url(), channel, on_announcement=lambda: None).announce()
            assert heard.wait(2)
        finally:
            listener.stop()

    def test_a_dead_redis_neither_raises_nor_blocks(self, caplog):
        dead = f"redis://127.0.0.1:{free_port()}/0"
        heard = threading.Event()
        announcer = RedisAnnouncer(dead, "jwtsite:test:dead", on_announcement=heard.set).start()
        try:
            started = time.monotonic()
            announcer.announce()
            announcer.announce()  # skipped: Redis failed a moment ago
            assert time.monotonic() - started < 1
            assert heard.wait(2)  # the follower is told to poll the database meanwhile
            assert not announcer.listening
            assert caplog.text.count("could not announce a revocation") == 1
        finally:
            announcer.stop()


class TestAProcessWithoutAView:
    def test_a_script_that_revokes_announces_without_following(self, settings, monkeypatch, caplog, user):
        """A management command has no requests to check: it starts no follower thread, it only announces."""
        from accounts.revocation import runtime

        runtime._process.stop()
        settings.REVOCATION_FOLLOW = True
        monkeypatch.setattr(runtime, "_redis_url", lambda: f"redis://127.0.0.1:{free_port()}/0")
        runtime._process.revoked(store.Entries(sessions={"00000000-0000-4000-8000-000000000001": 2**40}))
        assert runtime._process.view is None
        assert runtime._process.follower is None
        assert not runtime._process.announcer.thread.is_alive()
        assert "could not announce a revocation" in caplog.text
