"""``POST /api/auth/login/mfa/``: the second step of a sign-in with two-factor on."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit as accounts_audit
from accounts import limits
from accounts.api import SETS_COOKIES, AnonymousCookieAuthAPIView, TokenIssuingMixin, expiries
from accounts.client import client_info
from accounts.cookies import set_auth_cookies
from accounts.serializers import LoginOutputSerializer
from jwtsite.openapi import CSRF_HEADER, errors
from mfa import api, audit, failures, tickets
from mfa.exceptions import CodeInvalid, TicketInvalid
from mfa.throttles import CodeIPThrottle, code_attempt_wait
from mfa.totp.serializers import SecondFactorInputSerializer


class LoginSecondFactorView(TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Takes ``code`` (TOTP or a recovery code) and the ``mfa_ticket`` cookie; finishes the sign-in as ``/login/`` does.

    Codes are throttled per client IP and per user (the ticket's).
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
        ticket = tickets.login_ticket_get(secret=request.COOKIES.get(tickets.COOKIE_NAME))
        if ticket is None:
            return self.failed(TicketInvalid(), user_id=None)
        wait = code_attempt_wait(request, user_id=ticket.user_id, per_ip=False)  # the IP counted above
        if wait is not None:
            self.throttled(request, wait)
        client = client_info(request)
        # Wrong codes count toward the username's failed-sign-in ceiling, which holds here too.
        reservation, wait = limits.sign_in_reserve(username=ticket.user.get_username(), client=client)
        if wait is not None:
            self.throttled(request, wait)
        try:
            signed_in = tickets.login_ticket_redeem(ticket=ticket, code=data.validated_data["code"], client=client)
        except CodeInvalid as exc:
            failures.second_factor_failed(user=ticket.user, client=client, reservation=reservation, reason=exc.code)
            return self.answer_failure(exc)
        except TicketInvalid as exc:
            return self.failed(exc, user_id=ticket.user_id)
        finally:
            limits.sign_in_settled(reservation)
        if signed_in.proof.recovery_codes_left is not None:
            self.audit(audit.RECOVERY_CODE_USED, user_id=ticket.user_id, remaining=signed_in.proof.recovery_codes_left)
        self.logged_in(signed_in.tokens, remember=ticket.remember, method=signed_in.proof.method)
        response = Response(LoginOutputSerializer({"user": signed_in.user, **expiries(signed_in.tokens)}).data)
        set_auth_cookies(response, signed_in.tokens)
        tickets.clear_ticket_cookie(response)
        return response

    def failed(self, exc: TicketInvalid, *, user_id: int | None) -> Response:
        """401 for a dead ticket, audited."""
        self.audit(audit.SECOND_FACTOR_FAILED, user_id=user_id, reason=exc.code)
        return self.answer_failure(exc)

    def answer_failure(self, exc: CodeInvalid | TicketInvalid) -> Response:
        """401 for a wrong code or a dead ticket; the cookie goes with the ticket."""
        response = api.unauthorized(exc.message, exc.code)
        if isinstance(exc, TicketInvalid) or exc.attempts_left == 0:
            tickets.clear_ticket_cookie(response)
        return response
