"""Signing in as stages: an attempt passes through the stages other apps register; accounts never imports them.

A sign-in *attempt* (``SignInAttempt``) is who is signing in and how: the
first factor proven (a password, a passkey; later an emailed code or an
external provider), ``remember``, the answers the client sent with it, and
the methods proven so far (the session's ``amr``). Once the first factor is
proven, the attempt goes through ``SIGN_IN_STAGES`` (accounts/conf.py: the
dotted paths of ``stage(attempt) -> Outcome`` callables), in order. Each
stage answers one of:

- ``PASS`` or ``Passed(proved=...)``: go on (with methods just proven);
- ``Ask``: something must be collected first (the second factor). The
  attempt is held (``Ask.hold``: the stage's app keeps it, e.g. the mfa
  ticket) and resumes *at the stage after this one* when the answer comes;
- ``Refuse``: a domain refusal (``code``, ``detail``, ``status``) that ends
  the attempt.

Nothing here is HTTP: accounts/views/sign_in.py is the one place that turns
an ask or a refusal into an answer and an audit line, and that starts the
session once every stage has passed.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from http import HTTPStatus
from typing import Protocol

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts import conf
from accounts.binding import KeyProof
from accounts.client import ClientInfo
from accounts.models import User
from accounts.tokens import EMAIL_CODE, PASSKEY, PASSWORD


class SignInMethod(StrEnum):
    """How the attempt proved who it is first (its first factor)."""

    PASSWORD = "password"
    PASSKEY = "passkey"
    CODE = "code"  # a one-time code sent by email (EMAIL_SIGN_IN)
    PROVIDER = "provider"  # an external OpenID Connect provider


# The amr value each first factor starts the session's methods with.
FIRST_FACTOR_AMR = {SignInMethod.PASSWORD: PASSWORD, SignInMethod.PASSKEY: PASSKEY, SignInMethod.CODE: EMAIL_CODE}
# Answers a client may send with its sign-in, by name: a second-factor code (``/api/token/``'s ``otp``).
OTP_ANSWER = "otp"
# Refusal codes of accounts' own: over a rate; a held attempt whose stage is no longer listed.
RATE_LIMITED = "throttled"
STAGES_CHANGED = "sign_in_expired"
STAGES_CHANGED_DETAIL = _("This sign-in can no longer be finished; start again.")


@dataclass(frozen=True)
class SignInAttempt:
    """A sign-in on its way through the stages; a value, each stage that proves something gives a new one.

    ``bearer``: the client wants its tokens in the body (``/api/token/``): it
    sends every answer with the request, so there is nothing to hold and
    resume. ``answers``: what the client sent for the stages to use (``otp``).
    ``details``: extra facts for the ``login_succeeded`` audit line.
    ``bound_to``: a key proof the request carried (a DPoP header on
    ``/api/token/``): the session starts bound to that key.
    """

    user: User
    method: SignInMethod
    client: ClientInfo
    remember: bool = True
    bearer: bool = False
    answers: Mapping[str, str] = field(default_factory=dict)
    amr: tuple[str, ...] = ()
    details: Mapping[str, object] = field(default_factory=dict)
    bound_to: KeyProof | None = None

    @classmethod
    def start(cls, *, user: User, method: SignInMethod, client: ClientInfo, **kwargs) -> "SignInAttempt":
        """An attempt whose first factor, ``method``, is proven."""
        amr = (FIRST_FACTOR_AMR[method],) if method in FIRST_FACTOR_AMR else ()
        return cls(user=user, method=method, client=client, amr=amr, **kwargs)

    def proved(self, *methods: str) -> "SignInAttempt":
        """This attempt with ``methods`` proven too (each once, in order)."""
        return replace(self, amr=(*self.amr, *(method for method in methods if method not in self.amr)))


@dataclass(frozen=True)
class Passed:
    """Go on; ``proved``: methods this stage has just proven (they join the session's ``amr``)."""

    proved: tuple[str, ...] = ()


PASS = Passed()


@dataclass(frozen=True)
class Refuse:
    """A domain refusal: the attempt ends. ``extra`` joins the answer's body."""

    code: str
    detail: str  # or a lazy translation
    status: int = HTTPStatus.FORBIDDEN
    extra: Mapping[str, object] = field(default_factory=dict)
    retry_after: float | None = None  # a rate limit: the seconds until the client may try again

    @classmethod
    def rate_limited(cls, wait: float) -> "Refuse":
        """Over a rate: answered 429 with ``Retry-After``, as the throttles answer (their wording too)."""
        return cls(RATE_LIMITED, "", HTTPStatus.TOO_MANY_REQUESTS, retry_after=wait)


class Hold(Protocol):
    def __call__(self, attempt: SignInAttempt, *, resume_after: str) -> "HeldAttempt": ...


@dataclass(frozen=True)
class HeldAttempt:
    """Where a held attempt waits: the httpOnly cookie whose secret names it."""

    cookie_name: str
    secret: str
    max_age: int
    path: str


@dataclass(frozen=True)
class Ask:
    """Something to collect before going on: answered as ``code``/``detail``/``status`` (plus ``extra``).

    ``hold`` keeps the attempt until the answer comes (a cookie client); a
    Bearer client, or a stage without ``hold``, must send the answer with the
    request, so for it the ask ends the attempt like a refusal.
    """

    code: str
    detail: str
    status: int = HTTPStatus.UNAUTHORIZED
    extra: Mapping[str, object] = field(default_factory=dict)
    hold: Hold | None = None


Outcome = Passed | Ask | Refuse
Stage = Callable[[SignInAttempt], Outcome | None]


@dataclass(frozen=True)
class Stopped:
    """The stage at ``stage`` (its dotted path) asked or refused."""

    stage: str
    outcome: Ask | Refuse


def run_stages(attempt: SignInAttempt, *, after: str | None = None) -> SignInAttempt | Stopped:
    """Runs the stages (those after ``after``, a stage's dotted path, when resuming); the attempt that passed them all.

    Resuming after a stage that is no longer listed runs none: a held
    attempt never skips a stage it has not been through, so it is refused.
    """
    paths = conf.sign_in_stages()
    if after is not None:
        if after not in paths:
            return Stopped(after, Refuse(STAGES_CHANGED, STAGES_CHANGED_DETAIL, HTTPStatus.UNAUTHORIZED))
        paths = paths[paths.index(after) + 1 :]
    for path in paths:
        outcome = _stage(path)(attempt) or PASS
        if isinstance(outcome, Passed):
            attempt = attempt.proved(*outcome.proved)
        else:
            return Stopped(path, outcome)
    return attempt


@cache
def _stage(path: str) -> Stage:
    return import_string(path)
