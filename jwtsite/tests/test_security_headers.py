"""Hardened responses: CSP everywhere, no caching of auth answers, Django's security headers."""

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from conftest import BrowserClient
from jwtsite.tests.test_site import run_python

pytestmark = pytest.mark.django_db

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
BROWSABLE_API_CSP = STRICT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
PAGES = ["/", "/login/", "/register/", "/posts/", "/sessions/"]


def executable_inline_scripts(html: str) -> list[str]:
    """``<script>`` tags without ``src`` that a browser would run (JSON data blocks are not run)."""
    tags = re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE)
    return [tag for tag in tags if "src=" not in tag and 'type="application/json"' not in tag]


def inline_handlers(html: str) -> list[str]:
    """``onclick=``-style attributes and ``javascript:`` URLs: inline script too."""
    return re.findall(r"\son[a-z]+\s*=|javascript:", html, flags=re.IGNORECASE)


def inline_styles(html: str) -> list[str]:
    return re.findall(r"<style\b|\sstyle\s*=", html, flags=re.IGNORECASE)


@pytest.fixture
def staff_client(db) -> BrowserClient:
    client = BrowserClient()
    client.login_as(UserFactory(is_staff=True, is_superuser=True))
    return client


class TestContentSecurityPolicy:
    @pytest.mark.parametrize(
        ("path", "status"),
        [
            ("/healthz", HTTPStatus.OK),
            ("/api/me/", HTTPStatus.UNAUTHORIZED),
            ("/api/posts/", HTTPStatus.UNAUTHORIZED),
            ("/api/no/such/thing/", HTTPStatus.NOT_FOUND),
            ("/no-such-page/", HTTPStatus.NOT_FOUND),
            ("/admin/login/", HTTPStatus.FOUND),  # to /login/?next=/admin/
            *((page, None) for page in PAGES),
        ],
    )
    def test_every_response_has_the_strict_policy(self, client, path, status):
        response = client.get(path)
        if status is not None:
            assert response.status_code == status
        assert response["Content-Security-Policy"] == STRICT_CSP

    def test_json_api_answers_have_the_strict_policy(self, auth_client):
        response = auth_client.get("/api/posts/", HTTP_ACCEPT="application/json")
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Security-Policy"] == STRICT_CSP

    def test_cors_preflights_have_it_too(self, client, settings):
        settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
        response = client.options(
            "/api/posts/", HTTP_ORIGIN="https://app.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
        )
        assert response["Content-Security-Policy"] == STRICT_CSP

    def test_the_policy_is_read_per_request(self, client, settings):
        settings.CONTENT_SECURITY_POLICY = "default-src 'none'"
        assert client.get("/healthz")["Content-Security-Policy"] == "default-src 'none'"

    @pytest.mark.parametrize("page", PAGES)
    def test_the_sites_pages_need_no_inline_script_or_style(self, auth_client, page):
        response = auth_client.get(page)
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert executable_inline_scripts(html) == []
        assert inline_handlers(html) == []
        assert inline_styles(html) == []

    @pytest.mark.parametrize(
        ("path", "status"),
        [
            ("/admin/", HTTPStatus.OK),
            ("/admin/accounts/user/", HTTPStatus.OK),
            ("/admin/accounts/session/", HTTPStatus.OK),
            ("/admin/accounts/auditevent/", HTTPStatus.OK),
            ("/admin/login/", HTTPStatus.FORBIDDEN),  # a signed-in user who is not staff: the page saying so
        ],
    )
    def test_the_admin_works_under_the_strict_policy(self, auth_client, staff_client, path, status):
        """Django 5.2's admin keeps its scripts in files and passes data in data-* attributes; so do our pages."""
        response = (auth_client if path == "/admin/login/" else staff_client).get(path)
        assert response.status_code == status
        assert response["Content-Security-Policy"] == STRICT_CSP
        html = response.content.decode()
        assert executable_inline_scripts(html) == []
        assert inline_handlers(html) == []
        assert inline_styles(html) == []

    def test_the_browsable_api_runs_no_inline_script_and_gets_inline_styles_only(self, auth_client):
        """DRF's page has ``style=""`` attributes and a highlighting ``<style>``; its scripts are files."""
        response = auth_client.get("/api/posts/", HTTP_ACCEPT="text/html")
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"].startswith("text/html")
        assert response["Content-Security-Policy"] == BROWSABLE_API_CSP
        html = response.content.decode()
        assert executable_inline_scripts(html) == []
        assert inline_handlers(html) == []

    def test_swagger_ui_runs_no_inline_script(self, client):
        response = client.get("/api/docs/")
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Security-Policy"] == BROWSABLE_API_CSP
        assert executable_inline_scripts(response.content.decode()) == []


