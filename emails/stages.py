"""The sign-in stage of ``EMAIL_VERIFICATION=mandatory`` (a ``SIGN_IN_STAGES`` entry, accounts/sign_in.py)."""

from django.utils.translation import gettext as _

from accounts import conf as accounts_conf
from accounts.sign_in import PASS, Outcome, Refuse, SignInAttempt
from emails import services

EMAIL_UNVERIFIED = "email_unverified"


def verified_email(attempt: SignInAttempt) -> Outcome:
    """Refuses (403 ``email_unverified``) a user whose address is not verified, when verification is mandatory.

    The refusal sends a fresh link (at most every few minutes), so the way
    out is in the user's mailbox.
    """
    user = attempt.user
    if accounts_conf.EMAIL_VERIFICATION != "mandatory" or user.email_verified:
        return PASS
    if services.email_verification_send_on_refusal(user=user) or user.email:
        detail = _("Verify your email address to sign in: we have sent you a link (check your inbox).")
    else:
        detail = _("This account has no email address to verify; ask an administrator to set one.")
    return Refuse(EMAIL_UNVERIFIED, detail)
