"""``request.user`` from the access cookie: the admin sees whoever the API would see."""

from functools import partial

from asgiref.sync import sync_to_async
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from rest_framework.exceptions import APIException
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts import conf
from accounts.authentication import JWTCookieAuthentication
from accounts.models import User
from accounts.revocation import runtime as revocations
from accounts.tokens import CONFIRMATION_CLAIM, SESSION_CLAIM, VERSION_CLAIM
from jwtsite.middleware import is_api_path

CACHE_ATTRIBUTE = "_access_cookie_authentication"


class AccessCookieAuthenticationMiddleware(AuthenticationMiddleware):
    """Sets ``request.user`` (lazily) to the user of the access cookie, or ``AnonymousUser``.

    Takes the place of Django's session-based ``AuthenticationMiddleware``
    (a subclass, so that the admin's system check admits it): nobody signs in
    through a Django session here. The cookie goes through the API's own
    verification and revocation check (``JWTCookieAuthentication``), so
    logging out everywhere, revoking the session or resetting the password
    ends an admin's session as it ends any other, on every server within the
    revocation bound. Only the cookie counts, never an ``Authorization``
    header: the admin is a browser's. DRF views authenticate on their own and
    replace ``request.user``; nothing is read unless someone asks.
    """

    def process_request(self, request: HttpRequest) -> None:
        if is_api_path(request.path):
            # DRF authenticates API requests itself: nothing to prepare for them.
            request.user = AnonymousUser()
            return
        request.user = SimpleLazyObject(lambda: cookie_user(request))
        request.auser = partial(sync_to_async(cookie_user), request)


def cookie_user(request: HttpRequest) -> User | AnonymousUser:
    authenticated = authenticate_access_cookie(request)
    return authenticated[0] if authenticated else AnonymousUser()


def authenticate_access_cookie(request: HttpRequest) -> tuple[User, Token] | None:
    """The access cookie's user and validated token, or ``None``; once per request.

    The user row is read from the database every time (the admin's
    permissions must be exact): active, and the token's version current.
    """
    if not hasattr(request, CACHE_ATTRIBUTE):
        setattr(request, CACHE_ATTRIBUTE, _authenticate(request.COOKIES.get(conf.access_cookie_name())))
    return getattr(request, CACHE_ATTRIBUTE)


def _authenticate(raw_token: str | None) -> tuple[User, Token] | None:
    if not raw_token:
        return None
    try:
        token = JWTCookieAuthentication().get_validated_token(raw_token)
        user_id, version = token[api_settings.USER_ID_CLAIM], token[VERSION_CLAIM]
        revocations.check(token[SESSION_CLAIM], user_id, version)
        if CONFIRMATION_CLAIM in token.payload:
            return None  # a DPoP-bound token is good only with a proof of its key, never as a cookie
    except (APIException, TokenError, KeyError):
        # Expired, revoked, forged or unreadable: signed out, as the API would answer 401.
        return None
    user = User.objects.filter(pk=user_id, is_active=True, token_version=version).first()
    return None if user is None else (user, token)