NO_STORE_CASES = [
    ("get", "accounts:csrf", {}, HTTPStatus.NO_CONTENT),
    ("post", "accounts:login", {"username": "nobody", "password": "x"}, HTTPStatus.UNAUTHORIZED),
    ("post", "accounts:login", {}, HTTPStatus.BAD_REQUEST),
    ("post", "accounts:refresh", {}, HTTPStatus.UNAUTHORIZED),
    ("post", "accounts:logout", {}, HTTPStatus.NO_CONTENT),
    ("post", "accounts:logout-all", {}, HTTPStatus.UNAUTHORIZED),
    ("get", "accounts:sessions", {}, HTTPStatus.UNAUTHORIZED),
    ("get", "accounts:me", {}, HTTPStatus.UNAUTHORIZED),
    ("post", "accounts:me", {}, HTTPStatus.UNAUTHORIZED),
]


def assert_no_store(response) -> None:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private"} <= directives, response["Cache-Control"]


class TestNoStore:
    @pytest.mark.parametrize(("method", "name", "data", "status"), NO_STORE_CASES)
    def test_auth_answers_are_never_stored(self, browser, method, name, data, status):
        response = getattr(browser, method)(reverse(name), data, format="json")
        assert response.status_code == status
        assert_no_store(response)

    def test_signed_in_answers_are_never_stored(self, auth_client):
        for name in ("accounts:me", "accounts:sessions"):
            response = auth_client.get(reverse(name))
            assert response.status_code == HTTPStatus.OK
            assert_no_store(response)
        for name in ("accounts:refresh", "accounts:login"):
            response = auth_client.post(reverse(name), {}, format="json")
            assert_no_store(response)

    def test_csrf_failures_are_never_stored(self, browser):
        response = browser.post(reverse("accounts:login"), {}, format="json", csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert_no_store(response)

    def test_throttled_answers_are_never_stored(self, browser, settings):
        settings.LOGIN_RATE_IP = "1/min"
        browser.post(reverse("accounts:login"), {"username": "a", "password": "x"}, format="json")
        response = browser.post(reverse("accounts:login"), {"username": "b", "password": "x"}, format="json")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert_no_store(response)

    @pytest.mark.parametrize(
        "path", ["/api/auth/no-such-endpoint/", "/api/auth/sessions/not-a-uuid/", "/api/me/extra", "/api/me"]
    )
    def test_even_unknown_paths_under_auth_are_never_stored(self, client, path):
        response = client.get(path)
        assert response.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.MOVED_PERMANENTLY)
        if path != "/api/me":
            assert_no_store(response)

    def test_the_resource_api_may_be_cached_privately(self, auth_client):
        """Only auth answers are forced out of caches; posts follow DRF's defaults."""
        response = auth_client.get("/api/posts/")
        assert "no-store" not in response.get("Cache-Control", "")


class TestDjangoSecurityHeaders:
    @pytest.mark.parametrize("path", ["/healthz", "/api/me/", "/api/posts/", "/", "/login/", "/admin/login/"])
    def test_nosniff_referrer_policy_and_frame_options(self, client, path):
        response = client.get(path)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]

    def test_no_hsts_by_default(self, client):
        assert "Strict-Transport-Security" not in client.get("/healthz", secure=True)

    def test_hsts_when_configured_on_https_only(self, settings):
        settings.SECURE_HSTS_SECONDS = 31536000
        client = Client()  # Django's SecurityMiddleware reads its settings when the client builds it
        assert client.get("/healthz", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
        assert "Strict-Transport-Security" not in client.get("/healthz")

    @pytest.mark.process
    def test_hsts_comes_from_the_environment(self):
        result = run_python(
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
            " settings.SECURE_HSTS_PRELOAD)",
            DJANGO_SETTINGS_MODULE="jwtsite.settings",
            DJANGO_SECRET_KEY="x" * 50,
            DJANGO_SECURE_HSTS_SECONDS="63072000",
            DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
            DJANGO_SECURE_HSTS_PRELOAD="1",
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["63072000", "True", "True"]

    @pytest.mark.process
    def test_check_deploy_passes_with_every_https_opt_in_set(self):
        """With HSTS (and its subdomains and preload) and the redirect on, nothing is left to warn about."""
        import os
        import subprocess
        import sys

        from jwtsite.tests.test_site import BASE_DIR

        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=BASE_DIR,
            env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
            | {
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": "k" * 64 + "-a-long-random-production-key",
                "DJANGO_SECURE_HSTS_SECONDS": "31536000",
                "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
                "DJANGO_SECURE_HSTS_PRELOAD": "1",
                "DJANGO_SECURE_SSL_REDIRECT": "1",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
