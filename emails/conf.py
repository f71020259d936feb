"""emails' settings and their defaults, read at call time (``from emails import conf``; jwtsite/app_settings.py).

The sender, the SMTP server and ``PASSWORD_RESET_TIMEOUT`` are Django's own
settings (jwtsite/settings.py); ``EMAIL_VERIFICATION`` is accounts' (registration
reads it too), and ``SITE_URL``, the origin of every link, is the site's (jwtsite/conf.py).
The outbox's (``MAIL_*``) are here; the queue that runs its deliveries is jobs' (jobs/conf.py).
"""

from jwtsite.app_settings import AppSettings

# Whole numbers of seconds or days, and the least each may be.
OUTBOX_NUMBERS = {"MAIL_SEND_LEASE": 1, "MAIL_RESUME_AFTER": 0, "MAIL_KEEP_DAYS": 1, "MAIL_KEEP_DEAD_DAYS": 1}
RATE_SETTINGS = ("PASSWORD_RESET_RATE_EMAIL", "PASSWORD_RESET_RATE_IP", "EMAIL_LINK_RATE_IP", "EMAIL_SEND_RATE_USER")


class EmailsSettings(AppSettings):
    defaults = {
        # Password-reset requests, per address asked for and per client IP.
        "PASSWORD_RESET_RATE_EMAIL": "5/hour",
        "PASSWORD_RESET_RATE_IP": "20/hour",
        # Link tokens from emails checked (reset confirmation, email verification), per client IP.
        "EMAIL_LINK_RATE_IP": "60/hour",
        # Verification mails a signed-in user can ask for (resend, email change).
        "EMAIL_SEND_RATE_USER": "5/hour",
        # One-time sign-in codes by email (emails/sign_in_codes.py): off unless 1; seconds a code lives.
        "EMAIL_SIGN_IN": False,
        "EMAIL_SIGN_IN_CODE_LIFETIME": 600,
        # The outbox (emails/delivery.py, docs/tasks.md). Seconds between a failed attempt and the
        # next: 9 attempts over about an hour, then the mail is dead.
        "MAIL_RETRY_DELAYS": [10, 30, 60, 120, 300, 600, 900, 1800],
        # Seconds a worker holds a mail it is sending; a worker dead for longer gives it up to another.
        "MAIL_SEND_LEASE": 120,
        # Seconds a due mail may wait for its task before deliveries_resume enqueues it again.
        "MAIL_RESUME_AFTER": 60,
        # Days the outbox keeps sent (and skipped) mail, and dead mail, before the daily cleanup deletes it.
        "MAIL_KEEP_DAYS": 7,
        "MAIL_KEEP_DEAD_DAYS": 30,
    }


app_settings = EmailsSettings()


def __getattr__(name: str):
    # PEP 562: conf.EMAIL_LINK_RATE_IP and the like, read at call time.
    return app_settings.get(name)
