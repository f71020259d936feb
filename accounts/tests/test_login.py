"""CSRF cookie, registration and login over HTTP, with the cookies they set."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import access_cookie, claims_of, refresh_cookie
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
REGISTER_URL = reverse("accounts:register")
INVALID_CREDENTIALS = {"detail": "No active account found with the given credentials.", "code": "invalid_credentials"}


def assert_auth_cookies(response, *, persistent: bool = True, access_age: int = 300, refresh_age: int = 604800):
    access, refresh = access_cookie(response), refresh_cookie(response)
    assert access.key == "__Host-access_token"
    assert refresh.key == "__Secure-refresh_token"
    assert (access["path"], refresh["path"]) == ("/", "/api/auth/")
    for cookie in (access, refresh):
        assert cookie["httponly"] is True
        assert cookie["secure"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["domain"] == ""
    if persistent:
        assert (access["max-age"], refresh["max-age"]) == (access_age, refresh_age)
    else:
        assert (access["max-age"], refresh["max-age"], access["expires"], refresh["expires"]) == ("", "", "", "")


class TestCsrf:
    def test_sets_a_script_readable_csrf_cookie(self, client):
        response = client.get(reverse("accounts:csrf"))
        assert response.status_code == HTTPStatus.NO_CONTENT
        cookie = response.cookies["csrftoken"]
        assert cookie.value
        assert cookie["httponly"] == ""

    def test_login_without_csrf_header_is_403_and_counts_nothing(self, browser, user):
        response = browser.post(
            LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json", csrf=False
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["code"] == "csrf_failed"
        assert not Session.objects.exists()
        assert "__Host-access_token" not in response.cookies


class TestRegister:
    def test_creates_the_user_and_logs_them_in(self, browser):
        response = browser.post(
            REGISTER_URL,
            {"username": "alice", "password": "a-long-unusual-passphrase", "email": "a@example.com"},
            format="json",
        )
        assert response.status_code == HTTPStatus.CREATED
        user = User.objects.get()
        assert response.json() == {
            "user": {
                "id": user.pk,
                "username": "alice",
                "email": "a@example.com",
                "email_verified": False,
                "mfa": {"totp": False, "passkeys": 0},
            }
        }
        assert user.check_password("a-long-unusual-passphrase")
        assert_auth_cookies(response)
        assert Session.objects.get().user == user
        assert browser.get(reverse("accounts:me")).json()["username"] == "alice"

    def test_email_is_optional(self, browser):
        response = browser.post(REGISTER_URL, {"username": "bob", "password": "a-long-unusual-passphrase"})
        assert response.status_code == HTTPStatus.CREATED
        assert response.json()["user"]["email"] == ""

    @pytest.mark.parametrize(
        ("payload", "errors"),
        [
            (
                {"username": "carol", "password": "123"},
                {
                    "password": [
                        "This password is too short. It must contain at least 8 characters.",
                        "This password is too common.",
                        "This password is entirely numeric.",
                    ]
                },
            ),
            (
                {"username": "carol", "password": "carol2025"},
                {"password": ["The password is too similar to the username."]},
            ),
            ({"username": "bad name!", "password": "a-long-unusual-passphrase"}, None),
            ({"password": "a-long-unusual-passphrase"}, {"username": ["This field is required."]}),
            (
                {"username": "carol", "password": "a-long-unusual-passphrase", "email": "nope"},
                {"email": ["Enter a valid email address."]},
            ),
        ],
    )
    def test_invalid_input_is_a_field_error_and_creates_nothing(self, browser, payload, errors):
        response = browser.post(REGISTER_URL, payload, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        if errors is not None:
            assert response.json() == errors
        else:
            assert list(response.json()) == ["username"]
        assert not User.objects.exists()
        assert not Session.objects.exists()

    # The last one is spelled with full-width look-alike letters.
    @pytest.mark.parametrize("taken", ["dave", "DAVE", "\uff44\uff41\uff56\uff45"])
    def test_taken_username_is_refused_however_it_is_spelled(self, browser, taken):
        UserFactory(username="dave")
        response = browser.post(REGISTER_URL, {"username": taken, "password": "a-long-unusual-passphrase"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"username": ["A user with that username already exists."]}
        assert User.objects.count() == 1

    def test_password_is_hashed_with_argon2_in_production_settings(self):
        from jwtsite import settings as production

        assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
        assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production.PASSWORD_HASHERS


class TestLogin:
    def test_sets_cookies_and_answers_user_and_expiries(self, browser, user):
        response = browser.post(LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json")
        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert body["user"] == {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "email_verified": user.email_verified,
            "mfa": {"totp": False, "passkeys": 0},
        }
        assert set(body) == {"user", "access_expires", "refresh_expires"}
        access = claims_of(access_cookie(response).value)
        refresh = claims_of(refresh_cookie(response).value)
        assert parse_datetime(body["access_expires"]).timestamp() == access["exp"]
        assert parse_datetime(body["refresh_expires"]).timestamp() == refresh["exp"]
        assert_auth_cookies(response)
        session = Session.objects.get()
        assert access["sid"] == refresh["sid"] == str(session.pk)
        assert access["ver"] == refresh["ver"] == 0
        assert (access["token_type"], refresh["token_type"]) == ("access", "refresh")
        assert session.current_jti == refresh["jti"]
        user.refresh_from_db()
        assert user.last_login is not None

    def test_records_the_device(self, browser, user):
        browser.post(
            LOGIN_URL,
            {"username": user.username, "password": DEFAULT_PASSWORD},
            format="json",
            HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            REMOTE_ADDR="203.0.113.9",
        )
        session = Session.objects.get()
        assert (session.user_agent, session.ip_address) == (
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            "203.0.113.9",
        )

    def test_x_forwarded_for_is_not_trusted_by_default(self, browser, user):
        browser.login_as(user, HTTP_X_FORWARDED_FOR="198.51.100.1")
        assert Session.objects.get().ip_address == "127.0.0.1"

    def test_remember_false_gives_browser_session_cookies(self, browser, user):
        response = browser.login_as(user, remember=False)
        assert_auth_cookies(response, persistent=False)
        assert Session.objects.get().remember is False

    def test_no_token_in_the_body(self, browser, user):
        response = browser.login_as(user)
        text = response.content.decode()
        assert access_cookie(response).value not in text
        assert refresh_cookie(response).value not in text

    @pytest.mark.parametrize("username", ["nobody", None])
    def test_unknown_user_and_wrong_password_get_the_same_401(self, browser, user, username):
        response = browser.post(
            LOGIN_URL, {"username": username or user.username, "password": "wrong-password"}, format="json"
        )
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == INVALID_CREDENTIALS
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        assert not Session.objects.exists()

    def test_inactive_user_gets_the_same_401(self, browser):
        user = UserFactory(is_active=False)
        response = browser.post(LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == INVALID_CREDENTIALS

    def test_missing_fields_are_field_errors(self, browser):
        response = browser.post(LOGIN_URL, {}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"username": ["This field is required."], "password": ["This field is required."]}

    def test_stale_access_cookie_does_not_block_login(self, auth_client, user):
        auth_client.cookies["__Host-access_token"] = "garbage"
        response = auth_client.login_as(user)
        assert response.status_code == HTTPStatus.OK

    def test_query_budget(self, browser, user, django_assert_max_num_queries):
        browser.csrf_token()
        with django_assert_max_num_queries(8):
            browser.login_as(user)


class TestThrottling:
    def test_username_rate_counts_login_and_token_endpoints_together(self, settings, user):
        settings.LOGIN_RATE_USERNAME = "3/min"
        browser, script = BrowserClient(), BrowserClient()
        wrong = {"username": user.username, "password": "wrong"}
        assert browser.post(LOGIN_URL, wrong, format="json").status_code == HTTPStatus.UNAUTHORIZED
        assert script.post(reverse("accounts:token"), wrong, format="json").status_code == HTTPStatus.UNAUTHORIZED
        assert browser.post(LOGIN_URL, wrong, format="json").status_code == HTTPStatus.UNAUTHORIZED
        response = browser.post(LOGIN_URL, {**wrong, "password": DEFAULT_PASSWORD}, format="json")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["code"] == "throttled"
        assert not Session.objects.exists()

    def test_username_rate_ignores_case(self, settings, browser, user):
        settings.LOGIN_RATE_USERNAME = "1/min"
        browser.post(LOGIN_URL, {"username": user.username.upper(), "password": "x"}, format="json")
        response = browser.post(LOGIN_URL, {"username": user.username, "password": "x"}, format="json")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS

    def test_ip_rate_counts_every_username(self, settings, browser):
        settings.LOGIN_RATE_IP = "2/min"
        for name in ("a1", "a2"):
            browser.post(LOGIN_URL, {"username": name, "password": "x"}, format="json")
        response = browser.post(LOGIN_URL, {"username": "a3", "password": "x"}, format="json")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


class TestRegistrationThrottle:
    def test_registrations_per_ip_are_limited(self, settings, audit_lines):
        """Issue 10: 12 sign-ups in a row from one IP were all 201."""
        settings.REGISTER_RATE_IP = "3/hour"
        client = BrowserClient()
        statuses = [
            client.post(
                REGISTER_URL, {"username": f"bot{n}", "password": "a-long-unusual-passphrase"}, format="json"
            ).status_code
            for n in range(5)
        ]
        assert statuses == [HTTPStatus.CREATED] * 3 + [HTTPStatus.TOO_MANY_REQUESTS] * 2
        assert User.objects.count() == 3
        other_ip = BrowserClient(REMOTE_ADDR="203.0.113.5")
        response = other_ip.post(
            REGISTER_URL, {"username": "human", "password": "a-long-unusual-passphrase"}, format="json"
        )
        assert response.status_code == HTTPStatus.CREATED
        throttled = [line for line in audit_lines() if line["event"] == "throttled"]
        assert len(throttled) == 2
        assert throttled[0]["path"] == REGISTER_URL
