"""The providers API under /api/auth/providers/ and /api/auth/identities/.

``GET providers/``: the configured providers. ``GET providers/<id>/login/``
sends the browser to the provider; the provider sends it back to
``providers/<id>/callback/``, which starts a sign-in attempt (method
``provider``, ``amr`` = ``ext`` plus what the provider asserts) and ends
through ``SignInMixin`` like every sign-in, then answers as a navigation
(providers/navigation.py). The trips a signed-in page starts (linking an
identity, confirming it is you) are providers/trip_views.py; ``identities/``
lists and unlinks the linked identities.
"""

from django.http import HttpResponseRedirect
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit as accounts_audit
from accounts import cookies
from accounts.client import client_info
from accounts.permissions import RecentlyAuthenticated
from accounts.sign_in import SignInAttempt, SignInMethod
from accounts.tokens import EXTERNAL
from accounts.views.base import AnonymousCookieAuthAPIView, AuthAPIView, CookieAuthAPIView, TokenIssuingMixin
from accounts.views.sign_in import SignInMixin
from jwtsite.openapi import CSRF_HEADER, errors
from providers import audit, conf, navigation, oidc, reauthentication, services, trips
from providers.exceptions import ProviderRefusal, UnknownProvider
from providers.serializers import IdentityOutputSerializer, ProviderOutputSerializer
from providers.throttles import ProviderTripIPThrottle
from providers.trips import FinishedLogin

COOKIE_NAME = "oidc_login"
COOKIE_PATH = "/api/auth/providers/"
THROTTLED = "throttled"
REDIRECTS = "302: a redirect (a browser navigation)."


def login_url(provider: conf.Provider) -> str:
    return f"/api/auth/providers/{provider.id}/login/"


def configured(provider_id: str) -> conf.Provider:
    provider = conf.provider(provider_id)
    if provider is None:
        raise UnknownProvider()
    return provider


def provider_names() -> dict[str, str]:
    return {each.id: each.name for each in conf.providers()}


