"""Bench-only settings: the real settings plus the bench URLconf (a ceiling view, stock simplejwt).

Nothing here changes how the product behaves; ``bench/run.py`` sets the
environment (debug off, plain-http cookies, a throwaway database).
"""

from pathlib import Path

from jwtsite.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Django's test client (query counts, login timing) talks to "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405
# An empty static root of the bench's own, so whitenoise finds the directory it expects.
STATIC_ROOT = Path(__file__).resolve().parent / ".work" / "static"
# Sign-ins from new devices send notices: the bench measures requests, not mail
# (and in_process' JSON must stay the last line of its output).
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
