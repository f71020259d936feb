"""Auth bodies are JSON or forms, throttles answer before the body, answers stay private, bad hosts get JSON."""

import json
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.urls import reverse

from accounts import conf as accounts_conf
from accounts import rates

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
MULTIPART = 'Unsupported media type "multipart/form-data" in request.'
FEED_URL = reverse("accounts:revocations")
FEED_KEY = "a-shared-feed-key-for-the-tests-0123456789"
uploads: list[str] = []


class RecordingUploadHandler(MemoryFileUploadHandler):
    """Django's upload handler, noting every file part it is handed: a multipart body that was parsed."""

    def new_file(self, field_name, *args, **kwargs):
        uploads.append(field_name)
        return super().new_file(field_name, *args, **kwargs)


@pytest.fixture
def recorded_uploads(settings):
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.RecordingUploadHandler"]
    uploads.clear()
    return uploads


def multipart(client, path: str, **extra):
    with open(__file__, "rb") as upload:
        return client.post(path, {"username": "alice", "password": "x", "file": upload}, format="multipart", **extra)


class TestAuthBodies:
    @pytest.mark.parametrize(
        "name",
        ["accounts:login", "accounts:token", "accounts:register", "emails:password-reset", "mfa:login-mfa"],
    )
    def test_multipart_is_415_and_never_parsed(self, browser, recorded_uploads, name):
        response = multipart(browser, reverse(name))
        assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
        assert response.json() == {"detail": MULTIPART, "code": "unsupported_media_type"}
        assert recorded_uploads == []

    def test_without_the_csrf_header_too(self, browser, recorded_uploads):
        response = multipart(browser, LOGIN_URL, csrf=False)
        assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
        assert recorded_uploads == []

    def test_other_kinds_are_415(self, browser):
        response = browser.generic("POST", LOGIN_URL, "<login/>", content_type="application/xml")
        assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
        assert response.json()["code"] == "unsupported_media_type"

    def test_json_and_the_browsable_apis_form_still_work(self, browser, user):
        body = urlencode({"username": user.username, "password": "wrong"})
        form = browser.generic("POST", LOGIN_URL, body, content_type="application/x-www-form-urlencoded")
        assert form.status_code == HTTPStatus.UNAUTHORIZED
        assert browser.login_as(user).status_code == HTTPStatus.OK

    def test_a_bodyless_post_needs_no_content_type(self, auth_client):
        assert auth_client.post(reverse("accounts:logout")).status_code == HTTPStatus.NO_CONTENT

    def test_posts_still_take_multipart(self, auth_client):
        response = auth_client.post("/api/posts/", {"title": "Form", "body": ""}, format="multipart")
        assert response.status_code == HTTPStatus.CREATED


class TestThrottlesBeforeTheBody:
    def test_a_throttled_sign_in_is_429_whatever_its_body(self, browser, settings, audit_lines):
        settings.LOGIN_RATE_IP = "1/min"
        browser.post(LOGIN_URL, {"username": "alice", "password": "x"}, format="json")
        response = browser.generic("POST", LOGIN_URL, '{"username": ', content_type="application/json")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(response["Retry-After"]) > 0
        (throttled,) = [line for line in audit_lines() if line["event"] == "login_throttled"]
        assert throttled["username"] is None  # the body was never read

    def test_per_username_throttles_still_read_it(self, browser, settings):
        settings.LOGIN_RATE_USERNAME = "1/min"
        for _ in range(2):
            response = browser.post(LOGIN_URL, {"username": "alice", "password": "x"}, format="json")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


class TestPrivateAnswers:
    @pytest.mark.parametrize("path", ["/api/posts/", "/api/me/", "/api/auth/sessions/"])
    def test_cookie_authenticated_answers_are_private_and_vary_on_the_cookie(self, auth_client, path):
        response = auth_client.get(path)
        assert response.status_code == HTTPStatus.OK
        assert "private" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
        assert "Cookie" in [part.strip() for part in response["Vary"].split(",")]

    def test_a_post_too(self, auth_client):
        created = auth_client.post("/api/posts/", {"title": "Mine", "body": ""}, format="json").json()
        response = auth_client.get(f"/api/posts/{created['id']}/")
        assert "private" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]

    def test_signed_out_answers_vary_on_it_too(self, client):
        response = client.get("/api/posts/")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert "Cookie" in response["Vary"]

    def test_the_jwks_stays_public(self, client):
        assert "public" in client.get("/.well-known/jwks.json")["Cache-Control"]


class TestBadHost:
    def test_an_api_path_answers_json(self, client):
        response = client.get("/api/me/", HTTP_HOST="evil.example")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content) == {
            "detail": "This site does not answer to that Host header.",
            "code": "invalid_host",
        }

    def test_a_page_keeps_the_html_answer(self, client):
        response = client.get("/login/", HTTP_HOST="evil.example")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response["Content-Type"].startswith("text/html")


class TestRevocationFeedThrottle:
    @pytest.fixture
    def feed(self, settings):
        settings.REVOCATION_FEED_KEY = FEED_KEY
        settings.REVOCATION_FEED_RATE = "3/min"

    def read(self, client, ip: str = "192.0.2.1"):
        return client.get(FEED_URL, HTTP_AUTHORIZATION=f"Bearer {FEED_KEY}", REMOTE_ADDR=ip)

    def test_is_per_key_and_ip(self, feed, api_client):
        assert [self.read(api_client).status_code for _ in range(3)] == [HTTPStatus.OK] * 3
        refused = self.read(api_client)
        assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert refused.json()["code"] == "throttled"
        assert int(refused["Retry-After"]) > 0
        assert self.read(api_client, ip="192.0.2.2").status_code == HTTPStatus.OK

    def test_the_default_never_starves_the_followers_of_a_busy_server(self, settings):
        rate = rates.Rate.parse(accounts_conf.REVOCATION_FEED_RATE)
        followers_polling = 25 / accounts_conf.REVOCATION_POLL_INTERVAL  # reads a second, 25 processes behind one IP
        assert rate.count / rate.period >= followers_polling