class ProviderListView(AuthAPIView):
    """The configured external OpenID Connect providers."""

    authentication_classes = []
    permission_classes = [AllowAny]
    needs_user_rows = False

    @extend_schema(tags=["providers"], auth=[], responses={200: ProviderOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = [{"id": each.id, "name": each.name, "login_url": login_url(each)} for each in conf.providers()]
        return Response(ProviderOutputSerializer(rows, many=True).data)


class ProviderLoginView(TokenIssuingMixin, AnonymousCookieAuthAPIView):
    """Sends the browser to the provider (PKCE, state, nonce), with ``next`` kept for the way back."""

    @extend_schema(
        tags=["providers"],
        auth=[],
        parameters=[OpenApiParameter("next", str, description="A path on this site to land on once signed in.")],
        responses={302: OpenApiResponse(description=REDIRECTS + " Sets the httpOnly `oidc_login` cookie (10 min).")},
    )
    def get(self, request: Request, provider_id: str) -> HttpResponseRedirect:
        next_path = navigation.safe_next(request.query_params.get("next"), host=request.get_host())
        if not self.trip_allowed(request):
            return self.refused(THROTTLED, provider_id=provider_id, next_path=next_path)
        provider = conf.provider(provider_id)
        if provider is None:
            return navigation.refused(UnknownProvider.code, next_path=next_path)
        try:
            url, secret = trips.login_start(provider=provider, next_path=next_path)
        except oidc.OidcError as exc:
            return self.refused(exc.code, provider_id=provider_id, next_path=next_path, why=str(exc))
        return trip_response(HttpResponseRedirect(url), secret)

    def trip_allowed(self, request: Request) -> bool:
        """Within ``LOGIN_RATE_IP`` trips per client IP (checked here: a refusal is a page, not a JSON 429)."""
        return ProviderTripIPThrottle().allow_request(request, self)

    def refused(
        self, code: str, *, provider_id: str, next_path: str = "", why: str = "", user_id=None, signed_in=False
    ):
        self.audit(audit.PROVIDER_SIGN_IN_FAILED, user_id=user_id, provider=provider_id, reason=code, why=why[:300])
        return navigation.refused(code, next_path=next_path, signed_in=signed_in)


def trip_response(response, secret: str):
    lifetime = int(trips.PENDING_LIFETIME.total_seconds())
    cookies.set_private_cookie(response, COOKIE_NAME, secret, max_age=lifetime, path=COOKIE_PATH)
    return response


class ProviderCallbackView(SignInMixin, ProviderLoginView):
    """The provider's answer: checked, then a sign-in attempt (or a link), answered as a navigation."""

    @extend_schema(
        tags=["providers"],
        auth=[],
        parameters=[OpenApiParameter("code", str), OpenApiParameter("state", str), OpenApiParameter("error", str)],
        responses={302: OpenApiResponse(description=REDIRECTS + " To `next` signed in, or to /login/ with a reason.")},
    )
    def get(self, request: Request, provider_id: str) -> HttpResponseRedirect:
        response = self.answered(request, provider_id)
        cookies.expire_cookie(response, COOKIE_NAME, path=COOKIE_PATH)
        return response

    def answered(self, request: Request, provider_id: str) -> HttpResponseRedirect:
        params = request.query_params
        if not self.trip_allowed(request):
            return self.refused(THROTTLED, provider_id=provider_id)
        provider = conf.provider(provider_id)
        if provider is None:
            return navigation.refused(UnknownProvider.code)
        if params.get("error"):  # the user said no at the provider, or it refused the request
            self.audit(
                audit.PROVIDER_SIGN_IN_FAILED,
                provider=provider_id,
                reason="provider_denied",
                why=str(params.get("error"))[:100],
            )
            # Back to /account/ when a signed-in user began the trip (linking, confirming): not to a sign-in form.
            began_signed_in = trips.begun_signed_in(
                provider=provider, secret=request.COOKIES.get(COOKIE_NAME), state=params.get("state", "")
            )
            return navigation.refused("provider_denied", signed_in=began_signed_in)
        try:
            finished = trips.login_finish(
                provider=provider,
                secret=request.COOKIES.get(COOKIE_NAME),
                state=params.get("state", ""),
                code=params.get("code", ""),
            )
        except (ProviderRefusal, oidc.OidcError) as exc:
            return self.refused(exc.code, provider_id=provider_id, why=str(exc))
        if finished.session_id:
            return self.reauthenticated(request, finished)
        client = client_info(request)
        linking = finished.linking_user
        try:
            if linking is not None:
                services.identity_link(user=linking, proven=finished.identity, client=client)
                return navigation.to(navigation.ACCOUNT_PAGE, provider_linked=provider.id)
            user = services.identity_user(proven=finished.identity, client=client)
        except ProviderRefusal as exc:
            return self.refused(
                exc.code,
                provider_id=provider_id,
                next_path=finished.next_path,
                user_id=linking and linking.pk,
                signed_in=linking is not None,
            )
        attempt = SignInAttempt.start(
            user=user,
            method=SignInMethod.PROVIDER,
            client=client,
            details={"method": "provider", "provider": provider.id},
        ).proved(EXTERNAL, *finished.identity.amr)
        return as_navigation(self.sign_in(attempt), next_path=finished.next_path)

    def reauthenticated(self, request: Request, finished: FinishedLogin) -> HttpResponseRedirect:
        """A re-authentication's way back: to ``next`` with the session's new cookies, or to /account/ with why not."""
        try:
            tokens = reauthentication.reauthentication_finish(
                finished=finished,
                browser_session_id=reauthentication.browser_session(request.COOKIES),
                client=client_info(request),
            )
        except ProviderRefusal as exc:
            self.audit(
                accounts_audit.REAUTHENTICATION_FAILED,
                user_id=finished.user.pk,
                session_id=finished.session_id,
                method="provider",
                provider=finished.identity.provider.id,
                reason=exc.code,
            )
            return navigation.refused(exc.code, signed_in=True)
        response = navigation.confirmed(finished.next_path)
        cookies.set_auth_cookies(response, tokens)
        return response


def as_navigation(answer: Response, *, next_path: str) -> HttpResponseRedirect:
    """``SignInMixin``'s JSON answer as a redirect carrying its cookies."""
    if answer.status_code == status.HTTP_200_OK:
        response = navigation.to(next_path or navigation.HOME)
    elif answer.data.get("code") == "mfa_required":
        # The methods go along so the page offers only what the account has ("Use a passkey" only with a passkey).
        methods = ",".join(str(method) for method in answer.data.get("methods", []))
        response = navigation.to(navigation.LOGIN_PAGE, second_factor="1", methods=methods, next=next_path)
    else:
        response = navigation.refused(str(answer.data.get("code", "provider_error")), next_path=next_path)
    response.cookies = answer.cookies
    # A device-binding offer (dbsc/) rides on the sign-in's answer; the redirect carries it on.
    if "Secure-Session-Registration" in answer:
        response["Secure-Session-Registration"] = answer["Secure-Session-Registration"]
    return response


class IdentityListView(CookieAuthAPIView):
    """The signed-in user's linked identities."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["providers"], responses={200: IdentityOutputSerializer(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        names = provider_names()
        rows = services.identities_of(user=request.user)
        for row in rows:
            row.provider_name = names.get(row.provider_id, row.provider_id)
        return Response(IdentityOutputSerializer(rows, many=True).data)


class IdentityDetailView(CookieAuthAPIView):
    """Unlinks one identity (recent auth); refused (409 ``last_sign_in_method``) when it is the last way in."""

    permission_classes = [IsAuthenticated, RecentlyAuthenticated]

    @extend_schema(tags=["providers"], parameters=[CSRF_HEADER], responses={204: None, **errors(401, 403, 404, 409)})
    def delete(self, request: Request, identity_id: int) -> Response:
        try:
            services.identity_unlink(
                user=request.user, identity_id=identity_id, provider_names=provider_names(), client=client_info(request)
            )
        except ProviderRefusal as exc:
            return Response({"detail": str(exc.message), "code": exc.code}, status=exc.status)
        return Response(status=status.HTTP_204_NO_CONTENT)
