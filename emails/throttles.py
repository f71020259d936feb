"""Throttles of the emailed-link endpoints (rates in settings, docs/account.md, "Throttles")."""

from accounts.throttles import PerFieldThrottle, PerIPThrottle, PerUserThrottle
from emails import conf


class PasswordResetEmailThrottle(PerFieldThrottle):
    """Reset requests per address asked for, however it is spelled."""

    scope = "password_reset_email"
    rate_setting = "PASSWORD_RESET_RATE_EMAIL"
    rate_settings = conf
    field = "email"


class PasswordResetIPThrottle(PerIPThrottle):
    scope = "password_reset_ip"
    rate_setting = "PASSWORD_RESET_RATE_IP"
    rate_settings = conf


class EmailLinkIPThrottle(PerIPThrottle):
    """Link tokens checked (reset confirmation, verification) per client IP."""

    scope = "email_link_ip"
    rate_setting = "EMAIL_LINK_RATE_IP"
    rate_settings = conf


class EmailSendUserThrottle(PerUserThrottle):
    """Verification mails a signed-in user asks for (resend, email change)."""

    scope = "email_send_user"
    rate_setting = "EMAIL_SEND_RATE_USER"
    rate_settings = conf


class SignInCodeEmailThrottle(PerFieldThrottle):
    """Sign-in code requests per address asked for, at the reset request's rate (a mail to a mailbox either way)."""

    scope = "sign_in_code_email"
    rate_setting = "PASSWORD_RESET_RATE_EMAIL"
    rate_settings = conf
    field = "email"


class SignInCodeIPThrottle(PerIPThrottle):
    scope = "sign_in_code_ip"
    rate_setting = "PASSWORD_RESET_RATE_IP"
    rate_settings = conf


class SignInCodeConfirmIPThrottle(PerIPThrottle):
    """Sign-in codes tried per client IP, at the rate of link tokens checked."""

    scope = "sign_in_code_confirm_ip"
    rate_setting = "EMAIL_LINK_RATE_IP"
    rate_settings = conf


PASSWORD_RESET_THROTTLES = [PasswordResetEmailThrottle, PasswordResetIPThrottle]
SIGN_IN_CODE_REQUEST_THROTTLES = [SignInCodeEmailThrottle, SignInCodeIPThrottle]
SIGN_IN_CODE_CONFIRM_THROTTLES = [SignInCodeConfirmIPThrottle]
