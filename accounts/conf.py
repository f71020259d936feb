"""accounts' settings and their defaults, read at call time so test overrides just work.

``conf.NAME`` (``from accounts import conf``) is the project's setting when it
sets one, else the default below (jwtsite/app_settings.py says how; allauth's
``app_settings`` is the model). jwtsite/settings.py writes a setting only when
its environment variable is set; accounts/checks.py reports bad values
(``accounts.E001``...). The other apps' settings are in their own ``conf.py``.
"""

from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils.crypto import salted_hmac

from jwtsite.app_settings import AppSettings

# The sign-in stages (accounts/sign_in.py) and re-authentication provers
# (accounts/reauthentication.py) when the project names none: those of these
# apps that are installed, in this order. Only strings: accounts imports neither app.
DEFAULT_SIGN_IN_STAGES = (
    ("emails", "emails.stages.verified_email"),
    ("mfa", "mfa.stages.second_factor"),
)
DEFAULT_REAUTHENTICATION_METHODS = (
    ("accounts", "accounts.reauthentication.password"),
    ("mfa", "mfa.reauthentication.passkey"),
    ("mfa", "mfa.reauthentication.code"),
)
# Reads the key proof of a Bearer token request (/api/token/, /api/token/refresh/) when the project
# names none: the installed binding app's (accounts/binding.py). Only a string: accounts imports no app.
DEFAULT_BEARER_KEY_PROOF = ("dpop", "dpop.token_requests.key_proof")
JWT_ALGORITHMS = ("HS256", "RS256", "ES256")
EMAIL_VERIFICATION_MODES = ("optional", "mandatory")
# Read at call time by accounts/revocation/runtime.py (HONOUR, REFUSE there).
STALE_POLICIES = ("honour", "refuse")


def pem_or_path(value: str) -> str:
    """A PEM given inline, or read from the file it names (``OSError`` when it cannot be read)."""
    value = value.strip()
    if not value or value.startswith("-----BEGIN"):
        return value
    return Path(value).read_text()


def derived_signing_key(secret_key: str) -> str:
    """JWT_SIGNING_KEY's default: never the secret key itself, a key derived for this one purpose (OWASP)."""
    return salted_hmac("jwtsite.jwt", "signing-key", secret=secret_key, algorithm="sha256").hexdigest()


