"""The one clock of the tests: the process's own, moved by time-machine instead of slept on.

Every time rule reads the wall clock (``time.time()``, ``datetime.now()``):
the failure windows and throttles (accounts/rates.py, accounts/failed_sign_ins.py), the
verified-token cache, simplejwt's and PyJWT's expiry checks, Django's signed
links and their ``max_age``, the re-authentication window, tickets, TOTP steps,
the caches' own expiry. time-machine moves all of them at once, in C, so a
test that needs a minute to pass moves the clock a minute and no rule has a
seam of its own. The clock keeps ticking after a move (``tick=True``): code
that waits on it (a retry deadline, a socket timeout) never stalls.
"""

from datetime import datetime

import time_machine
from django.utils import timezone


class Clock:
    """``now``; ``advance(seconds)``; ``set(when)``. Starts at the real time."""

    def __init__(self, machine: time_machine.TimeMachineFixture, start: datetime | float | None = None) -> None:
        self._machine = machine
        self._machine.move_to(timezone.now() if start is None else start, tick=True)

    @property
    def now(self) -> datetime:
        return timezone.now()

    def set(self, when: datetime | float, *, tick: bool = True) -> None:
        """Moves the clock to ``when``; ``tick=False`` holds it there (for exact waits, as ``Retry-After``)."""
        self._machine.move_to(when, tick=tick)

    def advance(self, seconds: float) -> None:
        self._machine.shift(seconds)
