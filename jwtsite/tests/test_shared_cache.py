"""The cache limits count in: which one settings choose, and exact counts when real processes race."""

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from jwtsite import shared_cache

REPO = Path(settings.BASE_DIR)
RACERS = 4
ATTEMPTS = 60  # per process
LIMIT = 50  # per hour: no window boundary moves the count while the processes run

# Each process waits for its go (a line on stdin), then counts ATTEMPTS attempts on one key as fast as it can.
RACER = textwrap.dedent(
    f"""
    import sys
    import django
    django.setup()
    from accounts import rates
    key = sys.argv[1]
    sys.stdin.readline()
    allowed = sum(rates.hit(key, rates.Rate({LIMIT}, 3600)) is None for _ in range({ATTEMPTS}))
    print(allowed)
    """
)


def race(env: dict[str, str]) -> list[int]:
    key = f"race-{uuid.uuid4().hex}"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, key],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(RACERS)
    ]
    for process in processes:  # all started: go
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0] * RACERS
    return [int(output) for output in outputs]


def server_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in ("CACHE_URL", "DJANGO_SETTINGS_MODULE")}
    return {**env, "DJANGO_SETTINGS_MODULE": "jwtsite.settings", "DJANGO_SECRET_KEY": "test", **extra}


@pytest.mark.process
def test_processes_racing_on_the_embedded_cache_let_exactly_the_rate_through(tmp_path):
    allowed = race(server_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    assert sum(allowed) == LIMIT
    assert (tmp_path / "db.sqlite3-cache").is_dir()


@pytest.mark.process
def test_processes_racing_on_redis_let_exactly_the_rate_through(tmp_path):
    # This test process's own Redis database (another pytest-xdist worker clears its own).
    url = settings.CACHES["default"]["LOCATION"] if os.environ.get("CACHE_URL", "").startswith("redis://") else ""
    if not url:
        pytest.skip("CACHE_URL is not Redis")
    allowed = race(server_env(CACHE_URL=url))
    assert sum(allowed) == LIMIT


class TestChoice:
    """Which cache settings pick when ``CACHE_URL`` is unset."""

    def test_beside_a_sqlite_database(self):
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/site/db.sqlite3"}
        assert shared_cache.default_location(database, REPO) == Path("/srv/site/db.sqlite3-cache")

    def test_named_after_a_server_database(self):
        database = {"ENGINE": "django.db.backends.postgresql", "NAME": "jwtsite", "HOST": "db", "PORT": 5432}
        assert shared_cache.default_location(database, REPO) == REPO / ".cache" / "db-5432-jwtsite"

    def test_local_memory_only_under_runserver(self):
        assert shared_cache.is_runserver(["manage.py", "runserver", "127.0.0.1:8000"])
        assert not shared_cache.is_runserver(["gunicorn", "jwtsite.wsgi:application"])
        assert not shared_cache.is_runserver(["manage.py", "migrate"])

    @pytest.mark.parametrize(
        ("cache_url", "backend"),
        [
            (None, "jwtsite.shared_cache.EmbeddedCache"),
            ("locmemcache://", "django.core.cache.backends.locmem.LocMemCache"),
            ("redis://127.0.0.1:6379/3", "jwtsite.cache.ResilientRedisCache"),
        ],
    )
    @pytest.mark.process
    def test_from_cache_url(self, cache_url, backend, tmp_path):
        env = server_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
        if cache_url:
            env["CACHE_URL"] = cache_url
        code = "import django; django.setup(); from django.conf import settings; print(settings.CACHES)"
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
        assert f"'BACKEND': '{backend}'" in done.stdout, done.stderr


class TestRefusal:
    def test_one_worker_on_local_memory_starts(self, settings):
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        assert shared_cache.per_process_refusal(workers=1) is None

    def test_several_workers_on_the_embedded_cache_start(self):
        assert shared_cache.per_process_refusal(workers=9) is None

    def test_several_workers_on_a_dummy_cache_refuse(self, settings, monkeypatch):
        monkeypatch.setenv("CACHE_URL", "dummycache://")
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        assert shared_cache.per_process_refusal(workers=3) == (
            "Refusing to start 3 workers on a dummy cache that counts nothing (CACHE_URL=dummycache://): "
            "each would count every limit on its own. Set CACHE_URL to a shared cache (redis://...), "
            "unset it for the embedded one, or run one worker (WEB_CONCURRENCY=1)."
        )
