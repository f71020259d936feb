"""Cross-site requests: CSRF on cookie-authenticated writes, CORS only for the configured origins."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient
from jwtsite.tests.test_site import run_python
from posts.models import Post

pytestmark = pytest.mark.django_db

POSTS_URL = reverse("posts:post-list")
ME_URL = reverse("accounts:me")
LOGOUT_ALL_URL = reverse("accounts:logout-all")
EVIL = "https://evil.example"
APP = "https://app.example.com"
CSRF_MISSING = {"detail": "CSRF Failed: CSRF token missing.", "code": "csrf_failed"}
# Django checks a request's Origin, when it has one, before the token.
BAD_ORIGIN = {
    "detail": f"CSRF Failed: Origin checking failed - {EVIL} does not match any trusted origins.",
    "code": "csrf_failed",
}


def bearer_for(user) -> str:
    response = APIClient().post(
        reverse("accounts:token"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
    )
    return f"Bearer {response.json()['access']}"


def snapshot(user) -> tuple:
    user.refresh_from_db()
    return (
        Post.objects.count(),
        list(Post.objects.values_list("title", "body")),
        list(Session.objects.values_list("pk", "revoked_at", "current_jti")),
        user.token_version,
    )


class TestCsrfOnCookieAuthenticatedWrites:
    """What a form or script on another site can make a signed-in browser send."""

    @pytest.mark.parametrize("origin", [EVIL, None])
    def test_post_without_the_header_is_403_and_creates_nothing(self, auth_client, user, origin):
        before = snapshot(user)
        extra = {"HTTP_ORIGIN": origin} if origin else {}
        response = auth_client.post(POSTS_URL, {"title": "pwned", "body": "x"}, format="json", csrf=False, **extra)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == (BAD_ORIGIN if origin else CSRF_MISSING)
        assert snapshot(user) == before

    def test_logout_all_without_the_header_or_an_origin_is_403(self, auth_client, user):
        before = snapshot(user)
        response = auth_client.post(LOGOUT_ALL_URL, csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == CSRF_MISSING
        assert snapshot(user) == before

    def test_a_form_post_without_the_header_is_403(self, auth_client, user):
        """An HTML form can only send form bodies; they are refused the same way."""
        before = snapshot(user)
        response = auth_client.post(POSTS_URL, {"title": "pwned"}, format="multipart", csrf=False, HTTP_ORIGIN=EVIL)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == BAD_ORIGIN
        assert snapshot(user) == before

    def test_logout_all_without_the_header_is_403_and_revokes_nothing(self, auth_client, user):
        before = snapshot(user)
        response = auth_client.post(LOGOUT_ALL_URL, csrf=False, HTTP_ORIGIN=EVIL)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == BAD_ORIGIN
        assert snapshot(user) == before
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK

    @pytest.mark.parametrize("method", ["patch", "put", "delete"])
    def test_changing_a_post_without_the_header_is_403(self, auth_client, user, method):
        post = Post.objects.create(author=user, title="mine", body="b")
        before = snapshot(user)
        send = getattr(auth_client, method)
        response = send(reverse("posts:post-detail", args=[post.pk]), {"title": "pwned"}, format="json", csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == CSRF_MISSING
        assert snapshot(user) == before

    def test_a_header_that_does_not_match_the_cookie_is_403(self, auth_client, user):
        before = snapshot(user)
        forged = "x" * 64
        response = auth_client.post(POSTS_URL, {"title": "pwned"}, format="json", HTTP_X_CSRFTOKEN=forged)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["code"] == "csrf_failed"
        assert snapshot(user) == before

    def test_with_the_header_but_a_foreign_origin_over_https_is_403(self, auth_client, user):
        before = snapshot(user)
        response = auth_client.post(POSTS_URL, {"title": "pwned"}, format="json", secure=True, HTTP_ORIGIN=EVIL)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == BAD_ORIGIN
        assert snapshot(user) == before

    def test_with_the_header_but_a_foreign_referer_over_https_is_403(self, auth_client, user):
        before = snapshot(user)
        response = auth_client.post(
            POSTS_URL, {"title": "pwned"}, format="json", secure=True, HTTP_REFERER=f"{EVIL}/page"
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["code"] == "csrf_failed"
        assert snapshot(user) == before

    def test_with_the_header_from_our_own_origin_over_https_is_allowed(self, auth_client):
        response = auth_client.post(
            POSTS_URL, {"title": "mine"}, format="json", secure=True, HTTP_ORIGIN="https://testserver"
        )
        assert response.status_code == HTTPStatus.CREATED
        assert Post.objects.get().title == "mine"

    def test_a_trusted_origin_is_allowed_over_https(self, auth_client, settings):
        settings.CSRF_TRUSTED_ORIGINS = [APP]
        response = auth_client.post(POSTS_URL, {"title": "from the app"}, format="json", secure=True, HTTP_ORIGIN=APP)
        assert response.status_code == HTTPStatus.CREATED


class TestBearerNeedsNoCsrf:
    def test_bearer_post_needs_no_csrf_token(self, user):
        client = BrowserClient()  # enforces CSRF checks
        response = client.post(
            POSTS_URL, {"title": "by script"}, format="json", csrf=False, HTTP_AUTHORIZATION=bearer_for(user)
        )
        assert response.status_code == HTTPStatus.CREATED
        assert Post.objects.get().author == user

    def test_bearer_post_is_not_subject_to_the_origin_check(self, user):
        response = BrowserClient().post(
            POSTS_URL,
            {"title": "by script"},
            format="json",
            csrf=False,
            secure=True,
            HTTP_ORIGIN=EVIL,
            HTTP_AUTHORIZATION=bearer_for(user),
        )
        assert response.status_code == HTTPStatus.CREATED

    def test_the_token_api_needs_no_csrf_token(self, user):
        response = BrowserClient().post(
            reverse("accounts:token"),
            {"username": user.username, "password": DEFAULT_PASSWORD},
            format="json",
            csrf=False,
        )
        assert response.status_code == HTTPStatus.OK

    def test_unsafe_requests_to_api_auth_need_the_header_even_with_bearer(self, user):
        """API.md: every unsafe request to /api/auth/ carries X-CSRFToken, whatever authenticates it."""
        client = BrowserClient()
        client.csrf_token()
        response = client.post(LOGOUT_ALL_URL, csrf=False, HTTP_AUTHORIZATION=bearer_for(user))
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == CSRF_MISSING
        assert not Session.objects.filter(revoked_at__isnull=False).exists()
        assert User.objects.get().token_version == 0


def preflight(client, origin: str, path: str = POSTS_URL):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-csrftoken",
    )


def cors_headers(response) -> dict[str, str]:
    return {
        name.lower(): value for name, value in response.headers.items() if name.lower().startswith("access-control-")
    }


FOREIGN_ORIGINS = [
    EVIL,
    "null",
    "http://app.example.com",  # same host, plain HTTP
    "https://app.example.com.evil.example",
    "https://evil.app.example.com",
    "https://app.example.com:8443",
]


class TestCors:
    def test_no_cors_headers_by_default(self, auth_client):
        for origin in [APP, EVIL]:
            assert cors_headers(preflight(auth_client, origin)) == {}
            assert cors_headers(auth_client.get(ME_URL, HTTP_ORIGIN=origin)) == {}

    @pytest.mark.parametrize("path", [POSTS_URL, ME_URL, reverse("accounts:login"), reverse("accounts:refresh")])
    def test_preflight_allows_a_configured_origin_with_credentials(self, settings, api_client, path):
        settings.CORS_ALLOWED_ORIGINS = [APP]
        response = preflight(api_client, APP, path)
        assert response.status_code == HTTPStatus.OK
        headers = cors_headers(response)
        assert headers["access-control-allow-origin"] == APP
        assert headers["access-control-allow-credentials"] == "true"
        assert "POST" in headers["access-control-allow-methods"]
        assert {"content-type", "x-csrftoken"} <= set(headers["access-control-allow-headers"].split(", "))
        assert "origin" in response.headers["Vary"].lower()

    @pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
    def test_preflight_gives_other_origins_no_cors_headers(self, settings, api_client, origin):
        settings.CORS_ALLOWED_ORIGINS = [APP]
        assert cors_headers(preflight(api_client, origin)) == {}

    def test_an_allowed_origin_reads_responses_with_credentials(self, settings, auth_client, user):
        settings.CORS_ALLOWED_ORIGINS = [APP, "https://other.example.com"]
        response = auth_client.get(ME_URL, HTTP_ORIGIN=APP)
        assert response.status_code == HTTPStatus.OK
        assert cors_headers(response) == {
            "access-control-allow-origin": APP,
            "access-control-allow-credentials": "true",
        }

    @pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
    def test_other_origins_get_no_cors_headers_on_real_requests(self, settings, auth_client, origin):
        settings.CORS_ALLOWED_ORIGINS = [APP]
        assert cors_headers(auth_client.get(ME_URL, HTTP_ORIGIN=origin)) == {}

    def test_a_wildcard_is_never_sent(self, settings, auth_client):
        """Credentials are on: a ``*`` would be refused by browsers, and a reflected origin is exactly as bad."""
        assert settings.CORS_ALLOW_CREDENTIALS is True
        assert not getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False)
        assert not getattr(settings, "CORS_ORIGIN_ALLOW_ALL", False)
        assert not getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", [])
        for allowed in ([], [APP]):
            settings.CORS_ALLOWED_ORIGINS = allowed
            for origin in [APP, EVIL, "null", "*"]:
                for response in (preflight(auth_client, origin), auth_client.get(ME_URL, HTTP_ORIGIN=origin)):
                    assert response.headers.get("Access-Control-Allow-Origin") in (None, APP)

    @pytest.mark.process
    def test_allowed_origins_come_from_the_environment(self):
        result = run_python(
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.CORS_ALLOWED_ORIGINS, settings.CORS_ALLOW_CREDENTIALS)",
            DJANGO_SETTINGS_MODULE="jwtsite.settings",
            DJANGO_SECRET_KEY="x" * 50,
            CORS_ALLOWED_ORIGINS="https://a.example,https://b.example",
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "['https://a.example', 'https://b.example'] True"
