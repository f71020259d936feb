"""The trips a signed-in page starts by XHR, answered ``{"authorize_url"}`` for the browser to go to.

``POST providers/<id>/link/`` (recent auth) links the identity the provider
proves to the signed-in account; ``POST providers/<id>/reauthenticate/``
confirms it is the signed-in user, at a provider they linked
(providers/reauthentication.py). Both come back through the callback
(providers/views.py), which tells them apart by their ``PendingLogin`` row.
"""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import RecentlyAuthenticated
from accounts.views.base import CookieAuthAPIView, TokenIssuingMixin, current_session_id
from jwtsite.openapi import CSRF_HEADER, errors
from providers import audit, conf, navigation, oidc, reauthentication, trips
from providers.exceptions import ProviderRefusal
from providers.serializers import AuthorizeOutputSerializer, ProviderReauthenticateInputSerializer
from providers.throttles import ProviderTripIPThrottle
from providers.views import configured, trip_response


class TripStartView(TokenIssuingMixin, CookieAuthAPIView):
    """Base of the trips a signed-in page starts by XHR: 200 ``{"authorize_url"}`` and the trip's cookie, else JSON.

    Each start writes a trip row, so starts share the sign-in trips' per-IP throttle.
    """

    throttle_classes = [ProviderTripIPThrottle]

    def trip_started(self, request: Request, provider_id: str, start: Callable[[conf.Provider], tuple[str, str]]):
        """``start(provider)``'s trip as the answer; a refusal with its status, 503 when the provider is down."""
        try:
            url, secret = start(configured(provider_id))
        except ProviderRefusal as exc:
            return Response({"detail": str(exc.message), "code": exc.code}, status=exc.status)
        except oidc.OidcError as exc:
            self.audit(audit.PROVIDER_SIGN_IN_FAILED, user_id=request.user.pk, provider=provider_id, reason=exc.code)
            return Response(
                {"detail": "The provider cannot be reached; try again later.", "code": exc.code},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return trip_response(Response(AuthorizeOutputSerializer({"authorize_url": url}).data), secret)


class ProviderLinkView(TripStartView):
    """Starts a trip to link an identity at the provider to the signed-in account (recent auth needed)."""

    permission_classes = [IsAuthenticated, RecentlyAuthenticated]

    @extend_schema(
        tags=["providers"],
        parameters=[CSRF_HEADER],
        request=None,
        responses={
            200: OpenApiResponse(AuthorizeOutputSerializer, description="Sets the httpOnly `oidc_login` cookie."),
            **errors(401, 403, 404, 429, 503),
        },
    )
    def post(self, request: Request, provider_id: str) -> Response:
        return self.trip_started(
            request, provider_id, lambda provider: trips.login_start(provider=provider, user=request.user)
        )


class ProviderReauthenticateView(TripStartView):
    """Starts a trip to confirm it is the signed-in user at a provider they linked (needs no recent auth: makes one)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["providers"],
        parameters=[CSRF_HEADER],
        request=ProviderReauthenticateInputSerializer,
        responses={
            200: OpenApiResponse(AuthorizeOutputSerializer, description="Sets the httpOnly `oidc_login` cookie."),
            **errors(400, 401, 403, 404, 409, 429, 503),
        },
        description="The provider is asked to make the user sign in again (`prompt=login`, `max_age=0`); its "
        "callback re-authenticates this session (`amr` `ext`) if the identity it proves is linked to this user, "
        "and goes back to `next` with `?reauthenticated=1` (else to /account/ with `?provider_error=<code>`).",
    )
    def post(self, request: Request, provider_id: str) -> Response:
        data = ProviderReauthenticateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        next_path = navigation.safe_next(data.validated_data.get("next"), host=request.get_host())
        return self.trip_started(
            request,
            provider_id,
            lambda provider: reauthentication.reauthentication_start(
                provider=provider, user=request.user, session_id=current_session_id(request) or "", next_path=next_path
            ),
        )
