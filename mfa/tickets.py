"""Sign-in tickets: the state of a sign-in between a right password and its second factor.

``POST /api/auth/login/`` for a user with two-factor on starts one and hands
its secret to the browser in the httpOnly ``mfa_ticket`` cookie (5 minutes,
Path ``/api/auth/``); ``POST /api/auth/login/mfa/`` finishes it with a code.
The ticket is single-use and dies after ``MAX_FAILURES`` wrong codes. Only
the secret's SHA-256 is stored, so a database read cannot finish a sign-in.
"""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from accounts import cookies, services
from accounts.client import ClientInfo
from accounts.models import User
from accounts.tokens import IssuedTokens
from mfa.exceptions import CodeInvalid, TicketInvalid
from mfa.models import LoginTicket
from mfa.second_factor import SecondFactorProof, second_factor_use

TICKET_LIFETIME = timedelta(minutes=5)
MAX_FAILURES = 5
COOKIE_NAME = "mfa_ticket"
COOKIE_PATH = "/api/auth/"
SECRET_MAX_LENGTH = 128


@dataclass(frozen=True)
class SignedIn:
    user: User
    tokens: IssuedTokens
    proof: SecondFactorProof


def login_ticket_create(*, user: User, remember: bool, methods: Sequence[str]) -> str:
    """Starts a ticket for ``user``, who proved ``methods`` so far; its secret, for the cookie."""
    now = timezone.now()
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Tickets nobody finished: their rows go as new ones come (indexed, usually none).
        LoginTicket.objects.filter(expires_at__lte=now).delete()
        LoginTicket.objects.create(
            id=_digest(secret),
            user=user,
            remember=remember,
            methods=" ".join(methods),
            created_at=now,
            expires_at=now + TICKET_LIFETIME,
        )
    return secret


def login_ticket_get(*, secret: str | None) -> LoginTicket | None:
    """The live ticket ``secret`` names, if any."""
    if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX_LENGTH:
        return None
    return LoginTicket.objects.select_related("user").filter(pk=_digest(secret), expires_at__gt=timezone.now()).first()


def login_ticket_redeem(*, ticket: LoginTicket, code: str, client: ClientInfo) -> SignedIn:
    """Finishes the sign-in of ``ticket`` with ``code``: the ticket is spent and a session starts.

    A wrong code counts against the ticket (committed, then ``CodeInvalid``);
    the ``MAX_FAILURES``-th kills it. ``TicketInvalid`` when it is dead
    already (used, expired, killed, or its user deactivated meanwhile).
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
        proof = second_factor_use(user=locked.user, code=code, client=client)
        if proof is None:
            locked.failures += 1
            if locked.failures >= MAX_FAILURES:
                locked.delete()
            else:
                locked.save(update_fields=["failures"])
        else:
            locked.delete()
            tokens = services.session_create(
                user=locked.user,
                client=client,
                remember=locked.remember,
                amr=(*locked.methods.split(), proof.method),
            )
    if proof is None:
        raise CodeInvalid(attempts_left=max(0, MAX_FAILURES - locked.failures))
    return SignedIn(user=locked.user, tokens=tokens, proof=proof)


def set_ticket_cookie(response: HttpResponse, secret: str) -> None:
    cookies.set_private_cookie(
        response, COOKIE_NAME, secret, max_age=int(TICKET_LIFETIME.total_seconds()), path=COOKIE_PATH
    )


def clear_ticket_cookie(response: HttpResponse) -> None:
    cookies.expire_cookie(response, COOKIE_NAME, path=COOKIE_PATH)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
