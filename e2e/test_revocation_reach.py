"""Revocation reach between real servers: a logout on the auth server is refused everywhere within 1 s.

Three topologies (API.md, "Revocation reach"), each measured over
``REVOCATION_SAMPLES`` logouts (10 here, 200 under ``make bench``; p99 must
stay within 1 s):

- another process on the same SQLite database (no Redis: it polls the table);
- another gunicorn on the same PostgreSQL database with Redis (announcements);
- a verifying-only server on its own database, following the auth server's
  HTTP feed (RS256, keys from the auth server's JWKS).

Then the failures: the feed going away (the verifying server turns
``degraded`` within 10 s, honours or refuses tokens per its policy, and
recovers on its own), and Redis going away under same-database servers (they
keep rejecting revoked tokens within 1 s by polling the database).
"""

import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness import reach
from harness.servers import Client, Gunicorn, flush_redis_db, redis_url, require_services, throwaway_database

pytestmark = [pytest.mark.e2e, pytest.mark.timing]

LOG_DIR = Path(__file__).resolve().parent / "artifacts" / "reach"
BUDGET = 1.0  # seconds, p99
DEGRADED_BUDGET = 10.0  # seconds from the feed's outage to /healthz saying so
FEED_KEY = secrets.token_urlsafe(32)
FEED_PATH = "/api/auth/revocations/"
MEASURED: dict[str, dict] = {}


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    """Prints the figures, and writes them to ``REVOCATION_REPORT`` when set (``make bench``)."""
    yield
    if MEASURED:
        print("\nrevocation -> rejection:", json.dumps(MEASURED))
        if path := os.environ.get("REVOCATION_REPORT"):
            Path(path).write_text(json.dumps(MEASURED, indent=1))


def common_env(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JWT_COOKIE_SECURE": "0",
        "LOGIN_RATE_USERNAME": "100000/min",
        "LOGIN_RATE_IP": "100000/min",
        "CACHE_URL": "locmemcache://",
        **extra,
    }


def server(env: dict[str, str], name: str, **kwargs) -> Gunicorn:
    return Gunicorn(env=env, log_path=LOG_DIR / f"{name}.log", workers=1, **kwargs)


def record(topology: str, delays: reach.Delays) -> None:
    MEASURED[topology] = delays.summary()
    assert delays.percentile(99) <= BUDGET, (topology, MEASURED[topology], sorted(delays.seconds)[-5:])


@dataclass
class Pair:
    auth: Gunicorn
    other: Gunicorn


