"""Site-wide behaviour: health check, JSON errors for API paths, settings safety."""

import json
import os
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import override_settings

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Runs ``code`` in a fresh interpreter with only ``env`` on top of a clean environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_without_database(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """``run_python`` with debug off and a database that cannot be opened."""
    return run_python(
        code,
        DJANGO_SETTINGS_MODULE="jwtsite.settings",
        DJANGO_SECRET_KEY="x" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path}/missing-dir/db.sqlite3",
        DJANGO_ALLOWED_HOSTS="testserver",
    )


class TestHealthz:
    def test_ok_when_the_database_answers(self, client):
        response = client.get("/healthz")
        assert response.status_code == HTTPStatus.OK
        assert response.json() == {
            "status": "ok",
            "checks": {"database": "ok", "cache": "ok", "revocations": "ok", "mail": "ok"},
            "mail": {"dead": 0, "stalled": 0},
        }
        assert "no-cache" in response.headers["Cache-Control"]

    @pytest.mark.process
    def test_503_with_a_reason_when_the_database_does_not(self, tmp_path):
        result = run_without_database(
            "import django, json; django.setup();"
            "from django.test import Client;"
            "r = Client().get('/healthz');"
            "print(r.status_code, json.dumps(r.json()))",
            tmp_path,
        )
        assert result.returncode == 0, result.stderr
        status, body = result.stdout.strip().split(" ", 1)
        assert status == "503"
        assert json.loads(body) == {
            "status": "unavailable",
            # The revocation view cannot sync from a database that does not answer.
            "checks": {"database": "unavailable", "cache": "ok", "revocations": "stale", "mail": "unavailable"},
        }


class TestDatabaseUnavailable:
    @pytest.mark.process
    def test_an_api_request_gets_a_json_503_with_retry_after(self, tmp_path):
        result = run_without_database(
            "import django, json, uuid; django.setup();"
            "from datetime import timedelta;"
            "from django.test import Client;"
            "from django.utils import timezone;"
            "from accounts.tokens import Claims, encode_access, new_jti, whole_seconds;"
            "now = whole_seconds(timezone.now());"
            "claims = Claims(1, str(uuid.uuid4()), 0, new_jti(), now, now + timedelta(minutes=5));"
            "r = Client().get('/api/me/', headers={'Authorization': 'Bearer ' + encode_access(claims)});"
            "print(r.status_code, r.headers.get('Retry-After'), json.dumps(r.json()))",
            tmp_path,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == (
            '503 1 {"detail": "The database is unavailable; try again shortly.", "code": "database_unavailable"}'
        )
        assert "Database unavailable" in result.stderr  # logged as an outage


class TestJsonErrorsForApiPaths:
    def test_unknown_api_path_is_json_404(self, client):
        response = client.get("/api/no/such/thing/")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json() == {"detail": "Not found.", "code": "not_found"}

    @override_settings(DEBUG=True)
    def test_unknown_api_path_is_json_404_in_debug_mode_too(self, client):
        response = client.get("/api/nope")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response["Content-Type"] == "application/json"

    def test_wrong_method_is_json_405(self, auth_client):
        response = auth_client.delete("/api/posts/")
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert response.json() == {"detail": 'Method "DELETE" not allowed.', "code": "method_not_allowed"}

    def test_unhandled_error_under_api_is_json_500(self, client, settings):
        settings.DEBUG = True
        settings.ROOT_URLCONF = "jwtsite.tests.urls_boom"
        client.raise_request_exception = False
        response = client.get("/api/boom/")
        assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
        assert response.json() == {"detail": "A server error occurred.", "code": "server_error"}

    def test_non_api_404_stays_html(self, client):
        response = client.get("/no-such-page/")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response["Content-Type"].startswith("text/html")


@pytest.mark.process
class TestSettingsSafety:
    def test_manage_py_refuses_to_start_without_a_secret_key(self):
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=BASE_DIR,
            env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {"DJANGO_DEBUG": "0"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            "jwtsite: DJANGO_SECRET_KEY is not set; set it (or DJANGO_DEBUG=1 for local development)."
        ]

    def test_wsgi_refuses_to_start_without_a_secret_key(self):
        result = run_python("import jwtsite.wsgi", DJANGO_DEBUG="0")
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            "jwtsite: DJANGO_SECRET_KEY is not set; set it (or DJANGO_DEBUG=1 for local development)."
        ]

    def test_debug_mode_starts_with_the_named_insecure_key(self):
        result = run_python(
            "import django; django.setup(); from django.conf import settings;"
            "from accounts import conf;"
            "print(settings.SECRET_KEY); print(conf.JWT_SIGNING_KEY != settings.SECRET_KEY)",
            DJANGO_SETTINGS_MODULE="jwtsite.settings",
            DJANGO_DEBUG="1",
        )
        assert result.returncode == 0, result.stderr
        key, signing_key_differs = result.stdout.split()
        assert "insecure" in key
        assert signing_key_differs == "True"

    def test_check_deploy_lists_only_warnings_the_docs_explain(self):
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
            cwd=BASE_DIR,
            env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
            | {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 64 + "-a-long-random-production-key"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        ids = set(re.findall(r"security\.W\d+", result.stderr))
        docs = (BASE_DIR / "docs" / "configuration.md").read_text()
        assert ids <= {i for i in ("security.W004", "security.W008") if i in docs}
