"""The shared cache going away: sign-in keeps working, throttles count per process, /healthz says so.

The backend under test is jwtsite/cache.py's ``ResilientRedisCache``, pointed
at a port where nothing listens (refused at once) or at a private
``redis-server`` that the test stops, restarts or freezes (harness/services.py).
"""

import logging
from http import HTTPStatus

import pytest
import redis
from django.urls import reverse

import jwtsite.cache
from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient
from harness.servers import free_port
from harness.services import PrivateRedis, unavailable
from jwtsite.tests.test_site import run_python

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")


class Clock:
    """``jwtsite.cache.monotonic``, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(jwtsite.cache, "monotonic", clock)
    return clock


@pytest.fixture
def redis_cache(settings, monkeypatch, clock):
    """``use(url)`` makes the default cache our Redis backend at ``url``, with fresh outage state."""
    monkeypatch.setattr(jwtsite.cache, "_outages", {})

    def use(url: str) -> None:
        settings.CACHES = {"default": {"BACKEND": "jwtsite.cache.ResilientRedisCache", "LOCATION": url}}

    return use


@pytest.fixture
def dead_redis(redis_cache) -> str:
    url = f"redis://127.0.0.1:{free_port()}/0"
    redis_cache(url)
    return url


@pytest.fixture
def private_redis(redis_cache):
    if reason := PrivateRedis.missing():
        unavailable(reason)
    with PrivateRedis() as server:
        redis_cache(server.url())
        yield server


@pytest.fixture
def cache_log(caplog):
    caplog.set_level(logging.WARNING, logger="jwtsite.cache")

    def lines(level: int = logging.ERROR) -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "jwtsite.cache" and r.levelno == level]

    return lines


def login(client: BrowserClient, user, password: str = DEFAULT_PASSWORD, **meta):
    return client.post(LOGIN_URL, {"username": user.username, "password": password}, format="json", **meta)


def healthz(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.json()


MAIL = {"dead": 0, "stalled": 0}
DEGRADED = {
    "status": "degraded",
    "checks": {"database": "ok", "cache": "unavailable", "revocations": "ok", "mail": "ok"},
    "mail": MAIL,
}
HEALTHY = {"status": "ok", "checks": {"database": "ok", "cache": "ok", "revocations": "ok", "mail": "ok"}, "mail": MAIL}


class TestRedisUnreachable:
    def test_sign_in_works_and_health_says_degraded(self, dead_redis, browser, user, client):
        response = login(browser, user)
        assert response.status_code == HTTPStatus.OK, response.content
        assert browser.get(reverse("accounts:me")).json()["username"] == user.username
        assert healthz(client) == (HTTPStatus.OK, DEGRADED)

    def test_login_throttles_still_hold_per_process(self, dead_redis, settings, browser, user):
        settings.LOGIN_RATE_USERNAME = "3/min"
        for _ in range(3):
            assert login(browser, user, "wrong").status_code == HTTPStatus.UNAUTHORIZED
        response = login(browser, user)  # the right password, one attempt too many
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(response["Retry-After"]) > 0
        assert not Session.objects.exists()

    def test_the_outage_is_logged_once_a_minute_not_per_request(
        self, dead_redis, settings, clock, browser, user, cache_log
    ):
        settings.LOGIN_RATE_USERNAME = "100/min"
        for _ in range(5):
            clock.now += 2  # past the retry interval: every request tries Redis again
            assert login(browser, user).status_code == HTTPStatus.OK
        assert len(cache_log()) == 1
        assert "serving from per-process memory" in cache_log()[0]
        clock.now += 60
        assert login(browser, user).status_code == HTTPStatus.OK
        assert len(cache_log()) == 2

    def test_fail_closed_answers_503_and_signs_nobody_in(self, dead_redis, settings, browser, user, client):
        settings.CACHE_OUTAGE_POLICY = "closed"
        response = login(browser, user)
        assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert response.json() == {
            "detail": "The service is temporarily unavailable; try again shortly.",
            "code": "cache_unavailable",
        }
        assert response["Retry-After"] == "5"
        assert not Session.objects.exists()
        token = browser.post(
            reverse("accounts:token"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
        )
        assert token.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert healthz(client) == (HTTPStatus.OK, DEGRADED)

    def test_fail_closed_leaves_requests_that_need_no_cache_alone(self, settings, redis_cache, auth_client):
        redis_cache(f"redis://127.0.0.1:{free_port()}/0")  # after auth_client signed in
        settings.CACHE_OUTAGE_POLICY = "closed"
        assert auth_client.get(reverse("accounts:me")).status_code == HTTPStatus.OK
        assert auth_client.post(reverse("accounts:refresh")).status_code == HTTPStatus.OK
        assert auth_client.get(reverse("posts:post-list")).status_code == HTTPStatus.OK


@pytest.mark.process
class TestRedisComesBack:
    def test_reconnects_on_its_own_and_counts_in_redis_again(self, private_redis, clock, settings, user, cache_log):
        settings.LOGIN_RATE_USERNAME = "100/min"
        direct = redis.Redis.from_url(private_redis.url())
        browser = BrowserClient()
        assert login(browser, user).status_code == HTTPStatus.OK
        assert direct.dbsize() > 0  # the throttle's counters are in Redis

        private_redis.stop()
        assert login(browser, user).status_code == HTTPStatus.OK
        assert healthz(browser) == (HTTPStatus.OK, DEGRADED)

        private_redis.start()  # empty: no persistence
        assert direct.dbsize() == 0
        clock.now += 1  # the retry interval
        assert login(browser, user).status_code == HTTPStatus.OK
        assert direct.dbsize() > 0
        assert healthz(browser) == (HTTPStatus.OK, HEALTHY)
        assert len(cache_log(logging.ERROR)) == 1
        assert len(cache_log(logging.WARNING)) == 1
        assert cache_log(logging.WARNING)[0].startswith("Cache reachable again after")

    def test_health_check_ends_the_outage_at_once(self, private_redis, user, client):
        private_redis.stop()
        assert healthz(client) == (HTTPStatus.OK, DEGRADED)
        private_redis.start()
        assert healthz(client) == (HTTPStatus.OK, HEALTHY)  # no retry interval to wait for

    def test_a_hung_redis_costs_a_timeout_not_the_request(self, private_redis, user, client):
        browser = BrowserClient()
        assert login(browser, user).status_code == HTTPStatus.OK
        private_redis.freeze()  # accepts connections, never answers
        try:
            assert login(browser, user).status_code == HTTPStatus.OK
            assert healthz(client) == (HTTPStatus.OK, DEGRADED)
        finally:
            private_redis.thaw()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "CACHE_OUTAGE_POLICY",
            "sometimes",
            "CACHE_OUTAGE_POLICY must be 'open' or 'closed', not 'sometimes'. (jwtsite.E001)",
        ),
        (
            "MAX_SESSIONS_PER_USER",
            "0",
            "MAX_SESSIONS_PER_USER must be a whole number 1 or more, not 0. (accounts.E007)",
        ),
        (
            "LOGIN_FAILURES_USERNAME",
            "often",
            "LOGIN_FAILURES_USERNAME must look like '20/hour' (1 or more per s, min, hour or day), not 'often'. "
            "(accounts.E006)",
        ),
    ],
)
@pytest.mark.process
def test_a_misconfigured_limit_refuses_to_start(variable, value, message):
    result = run_python("import jwtsite.wsgi", DJANGO_DEBUG="1", **{variable: value})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"jwtsite: {message}",
        "jwtsite: python manage.py check lists them with hints.",
    ]
