"""What each promised mail says: built in the worker, from the ids and values its outbox row holds.

The request that promises a mail only writes the row (emails/outbox.py); finding
the user, making the link and rendering happen here, later, so the request does
the same work whatever the mail turns out to be, or whether there is one. A
builder returns ``None`` when there is nothing to send (an unknown address, an
address verified meanwhile, the hourly word to a mailbox already given).
"""

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives

from accounts import identity, selectors
from accounts.devices import describe_user_agent
from accounts.models import User
from emails import links, mail, notices
from emails.models import Delivery
from jwtsite.wording import duration

# An address someone tries to register with gets at most one word about it this often.
SIGN_UP_ATTEMPT_MAIL_SECONDS = 3600

Builder = Callable[[dict], EmailMultiAlternatives | None]


def build(delivery: Delivery) -> EmailMultiAlternatives | None:
    """The mail ``delivery`` promised, or ``None`` when there is nothing to send."""
    return BUILDERS[delivery.kind](delivery.params)


def password_reset(params: dict) -> EmailMultiAlternatives | None:
    user = selectors.email_holder(address=User.normalize_email(params["email"]), active_only=True)
    if user is None:
        return None
    return mail.message(
        to=user.email,
        subject="Reset your password",
        template="password_reset",
        context={
            "username": user.username,
            "link": mail.site_link(f"/password-reset/confirm/?token={links.password_reset_token(user)}"),
            "valid_for": _link_lifetime(),
        },
    )


def own_verification(params: dict) -> EmailMultiAlternatives | None:
    user = User.objects.filter(pk=params["user_id"], is_active=True).first()
    if user is None or user.email_verified or not user.shown_email:
        return None
    address = user.shown_email
    if not user.email and selectors.email_holder(address=address, exclude_user_id=user.pk) is not None:
        return None  # held back at registration, and still another account's
    return _verification_mail(
        user=user, address=address, token=links.verification_token(user, address), template="email_verification"
    )


def email_change(params: dict) -> EmailMultiAlternatives | None:
    user = User.objects.filter(pk=params["user_id"], is_active=True).first()
    if user is None:
        return None
    address = params["address"]
    return _verification_mail(
        user=user, address=address, token=links.verification_token(user, address), template="email_change"
    )


def sign_up_attempt(params: dict) -> EmailMultiAlternatives | None:
    address = params["address"]
    owner = selectors.email_holder(address=address)
    mailbox = hashlib.sha256(identity.email_key(address).encode()).hexdigest()
    if owner is None or not cache.add(f"emails:sign-up-attempt:{mailbox}", 1, timeout=SIGN_UP_ATTEMPT_MAIL_SECONDS):
        return None
    return mail.message(
        to=owner.email,
        subject="Someone tried to sign up with your address",
        template="sign_up_attempt",
        context={
            "username": owner.username,
            "login_link": mail.site_link("/login/"),
            "reset_link": mail.site_link("/password-reset/"),
        },
    )


def security_notice(params: dict) -> EmailMultiAlternatives:
    notice = notices.KINDS[params["notice"]]
    details = dict(params["details"])
    if "remaining" in details:
        details["left"] = notices.left(details["remaining"])
    user_agent, ip_address = params.get("user_agent"), params.get("ip_address")
    context = {
        "username": params["username"],
        "headline": notice.headline.format(**details),
        "device": describe_user_agent(user_agent) if user_agent is not None else None,
        "ip_address": ip_address,
        "when": datetime.fromisoformat(params["when"]),
        "sessions_link": mail.site_link("/sessions/"),
        "reset_link": mail.site_link("/password-reset/"),
    }
    return mail.message(to=params["address"], subject=notice.subject, template="security_notice", context=context)


BUILDERS: dict[str, Builder] = {
    "password_reset": password_reset,
    "email_verification": own_verification,
    "email_change": email_change,
    "sign_up_attempt": sign_up_attempt,
    "security_notice": security_notice,
}


def _verification_mail(*, user: User, address: str, token: str, template: str) -> EmailMultiAlternatives:
    return mail.message(
        to=address,
        subject="Verify your email address",
        template=template,
        context={
            "username": user.username,
            "address": address,
            "link": mail.site_link(f"/verify-email/?token={token}"),
            "valid_for": _link_lifetime(),
        },
    )


def _link_lifetime() -> str:
    return duration(settings.PASSWORD_RESET_TIMEOUT)
