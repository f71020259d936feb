"""Re-authenticating through a linked provider: how an account with no password and no passkey confirms it is them.

A sensitive action refused for an old sign-in (403 ``reauthentication_required``)
names ``provider`` among its ``methods`` when the user has a linked identity.
``reauthentication_start`` begins a trip (providers/trips.py) for the user's
session that asks the provider to make them sign in again (``prompt=login``,
``max_age=0``); back at the callback, ``reauthentication_finish``
re-authenticates that session through accounts' own service (the one
``POST /api/auth/reauthenticate/`` uses), ``amr`` = ``ext`` plus what the
provider asserts, once each rule holds — each closes a way to a fresh
``auth_time`` without proving anything:

1. the browser still holds the session the trip was started from, live: not
   signed out, signed in as someone else, or revoked meanwhile;
2. the identity the provider proved is linked to that session's user: whoever
   holds the session but signs in at the provider as another person gains nothing;
3. the ID token's ``auth_time``, when it has one, is not older than the trip
   (less ``JWT_LEEWAY``): a provider that did not ask again proves nothing new.
"""

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError

from accounts import audit, services
from accounts import conf as accounts_conf
from accounts.client import ClientInfo
from accounts.exceptions import SessionError
from accounts.models import User
from accounts.tokens import EXTERNAL, IssuedTokens, decode_access, decode_refresh
from providers import trips
from providers.conf import Provider
from providers.exceptions import IdentityMismatch, ProviderNotLinked, SessionChanged, SignInNotFresh
from providers.models import ExternalIdentity
from providers.trips import FinishedLogin


def reauthentication_start(*, provider: Provider, user: User, session_id: str, next_path: str) -> tuple[str, str]:
    """A trip to ``provider`` that re-authenticates ``session_id``: the URL and the cookie's secret, as ``login_start``.

    ``ProviderNotLinked`` when ``user`` has no identity linked at ``provider``;
    an ``oidc.OidcError`` when the provider cannot be reached.
    """
    if not ExternalIdentity.objects.filter(user=user, provider_id=provider.id).exists():
        raise ProviderNotLinked()
    return trips.login_start(provider=provider, next_path=next_path, user=user, session_id=session_id)


def reauthentication_finish(
    *, finished: FinishedLogin, browser_session_id: str | None, client: ClientInfo
) -> IssuedTokens:
    """Re-authenticates the trip's session by the rules in the module docstring: its new tokens, audited.

    ``browser_session_id``: the session the browser's cookies hold now
    (``browser_session``). Refusals change nothing: ``SessionChanged``,
    ``IdentityMismatch``, ``SignInNotFresh``.
    """
    user, proven = finished.user, finished.identity
    if not finished.session_id or browser_session_id != finished.session_id:
        raise SessionChanged()
    linked = ExternalIdentity.objects.filter(provider_id=proven.provider.id, subject=proven.subject, user=user)
    if not linked.exists():
        raise IdentityMismatch()
    if not _fresh(finished.auth_time, started_at=finished.started_at):
        raise SignInNotFresh()
    methods = (EXTERNAL, *proven.amr)
    with transaction.atomic():
        try:
            tokens = services.user_reauthenticate(user=user, session_id=finished.session_id, methods=methods)
        except SessionError as exc:  # revoked since the trip began
            raise SessionChanged() from exc
        linked.update(last_used_at=timezone.now())
    audit.audit(
        audit.REAUTHENTICATED,
        client=client,
        user_id=user.pk,
        session_id=tokens.session_id,
        method=" ".join(methods),
        provider=proven.provider.id,
    )
    return tokens


def browser_session(cookies: dict[str, str]) -> str | None:
    """The id of the session the browser's auth cookies hold: the access token's, else (expired) the refresh token's.

    The callback is a navigation back from the provider, which may come after
    the access token's few minutes; the refresh cookie (Path ``/api/auth/``)
    is sent to it too. Whether the session is still live is the re-issue's
    check (``SessionRevoked``).
    """
    for name, decode in (
        (accounts_conf.access_cookie_name(), decode_access),
        (accounts_conf.refresh_cookie_name(), decode_refresh),
    ):
        raw = cookies.get(name)
        if not raw:
            continue
        try:
            return decode(raw).sid
        except TokenError:
            continue
    return None


def _fresh(auth_time, *, started_at) -> bool:
    """Whether the provider's ``auth_time`` (absent: nothing to hold against it) is not before ``started_at``."""
    if auth_time is None:
        return True
    if isinstance(auth_time, bool) or not isinstance(auth_time, int | float):
        return False  # RFC 7519 NumericDate, else not an answer
    return auth_time >= started_at.timestamp() - accounts_conf.JWT_LEEWAY
