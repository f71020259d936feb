"""The one place a sign-in attempt ends over HTTP: a session and its tokens, an ask, or a refusal.

Every view that signs in (the password login, ``/api/token/``, a passkey,
the second step of two-factor) proves a first factor or an answer, builds a
``SignInAttempt`` and hands it to ``SignInMixin.sign_in``, which runs the
stages (accounts/sign_in.py) and answers:

- every stage passed: the session starts (the only place a sign-in starts
  one), ``login_succeeded`` is audited, and the client gets its cookies (or,
  from ``/api/token/``, its pair in the body);
- a stage asked: the stage's app holds the attempt and the client gets the
  ask's answer with the cookie that names it (``mfa_required`` and the
  ``mfa_ticket`` cookie); a Bearer client, which cannot come back with an
  answer, gets the same answer without a cookie;
- a stage refused: ``{"detail", "code", ...}`` with its status.

An ask or a refusal is audited ``sign_in_refused`` with the code as ``reason``;
a refusal that is a rate limit (``Refuse.retry_after``) answers 429 with
``Retry-After`` and is audited ``throttled`` first, as the throttles do.
"""

import math

from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts import audit, cookies, services
from accounts.serializers import LoginOutputSerializer, TokenPairOutputSerializer
from accounts.sign_in import Ask, Refuse, SignInAttempt, Stopped, run_stages
from accounts.tokens import IssuedTokens
from accounts.views.base import WWW_AUTHENTICATE, expiries


class SignInMixin:
    """For an ``AuthAPIView`` that signs in: ``sign_in(attempt)`` is its answer."""

    def sign_in(self, attempt: SignInAttempt, *, after: str | None = None) -> Response:
        """Runs ``attempt`` through the stages (those after the stage ``after`` when it resumes); the answer."""
        result = run_stages(attempt, after=after)
        if isinstance(result, Stopped):
            return self.sign_in_stopped(attempt, result)
        return self.signed_in(result)

    def signed_in(self, attempt: SignInAttempt) -> Response:
        """Every stage passed: the session starts, with what ``attempt`` proved."""
        tokens = services.session_create(
            user=attempt.user,
            client=attempt.client,
            remember=attempt.remember,
            amr=attempt.amr,
            bound_to=attempt.bound_to,
        )
        how = {"bearer": True} if attempt.bearer else {"remember": attempt.remember}
        self.audit(
            audit.LOGIN_SUCCEEDED, user_id=tokens.user_id, session_id=tokens.session_id, **how, **attempt.details
        )
        if attempt.bearer:
            return Response(token_pair(tokens))
        response = Response(LoginOutputSerializer({"user": attempt.user, **expiries(tokens)}).data)
        cookies.set_auth_cookies(response, tokens, signed_in=True)
        return response

    def sign_in_stopped(self, attempt: SignInAttempt, stopped: Stopped) -> Response:
        """A stage asked or refused: held when it can be resumed, audited, answered."""
        outcome = stopped.outcome
        held = None
        if isinstance(outcome, Ask) and outcome.hold is not None and not attempt.bearer:
            held = outcome.hold(attempt, resume_after=stopped.stage)
        if isinstance(outcome, Refuse) and outcome.retry_after is not None:
            self.audit(
                audit.THROTTLED,
                user_id=attempt.user.pk,
                path=self.request.path,
                retry_after=outcome.retry_after,
            )
        self.audit(audit.SIGN_IN_REFUSED, user_id=attempt.user.pk, reason=outcome.code)
        response = refusal_response(outcome)
        if held is not None:
            cookies.set_private_cookie(response, held.cookie_name, held.secret, max_age=held.max_age, path=held.path)
        return response


def token_pair(tokens: IssuedTokens) -> dict:
    """A Bearer client's pair; ``token_type: DPoP`` when they are bound to a DPoP key (RFC 9449)."""
    data = TokenPairOutputSerializer(tokens).data
    if tokens.jkt:
        data["token_type"] = "DPoP"
    return data


def refusal_response(outcome: Ask | Refuse) -> Response:
    """``{"detail", "code", ...extra}`` with the status; a 401 says how to authenticate, a 429 when to retry."""
    headers, detail = {}, outcome.detail
    if outcome.status == status.HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    if isinstance(outcome, Refuse) and outcome.retry_after is not None:
        headers["Retry-After"] = str(math.ceil(outcome.retry_after))
        detail = exceptions.Throttled(outcome.retry_after).detail
    return Response(
        {"detail": str(detail), "code": outcome.code, **outcome.extra}, status=outcome.status, headers=headers
    )
