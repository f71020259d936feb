"""Test-only settings for e2e/test_mail_faults.py: a web worker that dies right after a reset request commits.

``DJANGO_SETTINGS_MODULE=e2e.kill_after_commit``: the real settings plus a
middleware that runs the password-reset request in one transaction and SIGKILLs
its own process in the first callback after the COMMIT, before anything else
registered for after it (on a Redis queue: the enqueue of the mail's task) and
before the answer is sent. Never used outside that test.
"""

import os
import signal

from jwtsite.settings import *  # noqa: F403

MIDDLEWARE = [*MIDDLEWARE, "e2e.kill_after_commit.KillAfterResetCommit"]  # noqa: F405
RESET_PATH = "/api/auth/password/reset/"


class KillAfterResetCommit:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path != RESET_PATH or request.method != "POST":
            return self.get_response(request)
        from django.db import transaction

        with transaction.atomic():
            transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
            return self.get_response(request)
