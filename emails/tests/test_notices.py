"""Security notices, and mail that never blocks or breaks the request that sends it."""

import logging
import socket
from http import HTTPStatus

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import BrowserClient
from emails import notices

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
PASSWORD_URL = reverse("accounts:password")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"


def sign_in(user, committed, user_agent: str = FIREFOX, ip: str = "198.51.100.7"):
    client = BrowserClient(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    with committed():
        client.login_as(user)
    return client


def assert_no_sign_in_material(message) -> None:
    for part in (message.body, message.alternatives[0][0]):
        assert "eyJ" not in part  # no JWT
        assert "token=" not in part  # no link token


class TestNewDevice:
    def test_a_new_device_gets_a_notice_naming_it(self, user, committed, mailoutbox):
        sign_in(user, committed)
        (notice,) = mailoutbox
        assert notice.to == [user.email]
        assert "New sign-in" in notice.subject
        for part in (notice.body, notice.alternatives[0][0]):
            assert "Firefox 128 on Windows" in part
            assert "198.51.100.7" in part
            assert "http://localhost:8000/sessions/" in part
        assert_no_sign_in_material(notice)

    def test_a_device_seen_before_gets_none(self, user, committed, mailoutbox):
        sign_in(user, committed)
        sign_in(user, committed)
        assert len(mailoutbox) == 1

    @pytest.mark.parametrize("change", ["user agent", "ip"])
    def test_another_user_agent_or_ip_is_another_device(self, user, committed, mailoutbox, change):
        sign_in(user, committed)
        if change == "user agent":
            sign_in(user, committed, user_agent=CHROME)
        else:
            sign_in(user, committed, ip="203.0.113.50")
        assert len(mailoutbox) == 2

    def test_the_registering_device_is_known(self, committed, mailoutbox):
        client = BrowserClient(HTTP_USER_AGENT=FIREFOX)
        with committed():
            client.post(
                reverse("accounts:register"),
                {"username": "bob", "password": "a-long-unusual-passphrase", "email": "bob@example.com"},
                format="json",
            )
        mailoutbox.clear()  # the verification mail
        with committed():
            BrowserClient(HTTP_USER_AGENT=FIREFOX).login_as(User.objects.get(), password="a-long-unusual-passphrase")
        assert mailoutbox == []

    def test_devices_older_than_a_session_lifetime_are_forgotten(self, clock, user, committed, mailoutbox, settings):
        sign_in(user, committed)
        settings.SESSION_MAX_AGE = 1
        clock.advance(1.1)
        sign_in(user, committed)
        assert len(mailoutbox) == 2

    def test_no_address_no_mail(self, committed, mailoutbox):
        sign_in(UserFactory(email=""), committed)
        assert mailoutbox == []


class TestPasswordChanged:
    def test_the_account_address_is_told(self, user, committed, mailoutbox):
        client = sign_in(user, committed, user_agent=CHROME)
        mailoutbox.clear()
        with committed():
            response = client.post(
                PASSWORD_URL, {"old_password": DEFAULT_PASSWORD, "new_password": "brand-new-passphrase"}, format="json"
            )
        assert response.status_code == HTTPStatus.NO_CONTENT
        (notice,) = mailoutbox
        assert notice.to == [user.email]
        assert "Your password was changed" in notice.subject
        assert "Chrome 156 on Linux" in notice.body
        assert_no_sign_in_material(notice)

    def test_a_wrong_old_password_tells_nobody(self, user, committed, mailoutbox):
        client = sign_in(user, committed)
        mailoutbox.clear()
        with committed():
            client.post(PASSWORD_URL, {"old_password": "wrong", "new_password": "brand-new-passphrase"}, format="json")
        assert mailoutbox == []


class TestKinds:
    @pytest.mark.parametrize("kind", sorted(notices.KINDS))
    def test_every_kind_renders_both_parts(self, user, committed, mailoutbox, kind):
        with committed():
            notices.send_notice(
                user=user, kind=kind, client=None, name="Laptop", new_address="x@example.org", remaining=9, failures=3
            )
        (notice,) = mailoutbox
        assert notice.subject.startswith(notices.KINDS[kind].subject)
        assert "{" not in notice.body
        assert notice.alternatives[0][0].startswith("<!DOCTYPE html>")
        assert_no_sign_in_material(notice)


@pytest.fixture
def refused_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestFailures:
    def test_an_smtp_failure_is_logged_and_the_answer_is_unchanged(
        self, user, committed, settings, refused_port, caplog
    ):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", refused_port, 2
        with caplog.at_level(logging.ERROR, logger="jwtsite.mail"), committed():
            response = BrowserClient().post(reverse("emails:password-reset"), {"email": user.email}, format="json")
        assert response.status_code == HTTPStatus.ACCEPTED
        (record,) = [r for r in caplog.records if r.name == "jwtsite.mail"]
        assert record.levelno == logging.ERROR
        assert "password reset" in record.getMessage()
        assert record.exc_info[0] is ConnectionRefusedError


@pytest.mark.django_db(transaction=True)
def test_mail_goes_out_after_the_answer_from_the_worker(settings):
    """On the default (database) backend the request only promises the mail; the worker sends it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    user = UserFactory()
    response = BrowserClient().post(reverse("emails:password-reset"), {"email": user.email}, format="json")
    assert response.status_code == HTTPStatus.ACCEPTED
    assert django_mail.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    (message,) = django_mail.outbox
    assert message.to == [user.email]


@pytest.mark.parametrize(("remaining", "words"), [(9, "9 are left"), (1, "1 is left"), (0, "none is left")])
def test_the_recovery_code_notice_says_what_is_left_with_the_plural_right(mailoutbox, committed, remaining, words):

    user = UserFactory()
    with committed():
        notices.send_notice(user=user, kind="recovery_code_used", client=None, remaining=remaining)
    (message,) = mailoutbox
    assert f"A recovery code was used to sign in; {words}." in message.body
