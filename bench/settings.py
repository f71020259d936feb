"""Bench-only settings: the real settings plus the bench URLconf (a ceiling view, stock simplejwt).

Nothing here changes how the product behaves; ``bench/run.py`` sets the
environment (debug off, plain-http cookies, a throwaway database).
"""

from datetime import timedelta
from pathlib import Path

from accounts.conf import AccountsSettings, derived_signing_key
from jwtsite.settings import *  # noqa: F403

# Stock simplejwt (the views the bench compares ours with) signs with SIMPLE_JWT, where
# the product names no key: accounts/tokens/keys.py signs its tokens. The peer gets
# the same key, lifetimes and leeway as ours (accounts/conf.py, or the environment).
_ours = {**AccountsSettings.defaults, **{k: v for k, v in globals().items() if k in AccountsSettings.defaults}}
SIMPLE_JWT = {
    **SIMPLE_JWT,  # noqa: F405
    "SIGNING_KEY": globals().get("JWT_SIGNING_KEY") or derived_signing_key(SECRET_KEY),  # noqa: F405
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=_ours["ACCESS_TOKEN_LIFETIME"]),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=_ours["REFRESH_TOKEN_LIFETIME"]),
    "LEEWAY": _ours["JWT_LEEWAY"],
}

ROOT_URLCONF = "bench.urls"
# Django's test client (query counts, login timing) talks to "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405
# An empty static root of the bench's own, so whitenoise finds the directory it expects.
STATIC_ROOT = Path(__file__).resolve().parent / ".work" / "static"
# Sign-ins from new devices send notices: the bench measures requests, not mail
# (and in_process' JSON must stay the last line of its output).
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