@pytest.fixture(scope="module")
def rsa_keys(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reach-keys")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "private.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return {"private": folder / "private.pem"}


def auth_server_env(tmp: Path, rsa_keys: dict[str, Path], name: str) -> dict[str, str]:
    return common_env(
        DATABASE_URL=reach.migrated_sqlite(tmp / f"{name}.sqlite3"),
        JWT_ALGORITHM="RS256",
        JWT_PRIVATE_KEY=str(rsa_keys["private"]),
        REVOCATION_FEED_KEY=FEED_KEY,
    )


def feed_follower_env(tmp: Path, auth: Gunicorn, name: str, **extra: str) -> dict[str, str]:
    """A verifying-only server on a database of its own, following ``auth``'s feed."""
    return common_env(
        DATABASE_URL=reach.migrated_sqlite(tmp / f"{name}.sqlite3"),
        JWT_ALGORITHM="RS256",
        JWKS_URL=f"{auth.url}/.well-known/jwks.json",
        REVOCATION_FEED_URL=f"{auth.url}{FEED_PATH}",
        REVOCATION_FEED_KEY=FEED_KEY,
        **extra,
    )


# Reach, per topology ---------------------------------------------------------------


def test_another_process_on_the_same_sqlite_database(tmp_path):
    env = common_env(DATABASE_URL=reach.migrated_sqlite(tmp_path / "shared.sqlite3"))
    with server(env, "sqlite-auth") as auth, server(env, "sqlite-other") as other:
        record("same SQLite, no Redis (poll)", reach.measure(auth.url, other.url, reach.sample_count()))


def test_another_gunicorn_on_postgresql_with_redis():
    require_services("revocation reach test on PostgreSQL + Redis")
    with throwaway_database(f"jwtsite_reach_{os.getpid()}") as database_url:
        flush_redis_db()
        env = common_env(DATABASE_URL=database_url, CACHE_URL=redis_url())
        with server(env, "postgres-auth") as auth, server(env, "postgres-other") as other:
            record("PostgreSQL + Redis (announced)", reach.measure(auth.url, other.url, reach.sample_count()))
        flush_redis_db()


# A user changed in the database reaches the other process's user cache ----------------


def test_a_user_changed_in_the_database_on_the_same_sqlite_database(tmp_path):
    path = tmp_path / "users.sqlite3"
    env = common_env(DATABASE_URL=reach.migrated_sqlite(path))
    with server(env, "users-sqlite-auth") as auth, server(env, "users-sqlite-other") as other:
        delays = reach.measure_user_changes(auth.url, other.url, reach.sample_count(), reach.sqlite_writer(path))
        record("user changed in the database, same SQLite (poll)", delays)


def test_a_user_changed_in_the_database_on_postgresql_with_redis():
    require_services("user change reach test on PostgreSQL + Redis")
    with throwaway_database(f"jwtsite_users_{os.getpid()}") as database_url:
        flush_redis_db()
        env = common_env(DATABASE_URL=database_url, CACHE_URL=redis_url())
        with server(env, "users-postgres-auth") as auth, server(env, "users-postgres-other") as other:
            writer = reach.postgres_writer(database_url)
            delays = reach.measure_user_changes(auth.url, other.url, reach.sample_count(), writer)
            record("user changed in the database, PostgreSQL + Redis (not announced)", delays)
        flush_redis_db()


@pytest.fixture(scope="module")
def feed_pair(tmp_path_factory, rsa_keys) -> Iterator[Pair]:
    tmp = tmp_path_factory.mktemp("feed")
    auth = server(auth_server_env(tmp, rsa_keys, "auth"), "feed-auth")
    with auth, server(feed_follower_env(tmp, auth, "verifying"), "feed-verifying") as verifying:
        yield Pair(auth=auth, other=verifying)


def test_a_verifying_only_server_on_its_own_database(feed_pair):
    record("own database, HTTP feed", reach.measure(feed_pair.auth.url, feed_pair.other.url, reach.sample_count()))


# The verifying-only server on its own database, beyond the delay ------------------------


def test_it_knows_users_from_their_tokens_alone(feed_pair):
    credentials = reach.new_account(feed_pair.auth.url)
    pair = reach.token_pair(feed_pair.auth.url, credentials)
    me_on_auth = Client(feed_pair.auth.url).get(reach.ME, headers=reach.bearer(pair["access"])).json()
    response = Client(feed_pair.other.url).get(reach.ME, headers=reach.bearer(pair["access"]))
    assert response.status == HTTPStatus.OK, response.body
    assert response.json()["id"] == me_on_auth["id"]
    # Its own database has no such user, and no key to sign with.
    refused = Client(feed_pair.other.url).post(reach.TOKEN, credentials, cookies={})
    assert (refused.status, refused.json()["code"]) == (HTTPStatus.NOT_IMPLEMENTED, "verifying_only_server")


def test_logout_everywhere_reaches_it(feed_pair):
    credentials = reach.new_account(feed_pair.auth.url)
    pairs = [reach.token_pair(feed_pair.auth.url, credentials) for _ in range(2)]
    for pair in pairs:
        assert Client(feed_pair.other.url).get(reach.ME, headers=reach.bearer(pair["access"])).status == HTTPStatus.OK
    auth = Client(feed_pair.auth.url)
    auth.get("/api/auth/csrf/")
    started = time.monotonic()
    response = auth.post("/api/auth/logout-all/", headers=reach.bearer(pairs[0]["access"]), csrf=True)
    assert response.status == HTTPStatus.NO_CONTENT, response.body
    for pair in pairs:
        reach.wait_for_status(feed_pair.other.url, pair["access"], 401)
    assert time.monotonic() - started <= BUDGET
    # A fresh login carries the new version: it is above the floor.
    fresh = reach.token_pair(feed_pair.auth.url, credentials)
    assert Client(feed_pair.other.url).get(reach.ME, headers=reach.bearer(fresh["access"])).status == HTTPStatus.OK


def health(url: str) -> dict:
    return Client(url).get("/healthz").json()


def test_a_feed_outage_is_degraded_within_10_s_and_each_policy_holds(tmp_path, rsa_keys):
    auth_env = auth_server_env(tmp_path, rsa_keys, "outage-auth")
    auth = server(auth_env, "outage-auth").start()
    try:
        honour = server(feed_follower_env(tmp_path, auth, "honour"), "outage-honour").start()
        refuse = server(
            feed_follower_env(tmp_path, auth, "refuse", REVOCATION_STALE_POLICY="refuse"), "outage-refuse"
        ).start()
        try:
            pair = reach.token_pair(auth.url, reach.new_account(auth.url))
            for follower in (honour, refuse):
                assert Client(follower.url).get(reach.ME, headers=reach.bearer(pair["access"])).status == HTTPStatus.OK
                assert health(follower.url)["checks"]["revocations"] == "ok"

            stopped = time.monotonic()
            auth.stop()
            # Each follower notices on its own clock: both must have before either policy is asked.
            followers = {honour.url, refuse.url}
            while followers and time.monotonic() - stopped < 3 * DEGRADED_BUDGET:
                followers = {url for url in followers if health(url)["status"] != "degraded"}
                time.sleep(0.1)
            degraded_after = time.monotonic() - stopped
            MEASURED["feed outage -> /healthz degraded"] = {"seconds": round(degraded_after, 2)}
            assert degraded_after <= DEGRADED_BUDGET
            assert health(honour.url)["checks"] == {
                "database": "ok",
                "cache": "ok",
                "revocations": "stale",
                "mail": "ok",
            }

            honoured = Client(honour.url).get(reach.ME, headers=reach.bearer(pair["access"]))
            assert honoured.status == HTTPStatus.OK, honoured.body
            refused = Client(refuse.url).get(reach.ME, headers=reach.bearer(pair["access"]))
            assert refused.status == HTTPStatus.SERVICE_UNAVAILABLE, refused.body
            assert refused.json()["code"] == "revocations_unavailable"
            assert refused.header("Retry-After") == "1"
            # Logged once, however many requests met the stale view.
            for _ in range(3):
                Client(refuse.url).get(reach.ME, headers=reach.bearer(pair["access"]))
            assert honour.log_tail(400).count("revocation view stale") == 1

            auth = server(auth_env, "outage-auth-again", port=auth.port).start()
            back = time.monotonic()
            while health(refuse.url)["status"] != "ok" and time.monotonic() - back < DEGRADED_BUDGET:
                time.sleep(0.1)
            assert health(refuse.url)["status"] == "ok"
            assert Client(refuse.url).get(reach.ME, headers=reach.bearer(pair["access"])).status == HTTPStatus.OK
            assert "revocation view current again" in refuse.log_tail(400)
        finally:
            honour.stop()
            refuse.stop()
    finally:
        auth.stop()


def test_a_redis_outage_leaves_same_database_servers_correct(tmp_path):
    """Redis carries the announcements; without it the servers poll the database and still reject in time."""
    with reach.private_redis() as redis_server:
        env = common_env(DATABASE_URL=reach.migrated_sqlite(tmp_path / "redis.sqlite3"), CACHE_URL=redis_server.url)
        with server(env, "redis-auth") as auth, server(env, "redis-other") as other:
            credentials = reach.new_account(auth.url)
            pairs = [reach.token_pair(auth.url, credentials) for _ in range(5)]  # logins need the cache (throttles)
            with_redis = reach.measure(auth.url, other.url, 3)
            assert with_redis.percentile(99) <= BUDGET

            redis_server.stop()
            assert health(other.url)["checks"]["cache"] == "unavailable"
            delays = reach.Delays()
            for pair in pairs:
                assert Client(other.url).get(reach.ME, headers=reach.bearer(pair["access"])).status == HTTPStatus.OK
                started = time.monotonic()
                response = Client(auth.url).post(reach.BLACKLIST, {"refresh": pair["refresh"]}, cookies={})
                assert response.status == HTTPStatus.NO_CONTENT, response.body
                delays.seconds.append(
                    time.monotonic() - started + reach.wait_for_status(other.url, pair["access"], 401)
                )
            MEASURED["same SQLite, Redis down (poll fallback)"] = delays.summary()
            assert delays.percentile(99) <= BUDGET
            assert health(other.url)["checks"]["revocations"] == "ok"

            redis_server.start()
            assert reach.measure(auth.url, other.url, 2).percentile(99) <= BUDGET
