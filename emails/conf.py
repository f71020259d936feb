"""emails' settings and their defaults, read at call time (``from emails import conf``; jwtsite/app_settings.py).

The sender, the SMTP server and ``PASSWORD_RESET_TIMEOUT`` are Django's own
settings (jwtsite/settings.py); ``EMAIL_VERIFICATION`` is accounts' (registration
reads it too), and ``SITE_URL``, the origin of every link, is the site's (jwtsite/conf.py).
The outbox's (``MAIL_*``) are still read in jwtsite/settings.py's TASKS section.
"""

from jwtsite.app_settings import AppSettings

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
    }


app_settings = EmailsSettings()


def __getattr__(name: str):
    # PEP 562: conf.EMAIL_LINK_RATE_IP and the like, read at call time.
    return app_settings.get(name)
