"""The outbox: a mail is a row written with the change that causes it, sent once, retried, and dead after the last try.

These tests run the real promise and delivery: rows are written, the task runs
(the test settings' immediate backend, or RQ in synchronous mode on CI's Redis
pass), mail goes to Django's outbox or to a real SMTP server on loopback.
"""

import logging
import smtplib
import socket
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import BrowserClient
from emails import delivery as deliveries
from emails import outbox
from emails.admin import DeliveryAdmin
from emails.models import Delivery

pytestmark = pytest.mark.django_db
RESET_URL = reverse("emails:password-reset")
State = Delivery.State


def request_reset(email: str, committed):
    with committed():
        response = BrowserClient().post(RESET_URL, {"email": email}, format="json")
    assert response.status_code == HTTPStatus.ACCEPTED
    return response


@pytest.fixture
def refused_port() -> int:
    """A loopback port nothing listens on: SMTP there fails at once (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_down(settings, refused_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", refused_port, 2

    def back_up() -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    return back_up


def make_due(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


class TestPromise:
    def test_a_reset_writes_a_row_and_the_worker_sends_it_once_with_its_message_id(self, user, committed, mailoutbox):
        request_reset(user.email, committed)
        delivery = Delivery.objects.get()
        assert (delivery.kind, delivery.state, delivery.attempts) == ("password_reset", State.SENT, 1)
        assert delivery.params == {"email": user.email}  # what the builder needs; never the link
        (message,) = mailoutbox
        assert message.extra_headers["Message-ID"] == delivery.message_id
        assert delivery.to == user.email
        assert delivery.subject == message.subject
        assert delivery.sent_at is not None
        assert delivery.last_error == ""

    def test_an_unknown_address_leaves_a_skipped_row_and_sends_nothing(self, committed, mailoutbox):
        request_reset("nobody@example.com", committed)
        assert Delivery.objects.get().state == State.SKIPPED
        assert mailoutbox == []

    def test_a_transaction_rolled_back_promises_nothing(self, user, mailoutbox, django_capture_on_commit_callbacks):
        from django.db import transaction

        with (  # noqa: PT012
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            outbox.promise("password_reset", email=user.email)
            raise RuntimeError("the change failed")
        assert Delivery.objects.count() == 0
        assert mailoutbox == []

    def test_a_row_already_sent_is_never_sent_again(self, user, committed, mailoutbox):
        request_reset(user.email, committed)
        delivery = Delivery.objects.get()
        make_due(delivery)
        assert deliveries.deliver.call(delivery.pk) == "not due"
        assert deliveries.deliveries_resume(overdue_after=0) == 0
        assert len(mailoutbox) == 1

    def test_a_row_held_by_a_live_worker_is_left_alone_and_taken_over_when_its_lease_ends(self, user, mailoutbox):
        delivery = Delivery.objects.create(kind="password_reset", params={"email": user.email}, attempts=1)
        Delivery.objects.filter(pk=delivery.pk).update(
            state=State.SENDING, lease_until=timezone.now() + timedelta(seconds=60)
        )
        assert deliveries.deliver.call(delivery.pk) == "not due"
        assert mailoutbox == []
        # The worker died mid-send: once its lease ends the resumer hands the row to another.
        Delivery.objects.filter(pk=delivery.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
        with django_mail_outbox_after_commit():
            assert deliveries.deliveries_resume() == 1
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == (State.SENT, 2)
        assert len(mailoutbox) == 1


class TestRetries:
    def test_an_smtp_failure_is_retried_after_the_first_delay_then_sent(self, user, committed, smtp_down, caplog):
        with caplog.at_level(logging.ERROR, logger="jwtsite.mail"):
            request_reset(user.email, committed)
        delivery = Delivery.objects.get()
        assert (delivery.state, delivery.attempts) == (State.PENDING, 1)
        assert "ConnectionRefusedError" in delivery.last_error
        assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=8)  # MAIL_RETRY_DELAYS[0] = 10
        assert deliveries.deliver.call(delivery.pk) == "not due"  # not before its time
        (record,) = [r for r in caplog.records if r.name == "jwtsite.mail"]
        assert "attempt 1 of 9" in record.getMessage()

        smtp_down()  # the mail server is back
        make_due(delivery)
        assert deliveries.deliver.call(delivery.pk) == State.SENT
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == (State.SENT, 2)
        (message,) = django_mail.outbox
        assert message.to == [user.email]

    def test_after_the_last_retry_the_mail_is_dead_logged_at_error_and_on_healthz(
        self, user, committed, smtp_down, settings, caplog, client
    ):
        settings.MAIL_RETRY_DELAYS = [1, 1]
        request_reset(user.email, committed)
        delivery = Delivery.objects.get()
        for _ in range(2):
            make_due(delivery)
            deliveries.deliver.call(delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == (State.DEAD, 3)
        dead = [r for r in caplog.records if r.name == "jwtsite.mail" and "it is dead" in r.getMessage()]
        assert [r.levelno for r in dead] == [logging.ERROR]
        body = client.get("/healthz").json()
        assert (body["status"], body["checks"]["mail"], body["mail"]) == (
            "degraded",
            "failing",
            {"dead": 1, "stalled": 0},
        )
        make_due(delivery)
        assert deliveries.deliver.call(delivery.pk) == "not due"  # nobody tries a dead mail again by itself

    def test_a_recipient_refused_for_good_is_dead_at_once(self, user):
        delivery = Delivery.objects.create(kind="password_reset", params={"email": user.email})
        Delivery.objects.filter(pk=delivery.pk).update(state=State.SENDING, attempts=1)
        delivery.refresh_from_db()
        refused = smtplib.SMTPRecipientsRefused({user.email: (550, b"no such user")})
        assert deliveries._failed(delivery, refused) == State.DEAD

    def test_the_admin_retries_dead_mail(self, user, committed, smtp_down, settings, admin_client):
        settings.MAIL_RETRY_DELAYS = []
        request_reset(user.email, committed)
        delivery = Delivery.objects.get()
        assert delivery.state == State.DEAD
        smtp_down()
        changelist = reverse("admin:emails_delivery_changelist")
        listing = admin_client.get(changelist + "?state__exact=dead")
        assert listing.status_code == HTTPStatus.OK
        assert user.email in listing.content.decode()
        with django_mail_outbox_after_commit():
            response = admin_client.post(changelist, {"action": "retry", "_selected_action": [delivery.pk]})
        assert response.status_code == HTTPStatus.FOUND
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == (State.SENT, 1)
        assert [m.to for m in django_mail.outbox] == [[user.email]]

    def test_the_admin_shows_no_params(self):
        assert "params" in DeliveryAdmin.exclude


def test_mail_due_for_5_minutes_and_unsent_says_no_worker_is_running(client):
    Delivery.objects.create(kind="password_reset", next_attempt_at=timezone.now() - timedelta(minutes=6))
    Delivery.objects.create(kind="password_reset", next_attempt_at=timezone.now() - timedelta(minutes=1))
    body = client.get("/healthz").json()
    assert (body["status"], body["checks"]["mail"], body["mail"]) == ("degraded", "failing", {"dead": 0, "stalled": 1})


class TestResume:
    def test_a_task_lost_between_commit_and_enqueue_is_resumed_from_the_row(self, user, mailoutbox):
        # What a web worker killed right after its commit leaves behind: the row, no task.
        delivery = Delivery.objects.create(kind="password_reset", params={"email": user.email})
        assert deliveries.deliveries_resume() == 0  # not overdue yet: its task may be on its way
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=2))
        with django_mail_outbox_after_commit():
            assert deliveries.deliveries_resume() == 1
        assert Delivery.objects.get().state == State.SENT
        assert len(mailoutbox) == 1


class TestCleanup:
    def test_old_finished_rows_go_and_recent_or_unsent_ones_stay(self, settings):
        now = timezone.now()
        rows = {
            name: Delivery.objects.create(kind="password_reset", state=state, finished_at=now - timedelta(days=days))
            for name, state, days in [
                ("old sent", State.SENT, 8),
                ("recent sent", State.SENT, 6),
                ("old skipped", State.SKIPPED, 8),
                ("old dead", State.DEAD, 31),
                ("recent dead", State.DEAD, 8),
                ("pending", State.PENDING, 100),
            ]
        }
        assert deliveries.deliveries_delete_finished(batch_size=1) == 3
        assert set(Delivery.objects.values_list("pk", flat=True)) == {
            rows[name].pk for name in ("recent sent", "recent dead", "pending")
        }


@pytest.mark.django_db(transaction=True)
def test_the_database_backend_commits_the_task_with_the_promise_and_its_worker_sends_it(settings):
    """The default backend end to end: the reset's task row commits with the outbox row; db_worker sends it."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    user = UserFactory()
    response = BrowserClient().post(RESET_URL, {"email": user.email}, format="json")
    assert response.status_code == HTTPStatus.ACCEPTED
    (task_row,) = DBTaskResult.objects.all()
    assert task_row.task_path == "emails.delivery.deliver"
    assert Delivery.objects.get().state == State.PENDING
    assert django_mail.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Delivery.objects.get().state == State.SENT
    (message,) = django_mail.outbox
    assert message.to == [user.email]


def django_mail_outbox_after_commit():
    """Runs what the block leaves for after COMMIT (an enqueue on a non-database backend)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
