"""A passkey as the second factor after a password: ``POST /api/auth/login/mfa/passkey/options/`` and ``.../passkey/``.

For an account with two-factor on, the held sign-in (the ``mfa_ticket``
cookie) may be answered with an assertion from one of the ticket's user's
passkeys instead of a code. The options name only that user's passkeys and
their challenge is bound to that user; the assertion is checked (and the
challenge spent) before the ticket is, then the ticket is redeemed as a code
would redeem it: the same throttles, failed-sign-in ceiling and failure count,
and the sign-in resumes at the stage after the second factor's. ``amr`` is
``["pwd", "webauthn"]``: both were shown.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.client import ClientInfo
from accounts.models import User
from accounts.serializers import LoginOutputSerializer
from accounts.tokens import PASSKEY
from accounts.views.base import SETS_COOKIES
from jwtsite.openapi import CSRF_HEADER, errors
from mfa import api_errors, audit, tickets
from mfa.exceptions import ClonedAuthenticator, CodeInvalid, CredentialRejected, MfaError, TicketInvalid, UnknownPasskey
from mfa.models import LoginTicket
from mfa.passkeys import challenges, services
from mfa.passkeys.serializers import CredentialOptionsOutputSerializer, PublicKeyCredentialInputSerializer
from mfa.passkeys.views import OPTIONS_SET_COOKIE, ceremony_response
from mfa.reauthentication import audit_clone
from mfa.second_factor import SecondFactorProof
from mfa.throttles import PasskeyLoginOptionsIPThrottle
from mfa.views import LoginSecondFactorView

PASSKEY_NOT_ACCEPTED = CredentialRejected.message


class SecondFactorPasskeyOptionsView(LoginSecondFactorView):
    """Request options for one of the held sign-in's user's passkeys (the ``mfa_ticket`` cookie names it).

    Asking for options proves nothing, so it is throttled as passkey sign-in's options are, not as a
    code: a passkey answer then counts once against the code throttles, as a code does.
    """

    throttle_classes = [PasskeyLoginOptionsIPThrottle]

    @extend_schema(
        tags=["two-factor"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=None,
        responses={
            200: OpenApiResponse(CredentialOptionsOutputSerializer, description=OPTIONS_SET_COOKIE),
            **errors(401, 403, 429),
        },
    )
    def post(self, request: Request) -> Response:
        ticket = tickets.login_ticket_get(secret=request.COOKIES.get(tickets.COOKIE_NAME))
        if ticket is None:
            return self.failed(TicketInvalid(), user_id=None)
        if not ticket.user.passkey_count:
            return api_errors.unauthorized(UnknownPasskey.message, UnknownPasskey.code)
        ceremony = services.passkey_authentication_begin(purpose=challenges.Purpose.SECOND_FACTOR, user=ticket.user)
        return ceremony_response(ceremony)


class SecondFactorPasskeyView(LoginSecondFactorView):
    """Takes the assertion and the ``mfa_ticket`` cookie; finishes the sign-in as a right code would."""

    @extend_schema(
        tags=["two-factor"],
        auth=[],
        parameters=[CSRF_HEADER],
        request=PublicKeyCredentialInputSerializer,
        responses={
            200: OpenApiResponse(
                LoginOutputSerializer, description=SETS_COOKIES + " Clears `mfa_ticket`; `amr` is `pwd webauthn`."
            ),
            **errors(400, 401, 403, 415, 429, 501),
        },
    )
    def post(self, request: Request) -> Response:
        data = PublicKeyCredentialInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        secret = request.COOKIES.get(challenges.COOKIE_NAME)
        response = self.redeem(request, lambda ticket, client: self.answer(ticket, client, secret, data.validated_data))
        challenges.clear_challenge_cookie(response)
        return response

    def answer(self, ticket: LoginTicket, client: ClientInfo, secret: str | None, credential: dict) -> dict:
        """Checks the assertion (spending its challenge); ``prove`` for the ticket: right only for its user."""
        try:
            passkey = services.passkey_authenticate(
                secret=secret, purpose=challenges.Purpose.SECOND_FACTOR, credential=credential, user=ticket.user
            )
        except CredentialRejected as exc:  # a wrong answer: counted against the ticket, as a wrong code is
            if isinstance(exc, ClonedAuthenticator):
                audit_clone(self.request, exc)
            self.audit(audit.PASSKEY_REJECTED, user_id=ticket.user_id, reason=exc.code, second_factor=True)
            passkey = None
        except MfaError as exc:  # a stale or foreign ceremony: the client's mistake, the ticket untouched
            self.audit(audit.PASSKEY_REJECTED, user_id=ticket.user_id, reason=exc.code, second_factor=True)
            raise api_errors.api_error(exc) from exc

        def prove(user: User) -> SecondFactorProof | None:
            return SecondFactorProof(PASSKEY) if passkey is not None and passkey.user_id == user.pk else None

        return {"prove": prove}

    def answer_failure(self, exc: CodeInvalid | TicketInvalid) -> Response:
        if isinstance(exc, CodeInvalid):
            exc = CodeInvalid(PASSKEY_NOT_ACCEPTED, attempts_left=exc.attempts_left)
            exc.code = CredentialRejected.code
        return super().answer_failure(exc)
