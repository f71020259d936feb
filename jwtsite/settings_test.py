"""Test settings: the real settings plus a fast hasher and an in-memory mail box."""

import atexit
import os
import shutil
import tempfile

# Tests run with debug off, as production does; they need a key to start.
os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-key-for-the-test-suite-only")

from jwtsite.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run as they are enqueued, in the test's own thread (a mail: once the transaction commits,
# emails/outbox.py), so mail.outbox has it and the outbox row says what happened. With TASKS_URL on
# Redis (CI's PostgreSQL + Redis pass) they go through RQ, run synchronously (django-rq's ASYNC off).
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":  # noqa: F405
    RQ_QUEUES["default"]["ASYNC"] = False  # noqa: F405
else:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
# No follower thread: each test sees what its own revocations applied (conftest resets the view).
REVOCATION_FOLLOW = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# A file, not Django's shared-cache in-memory default: threads writing at once
# must meet SQLite's real locking (busy timeout, WAL), as they do in production.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"jwtsite-test-{os.getpid()}.sqlite3")
    }

# The embedded shared cache of this run alone (a parallel run must not see its counts).
if CACHES["default"]["BACKEND"] == "jwtsite.shared_cache.EmbeddedCache":  # noqa: F405
    CACHES["default"]["LOCATION"] = tempfile.mkdtemp(prefix="jwtsite-test-cache-")  # noqa: F405
    atexit.register(shutil.rmtree, CACHES["default"]["LOCATION"], ignore_errors=True)  # noqa: F405

# The auth API takes JSON (or urlencoded forms), never multipart, DRF's test client's default.
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}  # noqa: F405

# pytest-xdist's second worker (make test runs the unit tests on two) clears the cache
# between tests too: it gets a Redis database of its own, four below the run's.
_xdist_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
if _xdist_worker and CACHES["default"]["BACKEND"] == "jwtsite.cache.ResilientRedisCache":  # noqa: F405
    _base, _, _db = CACHES["default"]["LOCATION"].rpartition("/")  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_base}/{int(_db or 0) - 4 * _xdist_worker}"  # noqa: F405
