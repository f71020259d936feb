"""Building a mail: its text and HTML parts, and links to the site.

Every mail has a plain-text and an HTML part, rendered from
``templates/email/<name>.txt`` and ``.html``; links are built from ``SITE_URL``.
Mail is never sent from a request: it is promised (emails/outbox.py), built
(emails/compose.py) and sent (emails/delivery.py) by a worker (docs/tasks.md).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from jwtsite import conf as site_conf

SITE_NAME = "jwtsite"


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
