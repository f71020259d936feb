"""The audit log's rows: written after COMMIT for every event but the refreshes, kept for a while, read in the admin."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import audit, conf
from accounts.models import AuditEvent, Session, User
from accounts.tests.admin_forms import link
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

AUDIT_ADMIN = reverse("admin:accounts_auditevent_changelist")
UA = "Mozilla/5.0 (audit log test)"


def rows(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters))


class TestRows:
    def test_a_sign_in_is_a_row_with_who_which_session_and_where(self, user, committed):
        with committed():
            BrowserClient().login_as(user, HTTP_USER_AGENT=UA, REMOTE_ADDR="198.51.100.7")
        (row,) = rows(event="login_succeeded")
        session = Session.objects.get(user=user)
        assert (row.user_id, row.session_id, row.ip_address, row.user_agent) == (
            user.pk,
            session.pk,
            "198.51.100.7",
            UA,
        )
        assert row.details == {"remember": True}
        assert row.admin_id is None
        assert timezone.now() - row.at < timedelta(seconds=5)

    def test_refreshes_and_throttling_are_only_logged(self, auth_client, other_user, settings, committed, audit_lines):
        settings.LOGIN_RATE_USERNAME = "1/min"
        with committed():
            assert auth_client.post(reverse("accounts:refresh")).status_code == HTTPStatus.OK
            assert BrowserClient().post(reverse("accounts:refresh")).status_code == HTTPStatus.UNAUTHORIZED
            for _ in range(2):
                BrowserClient().post(
                    reverse("accounts:login"), {"username": other_user.username, "password": "x"}, format="json"
                )
        logged = {line["event"] for line in audit_lines()}
        assert {"refreshed", "refresh_failed", "login_throttled"} <= logged
        stored = set(AuditEvent.objects.values_list("event", flat=True))
        assert stored.isdisjoint(audit.NOT_STORED)
        assert "login_failed" in stored

    def test_an_event_whose_transaction_rolls_back_leaves_no_row(self, user):
        from django.db import transaction

        def audit_then_fail() -> None:
            with transaction.atomic():
                audit.audit(audit.LOGGED_OUT, user_id=user.pk)
                raise RuntimeError

        with pytest.raises(RuntimeError):
            audit_then_fail()
        assert not AuditEvent.objects.exists()

    def test_a_failing_write_never_fails_the_request(self, user, committed, monkeypatch, caplog):
        def broken(**kwargs):
            raise RuntimeError("the audit table is gone")

        monkeypatch.setattr(AuditEvent.objects, "create", broken)
        with committed():
            response = BrowserClient().post(
                reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
            )
        assert response.status_code == HTTPStatus.OK
        assert "the audit table is gone" in caplog.text

    def test_a_sign_in_costs_one_statement_more_a_refresh_none(
        self, browser, user, committed, django_assert_num_queries, settings
    ):
        # The request's work alone: its statements, the audit row, and the new-device notice's outbox
        # row (emails/outbox.py); the notice's delivery is the worker's, left out (a backend that only queues).
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
        with django_assert_num_queries(LOGIN_STATEMENTS + 2) as captured, committed():
            browser.login_as(user)
        assert sum("accounts_auditevent" in query["sql"] for query in captured.captured_queries) == 1
        assert sum("emails_delivery" in query["sql"] for query in captured.captured_queries) == 1
        with django_assert_num_queries(REFRESH_STATEMENTS) as captured, committed():
            assert browser.post(reverse("accounts:refresh")).status_code == HTTPStatus.OK
        assert not any("accounts_auditevent" in query["sql"] for query in captured.captured_queries)


# What a sign-in and a refresh cost without the audit row (test_login.py and
# test_refresh.py hold their budgets): the sign-in's user, device check and one
# transaction (here a savepoint and its release); the refresh's lock, token
# record, blacklist and rotation in one transaction.
LOGIN_STATEMENTS = 8
REFRESH_STATEMENTS = 6


class TestRetention:
    def test_rows_older_than_the_retention_go_in_batches(self, settings, django_assert_num_queries):
        settings.AUDIT_LOG_RETENTION_DAYS = 30
        now = timezone.now()
        AuditEvent.objects.bulk_create(
            [AuditEvent(at=now - timedelta(days=31, minutes=i), event="logged_out") for i in range(5)]
            + [AuditEvent(at=now - timedelta(days=29), event="logged_out")]
        )
        # Per batch of 2: the ids, the DELETE; then the empty look-up.
        with django_assert_num_queries(7):
            assert audit.audit_events_delete_expired(batch_size=2, now=now) == 5
        assert [row.at for row in AuditEvent.objects.all()] == [now - timedelta(days=29)]

    def test_the_retention_must_be_a_day_at_least(self, settings):
        from django.core.checks import run_checks

        from jwtsite.app_settings import CONFIGURATION

        settings.AUDIT_LOG_RETENTION_DAYS = 0
        (message,) = run_checks(tags=[CONFIGURATION])
        assert (message.id, message.msg) == (
            "accounts.E009",
            "AUDIT_LOG_RETENTION_DAYS must be a whole number 1 or more, not 0.",
        )

    def test_the_daily_clean_up_runs_it(self, settings):
        from django.core.management import call_command

        AuditEvent.objects.create(at=timezone.now() - timedelta(days=conf.AUDIT_LOG_RETENTION_DAYS + 1), event="x")
        call_command("cleanup_sessions", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert not AuditEvent.objects.exists()


class TestTheAdminsAuditLog:
    def test_answers_who_revoked_this_and_when(self, admin_client, admin_user, user, committed):
        BrowserClient().login_as(user)
        session = Session.objects.get(user=user)
        with committed():
            admin_client.post(
                reverse("admin:accounts_session_changelist"),
                {"action": "revoke_sessions", "_selected_action": [str(session.pk)]},
            )
        response = admin_client.get(AUDIT_ADMIN, {"session": str(session.pk)})
        assert response.status_code == HTTPStatus.OK
        (event,) = response.context["cl"].result_list
        assert (event.event, event.admin_id) == ("session_revoked", admin_user.pk)
        page = response.content.decode()
        assert f'admin <a href="{reverse("admin:accounts_user_change", args=[admin_user.pk])}">admin</a>' in page
        assert session.short_id in page

    def test_filters_by_event_user_and_date(self, admin_client, user, other_user, committed):
        with committed():
            BrowserClient().login_as(user)
            BrowserClient().login_as(other_user)
            BrowserClient().post(reverse("accounts:login"), {"username": user.username, "password": "x"}, format="json")
        page = admin_client.get(AUDIT_ADMIN)
        event_filter = page.context["cl"].filter_specs[0]
        offered = [choice["display"] for choice in event_filter.choices(page.context["cl"])]
        assert offered == ["All", "login failed", "login succeeded"]
        failed = admin_client.get(AUDIT_ADMIN, {"event": "login_failed"}).context["cl"].result_list
        assert [row.event for row in failed] == ["login_failed"]
        theirs = admin_client.get(AUDIT_ADMIN, {"user": str(other_user.pk)}).context["cl"].result_list
        assert {row.user_id for row in theirs} == {other_user.pk}
        today = admin_client.get(link(page, "Today"))
        assert len(today.context["cl"].result_list) == 3

    def test_searches_by_username(self, admin_client, user, other_user, committed):
        with committed():
            BrowserClient().login_as(user)
            BrowserClient().login_as(other_user)
        found = admin_client.get(AUDIT_ADMIN, {"q": other_user.username}).context["cl"].result_list
        assert {row.user_id for row in found} == {other_user.pk}

    def test_a_deleted_users_events_stay(self, admin_client, user, committed):
        with committed():
            BrowserClient().login_as(user)
        user_id = user.pk
        User.objects.filter(pk=user_id).delete()
        page = admin_client.get(AUDIT_ADMIN, {"user": str(user_id)}).content.decode()
        assert f"#{user_id} (deleted)" in page

    def test_is_read_only(self, admin_client, user, committed):
        with committed():
            BrowserClient().login_as(user)
        row = AuditEvent.objects.first()
        assert admin_client.get(reverse("admin:accounts_auditevent_add")).status_code == HTTPStatus.FORBIDDEN
        change = reverse("admin:accounts_auditevent_change", args=[row.pk])
        assert admin_client.post(change, {"event": "forged"}).status_code == HTTPStatus.FORBIDDEN
        assert admin_client.get(reverse("admin:accounts_auditevent_delete", args=[row.pk])).status_code == 403
        assert AuditEvent.objects.get(pk=row.pk).event == "login_succeeded"

    def test_event_names_cost_one_probe_each(self, django_assert_num_queries):
        from accounts import selectors

        AuditEvent.objects.bulk_create([AuditEvent(at=timezone.now(), event=f"event_{i % 3}") for i in range(30)])
        with django_assert_num_queries(1):
            assert selectors.audit_event_names() == ["event_0", "event_1", "event_2"]
