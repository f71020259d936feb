"""Abuse limits beyond the per-endpoint throttles: failed sign-ins per username, live sessions per user.

**Failed sign-ins per username** (``LOGIN_FAILURES_USERNAME``, default
``20/hour``), summed over every client IP and both login endpoints. The
per-username throttle (``LOGIN_RATE_USERNAME``, 5/min) bounds the pace of
attempts; this ceiling bounds their total, so credential stuffing spread over
many addresses gets 20 guesses an hour per account instead of 300. Once it is
reached, sign-in to that username answers 429 with ``Retry-After`` (the end of
the hour window) from every address, except those the account has signed in
from before (a session row still in the database): an attacker can lock a
victim out of new devices for the rest of the window, never out of the places
they already use, and sessions already signed in keep refreshing. Counters live
in the shared cache (per process during a cache outage).

**Live sessions per user** (``MAX_SESSIONS_PER_USER``, default 100): a sign-in
that would exceed it revokes the user's oldest live sessions, like any other
revocation, so no script can grow one user's session list without limit.
"""

import contextlib
import hashlib
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q, QuerySet
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts import audit, conf, identity, rates
from accounts.client import ClientInfo, client_info
from accounts.models import Session, User

PERIODS = rates.PERIODS


def username_in(data: object) -> str | None:
    """The username a login body names, as the login serializer reads it (numbers become text), or ``None``."""
    username = data.get("username") if hasattr(data, "get") else None
    if isinstance(username, bool) or not isinstance(username, str | int | float):
        return None
    return str(username) or None


def canonical_digest(value: str) -> str:
    """One key for every spelling of ``value`` (case, compatibility forms), which is never stored as such."""
    canonical = unicodedata.normalize("NFKC", value).casefold()
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def failure_ceiling() -> tuple[int, int]:
    """``LOGIN_FAILURES_USERNAME`` as (failures, window in seconds)."""
    rate = conf.LOGIN_FAILURES_USERNAME
    try:
        count, period = rate.split("/")
        return int(count), PERIODS[period[0]]
    except (ValueError, KeyError, IndexError) as exc:
        raise ImproperlyConfigured(f"LOGIN_FAILURES_USERNAME must look like '20/hour', not {rate!r}.") from exc


def _failures_key(username: str) -> tuple[str, int, float]:
    """The current window's counter key for ``username``, the window's length and when it ends.

    Windows are aligned to the clock, so a counter needs one atomic ``incr``.
    """
    _, window = failure_ceiling()
    index = int(time.time() // window)
    return f"login_failures:{canonical_digest(username)}:{index}", window, (index + 1) * window


@dataclass
class Reservation:
    """A sign-in in flight, already counted as a failure until it proves otherwise (see ``sign_in_reserve``)."""

    username: str
    key: str
    settled: bool = False


def sign_in_reserve(*, username: str, client: ClientInfo) -> tuple[Reservation | None, float | None]:
    """Counts a sign-in about to check ``username``'s credentials as failed, unless over the ceiling.

    ``(reservation, None)`` when it may go on; ``(None, seconds to wait)``
    when the ceiling is reached and ``client`` never signed in to the account
    from its IP. Counting before the check keeps the ceiling exact when
    attempts race each other (several workers, one counter): the sign-in
    settles it with ``sign_in_failed`` (kept) or ``sign_in_settled`` (taken back).
    """
    limit, window = failure_ceiling()
    key, _, ends_at = _failures_key(username)
    if rates.increment(key, window) <= limit or _signed_in_from(username, client.ip_address):
        return Reservation(username=username, key=key), None
    _take_back(key)
    return None, max(ends_at - time.time(), 1.0)


def sign_in_wait(*, username: str, client: ClientInfo) -> float | None:
    """Seconds before ``username`` may be tried again from ``client``, or ``None``; counts nothing.

    A look only: attempts racing past it are not held back. A sign-in that
    checks credentials reserves instead (``sign_in_reserve``).
    """
    limit, _ = failure_ceiling()
    key, _, ends_at = _failures_key(username)
    if (cache.get(key) or 0) < limit or _signed_in_from(username, client.ip_address):
        return None
    return max(ends_at - time.time(), 1.0)


def sign_in_failed(*, username: str | None, client: ClientInfo, reservation: Reservation | None = None) -> None:
    """Counts a failed sign-in against ``username`` (over every IP); ``reservation`` counted it already.

    Failures of the second step (a wrong code, a refused passkey) count here
    too. Reaching the ceiling is audited once per window (``login_failure_ceiling_reached``).
    """
    if reservation is not None and not reservation.settled:
        reservation.settled = True
        username, key = reservation.username, reservation.key
        failures = cache.get(key) or 0
    elif username is not None:
        key, window, _ = _failures_key(username)
        failures = rates.increment(key, window)
    else:
        return
    limit, window = failure_ceiling()
    if failures >= limit and cache.add(f"{key}:reached", 1, window):
        audit.audit(
            audit.LOGIN_FAILURE_CEILING_REACHED,
            client=client,
            username=username[:150],
            failures=failures,
            window=window,
        )


def sign_in_settled(reservation: Reservation | None) -> None:
    """The reserved sign-in did not fail its credentials (it succeeded, or never got to them): taken back."""
    if reservation is not None and not reservation.settled:
        reservation.settled = True
        _take_back(reservation.key)


def _take_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window's counter expired meanwhile
        cache.decr(key)


def _signed_in_from(username: str, ip_address: str | None) -> bool:
    """Whether the account has a session row (live or not) started from ``ip_address``."""
    if ip_address is None:
        return False
    name = User.normalize_username(username)
    user = Q(user__username_key=identity.username_key(name)) | Q(user__username_key__isnull=True, user__username=name)
    return Session.objects.filter(user, ip_address=ip_address).exists()


class LoginFailureCeilingThrottle(BaseThrottle):
    """Refuses sign-in to a username that reached ``LOGIN_FAILURES_USERNAME`` (see the module docstring).

    An attempt it lets through is reserved (``sign_in_reserve``) on the
    request, as ``request.sign_in_reservation``, for the view to settle.
    """

    reads_body = True

    def allow_request(self, request: Request, view) -> bool:
        username = username_in(request.data)
        self._wait = None
        if username is not None:
            request.sign_in_reservation, self._wait = sign_in_reserve(username=username, client=client_info(request))
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


def live_sessions_bound(
    *,
    user: User,
    session: Session,
    client: ClientInfo,
    now: datetime,
    revoke: Callable[[QuerySet[Session], datetime], int],
) -> int:
    """Revokes ``user``'s oldest live sessions so that, with ``session``, at most ``MAX_SESSIONS_PER_USER`` live.

    ``revoke`` is the services' own revocation, so these sessions die like
    any other; each is audited (``session_revoked``, ``"by": "session_limit"``)
    once the transaction commits. One query when nothing is over the bound.
    """
    keep = conf.MAX_SESSIONS_PER_USER - 1  # besides the new one
    older = Session.objects.live().filter(user=user).exclude(pk=session.pk).order_by("-created_at", "-pk")
    excess = list(older.values_list("pk", flat=True)[keep:])
    if not excess:
        return 0
    revoked = revoke(Session.objects.filter(pk__in=excess), now)
    transaction.on_commit(lambda: _audit_evicted(user, session, client, excess))
    return revoked


def _audit_evicted(user: User, session: Session, client: ClientInfo, session_ids: list) -> None:
    for session_id in session_ids:
        audit.audit(
            audit.SESSION_REVOKED,
            client=client,
            user_id=user.pk,
            session_id=session_id,
            by="session_limit",
            for_session_id=str(session.pk),
        )
