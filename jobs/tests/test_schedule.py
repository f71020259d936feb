"""Periodic work: each task once per period for the whole site, however many workers ask; cleanup deletes in batches."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import AuditEvent
from emails.models import Delivery, SignInCode
from jobs import conf, schedule, tasks
from mfa.models import WebAuthnChallenge

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class TestSchedule:
    def test_each_periodic_task_is_enqueued_once_per_slot_whoever_asks(self, settings):
        settings.TASKS = DATABASE_TASKS
        settings.PERIODIC_TASKS = {
            "cleanup": ("jobs.tasks.cleanup_expired", 3600),
            "mail_resume": ("jobs.tasks.mail_resume", 30),
        }
        start = 1_000_000 * 3600.0
        assert schedule.enqueue_due(now=start) == ["cleanup", "mail_resume"]
        # A second worker (another machine, sharing the cache) in the same slots: nothing.
        assert schedule.enqueue_due(now=start + 5) == []
        assert schedule.enqueue_due(now=start + 31) == ["mail_resume"]
        assert schedule.enqueue_due(now=start + 3601) == ["cleanup", "mail_resume"]
        paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
        assert paths == ["jobs.tasks.cleanup_expired"] * 2 + ["jobs.tasks.mail_resume"] * 3

    def test_the_default_schedule_needs_no_cron(self):
        assert {name: every for name, (_path, every) in conf.PERIODIC_TASKS.items()} == {
            "cleanup": 86400,
            "mail_resume": 30,
        }


class TestCleanup:
    def test_what_expired_goes_and_the_rest_stays(self, user, settings):
        now = timezone.now()
        settings.AUDIT_LOG_RETENTION_DAYS = 30
        AuditEvent.objects.create(event="login_succeeded", user_id=user.pk, at=now - timedelta(days=31))
        fresh = AuditEvent.objects.create(event="login_succeeded", user_id=user.pk, at=now)
        WebAuthnChallenge.objects.create(
            id="a" * 64, purpose="login", challenge=b"x", expires_at=now - timedelta(seconds=1)
        )
        SignInCode.objects.create(binding="b" * 64, code_digest="c" * 64, user=user, expires_at=now)
        old_mail = Delivery.objects.create(kind="password_reset", state="sent", finished_at=now - timedelta(days=8))
        pending = Delivery.objects.create(kind="password_reset")

        deleted = tasks.cleanup_expired.call()

        assert deleted["audit_events"] == 1
        assert deleted["webauthn_challenges"] == 1
        assert deleted["mail"] == 1
        assert deleted["sign_in_codes"] == 1
        assert list(AuditEvent.objects.values_list("pk", flat=True)) == [fresh.pk]
        assert not Delivery.objects.filter(pk=old_mail.pk).exists()
        assert Delivery.objects.filter(pk=pending.pk).exists()
