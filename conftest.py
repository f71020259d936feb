"""Fixtures shared by every app's tests: users, API clients, a logged-in browser client, the audit trail."""

import json
import logging
import subprocess

import pytest
from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.urls import reverse
from django.utils.crypto import get_random_string
from rest_framework.test import APIClient

from accounts import conf as accounts_conf
from accounts import services
from accounts.client import ClientInfo
from accounts.revocation import runtime as revocations
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from jwtsite.tests.clock import Clock


class BrowserClient(APIClient):
    """An APIClient that enforces CSRF and sends ``X-CSRFToken`` like the site's pages do."""

    def __init__(self, **kwargs) -> None:
        super().__init__(enforce_csrf_checks=True, **kwargs)

    def csrf_token(self) -> str:
        if "csrftoken" not in self.cookies:
            self.get(reverse("accounts:csrf"))
        return self.cookies["csrftoken"].value

    def generic(self, method, path, data="", content_type="application/octet-stream", secure=False, **extra):
        if method.upper() not in ("GET", "HEAD", "OPTIONS", "TRACE") and "HTTP_X_CSRFTOKEN" not in extra:
            if extra.pop("csrf", True):
                extra["HTTP_X_CSRFTOKEN"] = self.csrf_token()
        else:
            extra.pop("csrf", None)
        return super().generic(method, path, data, content_type, secure=secure, **extra)

    def post(self, path, data=None, format=None, content_type=None, **extra):
        # Pages (the admin's forms) post forms, as a browser does; the API gets JSON by default.
        if format is None and content_type is None and not str(path).startswith("/api/"):
            format = "multipart"
        return super().post(path, data, format, content_type, **extra)

    def holding_session_of(self, user) -> "BrowserClient":
        """Holds a new session of ``user`` made by the sign-in service itself, and a CSRF cookie.

        What a browser holds after ``login_as``, without its two requests: for the
        large matrices of tests about what comes after signing in (bad input, forged
        tokens), where those requests were most of each test's cost.
        """
        tokens = services.session_create(user=user, client=ClientInfo(ip_address="127.0.0.1", user_agent=""))
        self.cookies[accounts_conf.access_cookie_name()] = tokens.access
        self.cookies[accounts_conf.refresh_cookie_name()] = tokens.refresh
        self.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
        return self

    def login_as(self, user, password: str = DEFAULT_PASSWORD, **data):
        """Logs in through the API; ``HTTP_*``/``REMOTE_ADDR`` keywords go to the request's META."""
        meta = {key: data.pop(key) for key in list(data) if key.startswith(("HTTP_", "REMOTE_"))}
        response = self.post(
            reverse("accounts:login"),
            {"username": user.username, "password": password, **data},
            format="json",
            **meta,
        )
        assert response.status_code == 200, response.content
        return response


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def api_client() -> APIClient:
    """A client with no credentials that, like a script, sends no CSRF token."""
    return APIClient()


@pytest.fixture
def browser() -> BrowserClient:
    """A browser-like client: cookies, CSRF enforced, ``X-CSRFToken`` sent."""
    return BrowserClient()


@pytest.fixture
def auth_client(user) -> BrowserClient:
    """A browser-like client logged in as ``user`` through the real login endpoint."""
    client = BrowserClient()
    client.login_as(user)
    return client


@pytest.fixture
def session_holder(user) -> BrowserClient:
    """A browser holding a session of ``user`` made by the sign-in service (``holding_session_of``)."""
    return BrowserClient().holding_session_of(user)


@pytest.fixture
def admin_client(admin_user) -> BrowserClient:
    """A browser signed in as a superuser the way staff sign in: through the site's login (no Django session).

    Replaces pytest-django's fixture, whose ``force_login`` makes a Django
    session the admin no longer reads (accounts/middleware.py).
    """
    client = BrowserClient()
    client.login_as(admin_user, password="password", HTTP_USER_AGENT="Staff browser")
    return client


@pytest.fixture
def audit_lines(caplog):
    """``audit_lines()``: the audit trail so far, one dict per line."""
    caplog.set_level(logging.INFO, logger="jwtsite.audit")

    def lines() -> list[dict]:
        records = [*caplog.get_records("setup"), *caplog.records]  # fixtures log in during setup
        return [json.loads(r.getMessage()) for r in records if r.name == "jwtsite.audit"]

    return lines


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs what the block left for after COMMIT (mail, notices), as production does."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _fresh_revocation_view():
    """Each test starts with an empty revocation view: ids (users, sessions) repeat between tests."""
    revocations.reset()
    yield
    revocations.reset()


@pytest.fixture
def clock(time_machine) -> Clock:
    """The wall clock every time rule reads, moved instead of slept on (jwtsite/tests/clock.py)."""
    return Clock(time_machine)


# Marks under which a test may start another process (make test-fast runs neither).
PROCESS_MARKS = ("process", "e2e")
_may_start_processes = True


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    global _may_start_processes
    _may_start_processes = any(item.get_closest_marker(mark) for mark in PROCESS_MARKS)


def _refuse_unmarked_processes(popen_init):
    """``make test-fast`` promises no external process: a test that starts one must say so."""

    def __init__(self, args, *rest, **kwargs):
        if not _may_start_processes:
            raise AssertionError(f"this test starts a process ({args!r}): mark it @pytest.mark.process")
        popen_init(self, args, *rest, **kwargs)

    return __init__


subprocess.Popen.__init__ = _refuse_unmarked_processes(subprocess.Popen.__init__)
