"""``POST /api/auth/login/mfa/``: the second step of a sign-in with two-factor on."""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit as accounts_audit
from accounts import failed_sign_ins
from accounts.client import ClientInfo, client_info
from accounts.serializers import LoginOutputSerializer
from accounts.views.base import SETS_COOKIES, AnonymousCookieAuthAPIView, TokenIssuingMixin
from accounts.views.sign_in import SignInMixin
from jwtsite.openapi import CSRF_HEADER, errors
from mfa import api_errors, audit, failures, tickets
from mfa.exceptions import CodeInvalid, TicketInvalid
from mfa.models import LoginTicket
from mfa.throttles import CodeIPThrottle, code_attempt_wait
from mfa.totp.serializers import SecondFactorInputSerializer


class LoginSecondFactorView(SignInMixin, TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Takes ``code`` (TOTP or a recovery code) and the ``mfa_ticket`` cookie; finishes the sign-in as ``/login/`` does.

    The held attempt resumes at the sign-in stage after the second factor's,
    so every later stage still runs. Codes are throttled per client IP and
    per user (the ticket's).
    """

    throttle_classes = [CodeIPThrottle]
    throttled_event = accounts_audit.LOGIN_THROTTLED

    @extend_schema(
        tags=["two-factor"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=SecondFactorInputSerializer,
        responses={
            200: OpenApiResponse(LoginOutputSerializer, description=SETS_COOKIES + " Clears `mfa_ticket`."),
            **errors(400, 401, 403, 415, 429, 501),
        },
    )
    def post(self, request: Request) -> Response:
        data = SecondFactorInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data["code"]
        return self.redeem(request, lambda ticket, client: {"code": code})

    def redeem(self, request: Request, answer: Callable[[LoginTicket, ClientInfo], dict]) -> Response:
        """Checks the ticket, the throttles and the ceiling, then spends the ticket with ``answer(ticket, client)``.

        ``answer`` gives ``login_ticket_redeem``'s ``code`` or ``prove``; it
        runs once the request may try (not throttled, under the ceiling).
        """
        ticket = tickets.login_ticket_get(secret=request.COOKIES.get(tickets.COOKIE_NAME))
        if ticket is None:
            return self.failed(TicketInvalid(), user_id=None)
        wait = code_attempt_wait(request, user_id=ticket.user_id, per_ip=False)  # the IP counted above
        if wait is not None:
            self.throttled(request, wait)
        client = client_info(request)
        # Wrong codes count toward the username's failed-sign-in ceiling, which holds here too.
        reservation, wait = failed_sign_ins.sign_in_reserve(username=ticket.user.get_username(), client=client)
        if wait is not None:
            self.throttled(request, wait)
        try:
            response = tickets.login_ticket_redeem(
                ticket=ticket, client=client, resume=self.resumed, **answer(ticket, client)
            )
        except CodeInvalid as exc:
            failures.second_factor_failed(user=ticket.user, client=client, reservation=reservation, reason=exc.code)
            return self.answer_failure(exc)
        except TicketInvalid as exc:
            return self.failed(exc, user_id=ticket.user_id)
        finally:
            failed_sign_ins.sign_in_settled(reservation)
        if tickets.COOKIE_NAME not in response.cookies:  # a later stage may hold the attempt again
            tickets.clear_ticket_cookie(response)
        return response

    def resumed(self, resumed: tickets.Resumed) -> Response:
        """The code was right: the sign-in goes on after the stage that asked (in the ticket's transaction)."""
        if resumed.proof.recovery_codes_left is not None:
            self.audit(
                audit.RECOVERY_CODE_USED, user_id=resumed.attempt.user.pk, remaining=resumed.proof.recovery_codes_left
            )
        return self.sign_in(resumed.attempt, after=resumed.resume_after)

    def failed(self, exc: TicketInvalid, *, user_id: int | None) -> Response:
        """401 for a dead ticket, audited."""
        self.audit(audit.SECOND_FACTOR_FAILED, user_id=user_id, reason=exc.code)
        return self.answer_failure(exc)

    def answer_failure(self, exc: CodeInvalid | TicketInvalid) -> Response:
        """401 for a wrong code or a dead ticket; the cookie goes with the ticket."""
        response = api_errors.unauthorized(exc.message, exc.code)
        if isinstance(exc, TicketInvalid) or exc.attempts_left == 0:
            tickets.clear_ticket_cookie(response)
        return response
