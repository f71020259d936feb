"""The sign-in check of ``EMAIL_VERIFICATION=mandatory`` (a ``SIGN_IN_CHECKS`` entry, accounts/sign_in.py)."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from accounts.sign_in import SignInStep
from emails import services


def verified_email(*, user, request, bearer: bool, first_factor: str) -> SignInStep | None:
    """Refuses (403 ``email_unverified``) a user whose address is not verified, when verification is mandatory.

    The refusal sends a fresh link (at most every few minutes), so the way
    out is in the user's mailbox.
    """
    if settings.EMAIL_VERIFICATION != "mandatory" or user.email_verified:
        return None
    if services.email_verification_send_on_refusal(user=user) or user.email:
        detail = _("Verify your email address to sign in: we have sent you a link (check your inbox).")
    else:
        detail = _("This account has no email address to verify; ask an administrator to set one.")
    return SignInStep(
        refusal=Response({"detail": detail, "code": "email_unverified"}, status=status.HTTP_403_FORBIDDEN)
    )
