"""Sending mail without ever blocking or breaking the request that asks for it.

A mail is built and sent once the request's transaction commits
(``transaction.on_commit``) and its answer has gone out (Django's
``request_finished``), on a small per-process thread pool, so neither SMTP's
latency nor its failures reach the user: a failure is logged at ERROR and the
answer is unchanged. Building the mail (finding the user, making its link)
happens there too, so a request does the same work whatever the mail turns out
to be, or whether there is one: its answer's time cannot tell a known address
from an unknown one (``make bench-reset`` measures it). Mail not yet sent when a process dies is lost: a production
deployment with stricter needs puts a queue here (README, "Email").

Every mail has a plain-text and an HTML part, rendered from
``templates/email/<name>.txt`` and ``.html``; links are built from ``SITE_URL``.
"""

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections, transaction
from django.template.loader import render_to_string

from emails import conf
from jwtsite import conf as site_conf

logger = logging.getLogger("jwtsite.mail")

SITE_NAME = "jwtsite"
MAIL_THREADS = 2

Builder = Callable[[], EmailMultiAlternatives | None]


def site_link(path: str) -> str:
    """An absolute link to ``path`` on the public site (``SITE_URL``)."""
    return f"{site_conf.SITE_URL}{path}"


def message(*, to: str, subject: str, template: str, context: dict) -> EmailMultiAlternatives:
    """A mail to ``to`` with the text and HTML parts of ``templates/email/<template>``."""
    context = {"site_name": SITE_NAME, "site_url": site_conf.SITE_URL, "subject": subject, **context}
    mail = EmailMultiAlternatives(
        subject=f"{subject} · {SITE_NAME}",
        body=render_to_string(f"email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    mail.attach_alternative(render_to_string(f"email/{template}.html", context), "text/html")
    return mail


def send_later(what: str, build: Builder) -> None:
    """Builds and sends a mail once the current transaction commits, off the request's thread.

    ``build`` returns the mail, or ``None`` when there is nothing to send;
    ``what`` names it in the log should sending fail.
    """
    transaction.on_commit(lambda: _dispatch(what, build))


_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()
# Mail a request asked for, held back until its answer has been sent.
_request = threading.local()


def _dispatch(what: str, build: Builder) -> None:
    if not conf.EMAIL_SEND_IN_BACKGROUND:
        _deliver(what, build)
    elif getattr(_request, "held", None) is not None:
        _request.held.append((what, build))
    else:  # not in a request (a management command, a shell)
        _executor().submit(_deliver_in_background, what, build)


def _hold_during_request(**kwargs) -> None:
    _request.held = []


def _release_after_request(**kwargs) -> None:
    held, _request.held = getattr(_request, "held", None), None
    for what, build in held or ():
        _executor().submit(_deliver_in_background, what, build)


request_started.connect(_hold_during_request, dispatch_uid="emails.mail.hold")
request_finished.connect(_release_after_request, dispatch_uid="emails.mail.release")


def _executor() -> ThreadPoolExecutor:
    # One pool per process: gunicorn forks workers after loading the app.
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=MAIL_THREADS, thread_name_prefix="mail")
            _pool_pid = os.getpid()
        return _pool


def _deliver_in_background(what: str, build: Builder) -> None:
    close_old_connections()
    try:
        _deliver(what, build)
    finally:
        # This thread's own database connection, opened by ``build``.
        connections.close_all()


def _deliver(what: str, build: Builder) -> None:
    try:
        mail = build()
        if mail is not None:
            mail.send()
    except Exception:  # SMTP refused, timed out, a template broke: logged, never raised into a request
        logger.exception("Could not send the %s email", what)