class AccountsSettings(AppSettings):
    defaults = {
        # Sessions and their tokens (seconds).
        "ACCESS_TOKEN_LIFETIME": 300,
        "REFRESH_TOKEN_LIFETIME": 604800,
        "SESSION_MAX_AGE": 2592000,
        "REFRESH_REUSE_GRACE": 10,
        # Clock-skew tolerance on exp, nbf and iat; 0 makes expiry exact.
        "JWT_LEEWAY": 5,
        # When set, every token carries iss / aud and every verifying server requires them.
        "JWT_ISSUER": "",
        "JWT_AUDIENCE": "",
        # HS256 signs and verifies with JWT_SIGNING_KEY. RS256/ES256 sign with
        # JWT_PRIVATE_KEY and verify with its public key, JWT_PUBLIC_KEY, the previous
        # keys of a rotation, or the keys at JWKS_URL; a server without the private key
        # only verifies (accounts/tokens/keys.py).
        "JWT_ALGORITHM": "HS256",
        "JWKS_URL": "",
        # Verified access tokens kept per process (accounts/tokens/verified_cache.py); 0 turns the cache off.
        "JWT_VERIFIED_CACHE_SIZE": 1024,
        # Users kept per process for authenticated requests (accounts/users_cache.py: about 0.4 KB
        # each), dropped by the revocation feed when they change; 0 turns the cache off.
        "USER_CACHE_SIZE": 10_000,
        # Throttles (accounts/throttles.py), DRF's notation.
        "LOGIN_RATE_USERNAME": "5/min",
        "LOGIN_RATE_IP": "30/min",
        "REGISTER_RATE_IP": "10/hour",
        "PASSWORD_CHECK_RATE_USER": "5/min",
        "PASSWORD_CHECK_RATE_IP": "30/min",
        # Feed reads per key and client IP: 25 followers polling every 0.25 s behind one address (docs/limits.md).
        "REVOCATION_FEED_RATE": "6000/min",
        # Abuse limits (accounts/limits.py): failed sign-ins per username over every IP,
        # and live sessions per user (the oldest revoked when a new one would exceed it).
        "LOGIN_FAILURES_USERNAME": "20/hour",
        "MAX_SESSIONS_PER_USER": 100,
        # The audit log's rows (accounts/audit.py) are deleted after this many days.
        "AUDIT_LOG_RETENTION_DAYS": 90,
        # Seconds after a sign-in or re-authentication during which sensitive actions are allowed.
        "REAUTH_WINDOW": 300,
        # optional: sign-in works with an unverified address; mandatory: registration needs
        # one and sign-in waits for its verification (emails.stages.verified_email).
        "EMAIL_VERIFICATION": "optional",
        # The revocation feed (a verifying-only server on its own database follows the auth server's).
        "REVOCATION_FEED_URL": "",
        "REVOCATION_FEED_KEY": "",
        # Every process follows the revocations in a background thread (accounts/revocation/):
        # how often it reads them, how old its view may grow before it is stale, and what a
        # verifying-only server on its own database does then ("honour" tokens to expiry, or "refuse").
        "REVOCATION_FOLLOW": True,
        "REVOCATION_POLL_INTERVAL": 0.25,
        "REVOCATION_STALE_AFTER": 5.0,
        "REVOCATION_STALE_POLICY": "honour",
    }

    @property
    def JWT_COOKIE_SECURE(self) -> bool:
        # Secure unless debugging (plain-HTTP localhost), as Django's own cookies in jwtsite/settings.py.
        return self._setting("JWT_COOKIE_SECURE", not settings.DEBUG)

    @property
    def JWT_SIGNING_KEY(self) -> str:
        return self._setting("JWT_SIGNING_KEY", "") or derived_signing_key(settings.SECRET_KEY)

    # The keys: a PEM, or the path of a file holding one (read when asked for).
    @property
    def JWT_PRIVATE_KEY(self) -> str:
        return pem_or_path(self._setting("JWT_PRIVATE_KEY", ""))

    @property
    def JWT_PUBLIC_KEY(self) -> str:
        return pem_or_path(self._setting("JWT_PUBLIC_KEY", ""))

    @property
    def JWT_PREVIOUS_PUBLIC_KEYS(self) -> list[str]:
        return [pem_or_path(value) for value in self._setting("JWT_PREVIOUS_PUBLIC_KEYS", []) if value.strip()]

    @property
    def SIGN_IN_STAGES(self) -> tuple[str, ...]:
        configured = self._setting("SIGN_IN_STAGES", None)
        if configured is not None:
            return tuple(configured)
        return tuple(path for app, path in DEFAULT_SIGN_IN_STAGES if apps.is_installed(app))

    @property
    def REAUTHENTICATION_METHODS(self) -> tuple[str, ...]:
        configured = self._setting("REAUTHENTICATION_METHODS", None)
        if configured is not None:
            return tuple(configured)
        return tuple(path for app, path in DEFAULT_REAUTHENTICATION_METHODS if apps.is_installed(app))

    @property
    def BEARER_KEY_PROOF(self) -> str:
        configured = self._setting("BEARER_KEY_PROOF", None)
        if configured is not None:
            return configured
        app, path = DEFAULT_BEARER_KEY_PROOF
        return path if apps.is_installed(app) else ""


app_settings = AccountsSettings()


def __getattr__(name: str):
    # PEP 562: conf.ACCESS_TOKEN_LIFETIME and the like, read at call time.
    return app_settings.get(name)


def access_lifetime() -> timedelta:
    return timedelta(seconds=app_settings.get("ACCESS_TOKEN_LIFETIME"))


def refresh_lifetime() -> timedelta:
    return timedelta(seconds=app_settings.get("REFRESH_TOKEN_LIFETIME"))


def session_max_age() -> timedelta:
    return timedelta(seconds=app_settings.get("SESSION_MAX_AGE"))


def reuse_grace() -> timedelta:
    return timedelta(seconds=app_settings.get("REFRESH_REUSE_GRACE"))


def cookie_secure() -> bool:
    return app_settings.get("JWT_COOKIE_SECURE")


def access_cookie_name() -> str:
    # Browsers only accept a __Host- cookie that is Secure, Path=/ and has no Domain.
    return "__Host-access_token" if cookie_secure() else "access_token"


def refresh_cookie_name() -> str:
    return "__Secure-refresh_token" if cookie_secure() else "refresh_token"


ACCESS_COOKIE_PATH = "/"
REFRESH_COOKIE_PATH = "/api/auth/"
COOKIE_SAMESITE = "Lax"


def sign_in_stages() -> tuple[str, ...]:
    """The dotted paths of the sign-in stages, in order: ``SIGN_IN_STAGES``, else the installed apps' defaults."""
    return app_settings.get("SIGN_IN_STAGES")
