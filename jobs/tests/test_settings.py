"""jobs' settings and the outbox's: defaults in jobs/conf.py and emails/conf.py, bad values as checks with ids.

The other apps' settings checks are in jwtsite/tests/test_checks.py; these
are the queue's and the outbox's, moved out of jwtsite/settings.py.
"""

import subprocess
import sys

import pytest
from django.core.checks import run_checks

from emails import conf as emails_conf
from jobs import conf as jobs_conf
from jwtsite.app_settings import CONFIGURATION
from jwtsite.tests.test_site import BASE_DIR

# setting, a bad value, the check's id, what the message must name.
BAD_VALUES = [
    ("TASKS_URL", "amqp://broker/1", "jobs.E001", "redis://"),
    ("TASKS_WORKERS", -1, "jobs.E002", "0 or more"),
    ("TASKS_NICE", "low", "jobs.E002", "0 or more"),
    # A period of 0 would divide time into no slots (jobs/schedule.py): refused.
    ("CLEANUP_EVERY", 0, "jobs.E002", "1 or more"),
    ("MAIL_RESUME_EVERY", 0, "jobs.E002", "1 or more"),
    ("MAIL_RETRY_DELAYS", "10,soon", "emails.E002", "whole numbers"),
    ("MAIL_RETRY_DELAYS", [10, -1], "emails.E002", "whole numbers"),
    ("MAIL_SEND_LEASE", 0, "emails.E003", "1 or more"),
    ("MAIL_RESUME_AFTER", -1, "emails.E003", "0 or more"),
    ("MAIL_KEEP_DAYS", "week", "emails.E003", "1 or more"),
]


@pytest.mark.parametrize(("name", "value", "check_id", "allowed"), BAD_VALUES)
def test_each_bad_value_is_its_check(settings, name, value, check_id, allowed):
    setattr(settings, name, value)
    messages = run_checks(tags=[CONFIGURATION])
    assert [message.id for message in messages] == [check_id]
    assert messages[0].msg.startswith(name)
    assert allowed in messages[0].msg
    assert name in messages[0].hint


@pytest.mark.parametrize("value", ["", "database", "redis://127.0.0.1:6379/1", "rediss://cache.example:6380/0"])
def test_every_queue_the_docs_name_passes(settings, value):
    settings.TASKS_URL = value
    assert run_checks(tags=[CONFIGURATION]) == []


def test_no_retry_at_all_is_allowed(settings):
    settings.MAIL_RETRY_DELAYS = []
    assert run_checks(tags=[CONFIGURATION]) == []


@pytest.mark.parametrize("conf", [jobs_conf, emails_conf], ids=["jobs", "emails"])
def test_an_app_works_when_the_project_omits_its_settings(settings, conf):
    for name in conf.app_settings.names():
        if hasattr(settings, name):
            delattr(settings, name)
    for name, default in conf.app_settings.defaults.items():
        assert getattr(conf, name) == default, name
    assert run_checks(tags=[CONFIGURATION]) == []


def test_the_schedule_follows_its_periods_unless_the_project_names_one(settings):
    settings.CLEANUP_EVERY = 3600
    assert jobs_conf.PERIODIC_TASKS["cleanup"] == ("jobs.tasks.cleanup_expired", 3600)
    settings.PERIODIC_TASKS = {"only": ("jobs.tasks.mail_resume", 5)}
    assert jobs_conf.PERIODIC_TASKS == {"only": ("jobs.tasks.mail_resume", 5)}


@pytest.mark.process
def test_the_variables_reach_the_apps_settings():
    """Set in the environment, each is read by its cast; jwtsite/settings.py names none of the defaults."""
    code = (
        "import django; django.setup();"
        "from jobs import conf as jobs; from emails import conf as emails; from django.conf import settings;"
        "print(jobs.TASKS_WORKERS, jobs.TASKS_NICE, jobs.PERIODIC_TASKS['mail_resume'][1], emails.MAIL_RETRY_DELAYS,"
        " emails.MAIL_KEEP_DEAD_DAYS, settings.TASKS['default']['BACKEND'], settings.RQ_QUEUES['default']['URL'])"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "jwtsite.settings",
        "DJANGO_SECRET_KEY": "k" * 64,
        "PATH": "/usr/bin:/bin",
        "TASKS_URL": "redis://127.0.0.1:1/3",
        "TASKS_WORKERS": "0",
        "TASKS_NICE": "5",
        "MAIL_RESUME_EVERY": "7",
        "MAIL_RETRY_DELAYS": "1, 2,3",
        "MAIL_KEEP_DEAD_DAYS": "9",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "0",
        "5",
        "7",
        "[1,",
        "2,",
        "3]",
        "9",
        "django_tasks_rq.RQBackend",
        "redis://127.0.0.1:1/3",
    ]
