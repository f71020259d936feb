"""Sign-in tickets: a sign-in attempt held between a right password and its second factor.

When the second-factor stage asks (mfa/stages.py), the attempt is kept here
(who, how, ``remember``, the methods proven so far, and the stage it resumes
after) and its secret goes to the browser in the httpOnly ``mfa_ticket``
cookie (5 minutes, Path ``/api/auth/``); ``POST /api/auth/login/mfa/``
answers it with a code (``POST /api/auth/login/mfa/passkey/``: with a
passkey), and the attempt goes on through the stages after the one that
asked. The ticket is single-use and dies after ``MAX_FAILURES`` wrong
answers. Only the secret's SHA-256 is stored, so a database read cannot
finish a sign-in. Starting the session is accounts' (accounts/views/sign_in.py).
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from accounts import cookies
from accounts.client import ClientInfo
from accounts.models import User
from accounts.sign_in import HeldAttempt, SignInAttempt, SignInMethod
from mfa.exceptions import CodeInvalid, TicketInvalid
from mfa.models import LoginTicket
from mfa.second_factor import SecondFactorProof, second_factor_use

TICKET_LIFETIME = timedelta(minutes=5)
MAX_FAILURES = 5
COOKIE_NAME = "mfa_ticket"
COOKIE_PATH = "/api/auth/"
SECRET_MAX_LENGTH = 128


T = TypeVar("T")


@dataclass(frozen=True)
class Resumed:
    """A held attempt answered: the attempt with the second factor proven, and the stage it resumes after."""

    attempt: SignInAttempt
    resume_after: str
    proof: SecondFactorProof


def login_ticket_hold(attempt: SignInAttempt, *, resume_after: str) -> HeldAttempt:
    """Holds ``attempt`` (a cookie client's) in a new ticket; where the client finds it again."""
    now = timezone.now()
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Tickets nobody finished: their rows go as new ones come (indexed, usually none).
        LoginTicket.objects.filter(expires_at__lte=now).delete()
        LoginTicket.objects.create(
            id=_digest(secret),
            user=attempt.user,
            method=attempt.method,
            remember=attempt.remember,
            methods=" ".join(attempt.amr),
            resume_after=resume_after,
            created_at=now,
            expires_at=now + TICKET_LIFETIME,
        )
    return HeldAttempt(COOKIE_NAME, secret, max_age=int(TICKET_LIFETIME.total_seconds()), path=COOKIE_PATH)


def login_ticket_get(*, secret: str | None) -> LoginTicket | None:
    """The live ticket ``secret`` names, if any."""
    if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX_LENGTH:
        return None
    return LoginTicket.objects.select_related("user").filter(pk=_digest(secret), expires_at__gt=timezone.now()).first()


def login_ticket_redeem(
    *,
    ticket: LoginTicket,
    client: ClientInfo,
    resume: Callable[[Resumed], T],
    code: str = "",
    prove: Callable[[User], SecondFactorProof | None] | None = None,
) -> T:
    """Answers ``ticket`` with ``code`` (or ``prove``): the ticket is spent and ``resume`` goes on, in one transaction.

    ``prove(user)``: the second factor proven another way (a passkey checked
    already, mfa/passkeys/second_factor.py), or ``None`` when it was not.

    So two requests racing with one ticket resume it once: the second waits
    for the row lock and finds no ticket. A wrong code counts against the
    ticket (committed, then ``CodeInvalid``); the ``MAX_FAILURES``-th kills it.
    ``TicketInvalid`` when it is dead already (used, expired, killed, or its
    user deactivated meanwhile).
    """
    now = timezone.now()
    with transaction.atomic():
        locked = (
            LoginTicket.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=ticket.pk, expires_at__gt=now)
            .first()
        )
        if locked is None or not locked.user.is_active:
            raise TicketInvalid()
        if prove is not None:
            proof = prove(locked.user)
        else:
            proof = second_factor_use(user=locked.user, code=code, client=client)
        if proof is None:
            locked.failures += 1
            if locked.failures >= MAX_FAILURES:
                locked.delete()
            else:
                locked.save(update_fields=["failures"])
        else:
            locked.delete()
            result = resume(
                Resumed(attempt=_attempt(locked, client, proof), resume_after=locked.resume_after, proof=proof)
            )
    if proof is None:
        raise CodeInvalid(attempts_left=max(0, MAX_FAILURES - locked.failures))
    return result


def _attempt(ticket: LoginTicket, client: ClientInfo, proof: SecondFactorProof) -> SignInAttempt:
    """The attempt ``ticket`` held, now from ``client`` (the device that answered), with ``proof`` added."""
    held = SignInAttempt(
        user=ticket.user,
        method=SignInMethod(ticket.method),
        client=client,
        remember=ticket.remember,
        amr=tuple(ticket.methods.split()),
        details={"method": proof.method},
    )
    return held.proved(proof.method)


def clear_ticket_cookie(response: HttpResponse) -> None:
    cookies.expire_cookie(response, COOKIE_NAME, path=COOKIE_PATH)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
