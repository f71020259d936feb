"""Forgotten passwords: request a link, follow it once, every session and token dies."""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.client import ClientInfo
from accounts.models import Session, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import BrowserClient
from emails import links

pytestmark = pytest.mark.django_db

RESET_URL = reverse("emails:password-reset")
CONFIRM_URL = reverse("emails:password-reset-confirm")
ME_URL = reverse("accounts:me")
NEW_PASSWORD = "an-entirely-new-passphrase"
ACCEPTED = {"detail": "If an account uses that address, a link to reset its password is on its way."}
LINK = re.compile(r"http://localhost:8000/password-reset/confirm/\?token=([^\s\"<]+)")


def request_reset(client, email: str, committed):
    with committed():
        return client.post(RESET_URL, {"email": email}, format="json")


def link_token(message) -> str:
    tokens = set(LINK.findall(message.body)) | set(LINK.findall(message.alternatives[0][0]))
    assert len(tokens) == 1, tokens  # the same link in both parts
    return tokens.pop()


def confirm(client, token: str, password: str = NEW_PASSWORD):
    return client.post(CONFIRM_URL, {"token": token, "new_password": password}, format="json")


class TestRequest:
    def test_a_known_address_gets_a_mail_with_a_link(self, browser, user, mailoutbox, committed):
        response = request_reset(browser, user.email, committed)
        assert response.status_code == HTTPStatus.ACCEPTED
        assert response.json() == ACCEPTED
        (message,) = mailoutbox
        assert message.to == [user.email]
        assert "Reset your password" in message.subject
        assert message.alternatives[0][1] == "text/html"
        assert links.user_of_reset_token(link_token(message)) == user

    @pytest.mark.parametrize("spelling", ["upper", "padded"])
    def test_the_address_is_matched_however_it_is_written(self, browser, mailoutbox, committed, spelling):
        user = UserFactory(email="Alice@Example.com")
        typed = {"upper": "ALICE@EXAMPLE.COM", "padded": "  Alice@example.com "}[spelling]
        assert request_reset(browser, typed, committed).status_code == HTTPStatus.ACCEPTED
        assert [m.to for m in mailoutbox] == [[user.email]]

    @pytest.mark.parametrize("case", ["unknown", "inactive"])
    def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(self, browser, mailoutbox, committed, case):
        email = "nobody@example.com"
        if case == "inactive":
            UserFactory(email=email, is_active=False)
        response = request_reset(browser, email, committed)
        assert response.status_code == HTTPStatus.ACCEPTED
        assert response.json() == ACCEPTED
        assert mailoutbox == []

    def test_the_request_itself_reads_nothing_about_the_address(self, browser, user, committed):
        """Same work for every address: the request writes the promise; the worker looks the address up."""
        browser.csrf_token()
        statements = {}
        for email in (user.email, "nobody@example.com"):
            with CaptureQueriesContext(connection) as queries:
                browser.post(RESET_URL, {"email": email}, format="json")
            statements[email] = [q["sql"].split()[0] for q in queries]
            assert not [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
            assert next(q["sql"] for q in queries if q["sql"].startswith("INSERT")).startswith(
                'INSERT INTO "emails_delivery"'
            )
        assert statements[user.email] == statements["nobody@example.com"]

    @pytest.mark.parametrize("email", ["not-an-address", "", "a@b@c", "x" * 300 + "@example.com"])
    def test_a_malformed_address_is_400(self, browser, mailoutbox, committed, email):
        response = request_reset(browser, email, committed)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "email" in response.json()
        assert mailoutbox == []

    def test_needs_the_csrf_header(self, browser, user, mailoutbox, committed):
        with committed():
            response = browser.post(RESET_URL, {"email": user.email}, format="json", csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert mailoutbox == []


class TestThrottles:
    def test_per_address(self, browser, user, settings, committed, mailoutbox):
        settings.PASSWORD_RESET_RATE_EMAIL = "2/hour"
        for _ in range(2):
            assert request_reset(browser, user.email, committed).status_code == HTTPStatus.ACCEPTED
        # Another spelling of the same address counts against it too.
        response = request_reset(browser, user.email.upper(), committed)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(response["Retry-After"]) > 0
        assert response.json()["code"] == "throttled"
        assert len(mailoutbox) == 2
        assert request_reset(browser, "someone-else@example.com", committed).status_code == HTTPStatus.ACCEPTED

    def test_per_ip(self, browser, settings, committed):
        settings.PASSWORD_RESET_RATE_IP = "3/hour"
        for number in range(3):
            assert request_reset(browser, f"n{number}@example.com", committed).status_code == HTTPStatus.ACCEPTED
        response = request_reset(browser, "n9@example.com", committed)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        other_ip = BrowserClient(REMOTE_ADDR="203.0.113.9")
        assert request_reset(other_ip, "n9@example.com", committed).status_code == HTTPStatus.ACCEPTED

    def test_confirmations_per_ip(self, browser, settings):
        settings.EMAIL_LINK_RATE_IP = "3/hour"
        for _ in range(3):
            assert confirm(browser, "guess.guess").status_code == HTTPStatus.BAD_REQUEST
        response = confirm(browser, "guess.guess")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "Retry-After" in response


@pytest.fixture
def token(user) -> str:
    return links.password_reset_token(User.objects.get(pk=user.pk))  # as stored: sign-ins change it


class TestConfirm:
    def test_sets_the_password_and_sets_no_cookie(self, browser, user, token):
        response = confirm(browser, token)
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert not response.cookies.get("__Host-access_token")
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        BrowserClient().login_as(user, password=NEW_PASSWORD)

    def test_signs_out_every_cookie_and_bearer_client(self, browser, user, api_client):
        cookie_client = BrowserClient()
        cookie_client.login_as(user)
        bearer = api_client.post(
            reverse("accounts:token"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
        ).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {bearer['access']}")
        assert cookie_client.get(ME_URL).status_code == api_client.get(ME_URL).status_code == HTTPStatus.OK
        token = links.password_reset_token(User.objects.get())  # after the sign-ins, which kill older links

        assert confirm(browser, token).status_code == HTTPStatus.NO_CONTENT

        assert cookie_client.get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert api_client.get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert cookie_client.post(reverse("accounts:refresh")).status_code == HTTPStatus.UNAUTHORIZED
        refreshed = APIClient().post(reverse("accounts:token-refresh"), {"refresh": bearer["refresh"]}, format="json")
        assert refreshed.status_code == HTTPStatus.UNAUTHORIZED
        assert not Session.objects.live().exists()
        assert User.objects.get().token_version == 1

    def test_marks_the_address_verified(self, browser, user, token):
        assert user.email_verified is False
        confirm(browser, token)
        assert User.objects.get().email_verified is True

    def test_the_link_works_once(self, browser, user, token):
        assert confirm(browser, token).status_code == HTTPStatus.NO_CONTENT
        response = confirm(browser, token, password="yet-another-passphrase")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["token"]
        assert User.objects.get().check_password(NEW_PASSWORD)

    def test_the_link_expires(self, browser, user, settings):
        settings.PASSWORD_RESET_TIMEOUT = 60

        class MadeAMinuteAgo(links.PasswordResetTokens):
            def _now(self):
                return super()._now() - timedelta(seconds=61)

        uid = links.password_reset_token(user).split(links.SEPARATOR)[0]
        response = confirm(browser, f"{uid}{links.SEPARATOR}{MadeAMinuteAgo().make_token(user)}")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["token"]
        assert User.objects.get().check_password(DEFAULT_PASSWORD)

    def test_a_password_change_kills_links_still_out(self, auth_client, browser, user, token):
        response = auth_client.post(
            reverse("accounts:password"),
            {"old_password": DEFAULT_PASSWORD, "new_password": "changed-in-the-meantime"},
            format="json",
        )
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert confirm(browser, token).status_code == HTTPStatus.BAD_REQUEST

    def test_a_sign_in_kills_links_still_out(self, browser, user, token):
        BrowserClient().login_as(user)
        assert confirm(browser, token).status_code == HTTPStatus.BAD_REQUEST

    def test_a_weak_password_is_a_field_error_and_changes_nothing(self, browser, user, auth_client, token):
        response = confirm(browser, token, password="123")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["new_password"]
        assert User.objects.get().check_password(DEFAULT_PASSWORD)
        assert auth_client.get(ME_URL).status_code == HTTPStatus.OK
        # The link still works with a good password.
        assert confirm(browser, token).status_code == HTTPStatus.NO_CONTENT

    @pytest.mark.parametrize(
        "bad", ["", "nonsense", "MQ.x", ".", "MTAwMDA.abc", "-1.abc", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5.abc"]
    )
    def test_garbage_tokens_are_token_errors(self, browser, user, bad):
        response = confirm(browser, bad)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["token"]

    def test_another_users_token_cannot_be_bent_to_this_user(self, browser, user, other_user):
        secret = links.password_reset_token(other_user).split(".", 1)[1]
        forged = f"{links.password_reset_token(user).split('.', 1)[0]}.{secret}"
        assert confirm(browser, forged).status_code == HTTPStatus.BAD_REQUEST
        assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)

    def test_an_inactive_users_link_is_dead(self, browser, user, token):
        User.objects.filter(pk=user.pk).update(is_active=False)
        assert confirm(browser, token).status_code == HTTPStatus.BAD_REQUEST

    def test_sends_a_notice_naming_the_device(self, user, token, mailoutbox, committed):
        device = BrowserClient(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="198.51.100.20")
        with committed():
            assert confirm(device, token).status_code == HTTPStatus.NO_CONTENT
        (notice,) = mailoutbox
        assert notice.to == [user.email]
        assert "Your password was reset" in notice.subject
        assert "Firefox 128 on Windows" in notice.body
        assert "198.51.100.20" in notice.body
        assert "http://localhost:8000/sessions/" in notice.body

    def test_audited_without_the_token_or_password(self, browser, user, token, audit_lines):
        confirm(browser, token)
        line = next(line for line in audit_lines() if line["event"] == "password_reset_completed")
        assert line["user_id"] == user.pk
        assert token not in str(audit_lines())
        assert NEW_PASSWORD not in str(audit_lines())


class TestQueryBudget:
    @pytest.mark.parametrize("sessions", [1, 30])
    def test_confirm_is_a_constant_number_of_statements(self, browser, user, sessions, django_assert_num_queries):
        for _ in range(sessions):
            services.session_create(user=user, client=ClientInfo(ip_address="192.0.2.1", user_agent="bulk"))
        token = links.password_reset_token(User.objects.get())
        browser.csrf_token()
        with django_assert_num_queries(CONFIRM_STATEMENTS):
            assert confirm(browser, token).status_code == HTTPStatus.NO_CONTENT
        assert not Session.objects.live().exists()


FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
# The look-up, then one transaction (here three savepoints and their releases):
# the locked re-check, the password, the version bump, its revocation record,
# the sessions' ids, revoking them, their tokens' blacklisting, the verified flag; the verified
# flag reads its user's id first (the user cache drops it).
CONFIRM_STATEMENTS = 16


class TestCheck:
    """The confirm page checks its link as it opens: a dead one says so before a password is typed."""

    CHECK_URL = reverse("emails:password-reset-check")

    def test_a_live_link_is_a_204_and_stays_usable(self, user):
        token = links.password_reset_token(user)
        before = User.objects.values().get()
        assert BrowserClient().post(self.CHECK_URL, {"token": token}, format="json").status_code == 204
        assert BrowserClient().post(self.CHECK_URL, {"token": token}, format="json").status_code == 204
        assert User.objects.values().get() == before
        assert confirm(BrowserClient(), token).status_code == HTTPStatus.NO_CONTENT

    def test_a_used_link_is_a_token_error(self, user):
        token = links.password_reset_token(user)
        confirm(BrowserClient(), token)
        response = BrowserClient().post(self.CHECK_URL, {"token": token}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"token": ["This link is not valid, or it has been used already. Ask for a new one."]}

    def test_checks_count_toward_the_link_limit_per_ip(self, user, settings):
        settings.EMAIL_LINK_RATE_IP = "2/hour"
        client = BrowserClient()
        for _ in range(2):
            assert client.post(self.CHECK_URL, {"token": "x.y"}, format="json").status_code == 400
        response = client.post(CONFIRM_URL, {"token": "x.y", "new_password": NEW_PASSWORD}, format="json")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        # The wait is what is left of the window (accounts/rates.py), in words.
        assert re.fullmatch(
            r"Too many requests\. Try again in \d+ (minutes?|hours?)( \d+ minutes?)?\.", response.json()["detail"]
        )
