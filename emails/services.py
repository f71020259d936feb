"""Password reset, email verification and email change: the flows that go through a link in a mail.

Session rules stay in accounts: a reset calls ``accounts.services.user_password_reset``,
which revokes every session and issued token in the same transaction.
"""

from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import identity, selectors
from accounts import services as accounts_services
from accounts.client import ClientInfo
from accounts.exceptions import EMAIL_TAKEN
from accounts.models import User
from emails import links, notices, outbox

LINK_INVALID = _("This link is not valid, or it has been used already. Ask for a new one.")
LINK_EXPIRED = _("This link has expired. Ask for a new one.")
SAME_ADDRESS = _("That is already your email address.")
ALREADY_VERIFIED = _("This address is already verified: there is nothing left to do.")
# A refused sign-in (unverified address) sends a new link at most this often per user.
REFUSAL_RESEND_SECONDS = 600


def password_reset_request(*, email: str) -> None:
    """Mails a reset link to the active account with this address, if there is one.

    The request itself does the same whatever the address (it writes the
    promise): finding the account, making the link and sending happen in the
    worker (emails/compose.py).
    """
    outbox.promise("password_reset", email=email)


def password_reset_check(*, token: str) -> None:
    """Whether a reset link still works, changing nothing: raises ``ValidationError`` (``token``) when it does not.

    The page checks its link as it opens, so a dead one says so before anyone types a password.
    """
    if links.user_of_reset_token(token) is None:
        raise ValidationError({"token": [LINK_INVALID]})


def password_reset_confirm(*, token: str, new_password: str, client: ClientInfo) -> User:
    """Sets the password of the token's user and signs them out everywhere; the link dies with it.

    Raises ``ValidationError`` (``token`` or ``new_password``) and changes
    nothing when the link is not valid or the password too weak. Also marks
    the address verified: following the link proved the user holds it.
    """
    user = links.user_of_reset_token(token)
    if user is None:
        raise ValidationError({"token": [LINK_INVALID]})
    _validate_password(new_password, user)
    with transaction.atomic():
        # Checked again on the locked row: of two confirmations at once, one wins.
        user = links.user_of_reset_token(token, users=User.objects.select_for_update())
        if user is None:
            raise ValidationError({"token": [LINK_INVALID]})
        accounts_services.user_password_reset(user=user, new_password=new_password, client=client)
        if not user.email_verified:
            User.objects.filter(pk=user.pk).update(email_verified=True)
    return user


def registration_mail(*, user: User) -> None:
    """After a registration with an address: its verification link, or, when another account holds that
    mailbox, a word to its owner that someone tried to sign up with it (at most hourly per address).

    Decided and built in the worker, like the reset mail, so the answer's time does not tell the two apart.
    """
    if user.email:
        email_verification_send(user=user)
    elif user.unconfirmed_email:
        outbox.promise("sign_up_attempt", address=user.unconfirmed_email)


def email_verification_send(*, user: User) -> bool:
    """Mails a link that verifies the user's address; ``False`` when there is none to verify.

    An address held back at registration (``unconfirmed_email``) answers the
    same and gets its link only once no other account holds it: the mail is
    decided after the answer.
    """
    if not user.shown_email or user.email_verified:
        return False
    outbox.promise("email_verification", user_id=user.pk)
    return True


def email_verification_send_on_refusal(*, user: User) -> bool:
    """``email_verification_send`` for a sign-in refused for want of it, at most every few minutes."""
    if not cache.add(f"emails:refusal-resend:{user.pk}", 1, timeout=REFUSAL_RESEND_SECONDS):
        return False
    return email_verification_send(user=user)


def email_change_request(*, user: User, new_email: str, client: ClientInfo) -> None:
    """Mails a verification link to ``new_email``, which replaces the address once followed; tells the old one."""
    address = User.normalize_email(new_email)
    if identity.email_key(address) == identity.email_key(user.shown_email):
        raise ValidationError({"email": [SAME_ADDRESS]})
    if selectors.email_holder(address=address, exclude_user_id=user.pk) is not None:
        raise ValidationError({"email": [EMAIL_TAKEN]})
    outbox.promise("email_change", user_id=user.pk, address=address)
    notices.send_notice(user=user, kind="email_change_requested", client=client, new_address=address)


def email_verify(*, token: str) -> tuple[User, str]:
    """Follows a verification link: the address it names becomes the user's, verified.

    Returns the user and what happened: ``"verified"``, ``"changed"`` (the
    address replaced another) or ``"already"`` (the link was followed before
    and the address is still the user's, verified: a second click, a mail
    scanner; nothing changes). Raises ``ValidationError`` (``token``) for a
    link that is not valid, expired, or whose address another account took
    meanwhile.
    """
    with transaction.atomic():
        try:
            verification = links.verification_of(token, users=User.objects.select_for_update())
        except links.LinkExpired as exc:
            if user := links.already_verified_by(token):
                return user, "already"
            raise ValidationError({"token": [LINK_EXPIRED]}) from exc
        if verification is None:
            if user := links.already_verified_by(token):
                return user, "already"
            raise ValidationError({"token": [LINK_INVALID]})
        user, address = verification.user, verification.address
        if selectors.email_holder(address=address, exclude_user_id=user.pk) is not None:
            raise ValidationError({"token": [EMAIL_TAKEN]})
        changed = identity.email_key(address) != identity.email_key(user.shown_email)
        user.email, user.email_verified, user.unconfirmed_email = address, True, ""
        user.save(update_fields=["email", "email_verified", "unconfirmed_email"])
    return user, "changed" if changed else "verified"


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from exc
