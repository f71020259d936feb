"""The failed-sign-in ceiling: failed sign-ins per username, summed over every client IP.

``LOGIN_FAILURES_USERNAME`` (``LOGIN_FAILURES_USERNAME``, default
``20/hour``), summed over every client IP and both login endpoints. The
per-username throttle (``LOGIN_RATE_USERNAME``, 5/min) bounds the pace of
attempts; this ceiling bounds their total, so credential stuffing spread over
many addresses gets 20 guesses an hour per account instead of 300. Once it is
reached, sign-in to that username answers 429 with ``Retry-After`` (the end of
the hour window) from every address, except those the account has signed in
from before (a session row still in the database): an attacker can lock a
victim out of new devices for the rest of the window, never out of the places
they already use, and sessions already signed in keep refreshing. Counters live
in the shared cache (per process during a cache outage). The throttle that
applies it to the login endpoints is accounts/throttles.py's
``LoginFailureCeilingThrottle``.
"""

import contextlib
import hashlib
import time
import unicodedata
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q

from accounts import audit, conf, identity, rates
from accounts.client import ClientInfo
from accounts.models import Session, User


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
    """``LOGIN_FAILURES_USERNAME`` as (failures, window in seconds), parsed as every rate is (``rates.Rate.parse``)."""
    rate = rates.Rate.parse(conf.LOGIN_FAILURES_USERNAME)
    return rate.count, rate.period


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
