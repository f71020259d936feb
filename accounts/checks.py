"""System checks of accounts' settings: ``manage.py check`` lists every bad value at once.

Each names the environment variable and what it allows. They run before
runserver and migrate serve anything, and jwtsite/wsgi.py and asgi.py refuse to
serve while one fails (docs/configuration.md, "Checks").
"""

import re

from cryptography.hazmat.primitives import serialization
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from accounts import conf, rates
from jwtsite.app_settings import CONFIGURATION, choice_error, whole_number_error

RATE_SETTINGS = (
    "LOGIN_RATE_USERNAME",
    "LOGIN_RATE_IP",
    "REGISTER_RATE_IP",
    "PASSWORD_CHECK_RATE_USER",
    "PASSWORD_CHECK_RATE_IP",
    "REVOCATION_FEED_RATE",
)
# "20/hour": a count of at least 1 and DRF's period words (accounts/limits.py reads it).
CEILING = re.compile(r"[1-9][0-9]*/[smhd][a-z]*")


def rate_errors(app_settings, names, check_id: str) -> list[Error]:
    """One error per rate setting that is not DRF's notation (``5/min``): shared with emails and mfa."""
    errors = []
    for name in names:
        value = getattr(app_settings, name)
        try:
            rates.Rate.parse(value)
        except ImproperlyConfigured:
            errors.append(
                Error(
                    f"{name} must be a rate such as '5/min' (a count per s, min, hour or day), not {value!r}.",
                    hint=f"Set {name} to a count per period, e.g. '5/min' or '20/hour'.",
                    id=check_id,
                )
            )
    return errors


@register(CONFIGURATION)
def check_tokens(app_configs=None, **kwargs) -> list[Error]:
    errors = whole_number_error("JWT_LEEWAY", conf.JWT_LEEWAY, "accounts.E001", low=0, high=60)
    algorithm = conf.JWT_ALGORITHM
    algorithm_errors = choice_error("JWT_ALGORITHM", algorithm, conf.JWT_ALGORITHMS, "accounts.E002")
    key_errors = _key_errors()
    errors += algorithm_errors + key_errors
    has_keys = algorithm_errors or key_errors or conf.JWT_PRIVATE_KEY or conf.JWT_PUBLIC_KEY or conf.JWKS_URL
    if algorithm != "HS256" and not has_keys:
        errors.append(
            Error(
                f"JWT_ALGORITHM={algorithm} needs JWT_PRIVATE_KEY, JWT_PUBLIC_KEY or JWKS_URL.",
                hint="Give the private key (a PEM or its file) to sign, or a public key or JWKS_URL to verify.",
                id="accounts.E004",
            )
        )
    for name in ("ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME", "SESSION_MAX_AGE"):
        errors += whole_number_error(name, getattr(conf, name), "accounts.E005", low=1)
    errors += whole_number_error("REFRESH_REUSE_GRACE", conf.REFRESH_REUSE_GRACE, "accounts.E005", low=0)
    errors += whole_number_error("REAUTH_WINDOW", conf.REAUTH_WINDOW, "accounts.E005", low=1)
    return errors


def _key_errors() -> list[Error]:
    """accounts.E003: a key that cannot be read, or is not a PEM of the kind its variable says."""
    errors = []
    for name, setting, load in (
        ("JWT_PRIVATE_KEY", "JWT_PRIVATE_KEY", _private_key),
        ("JWT_PUBLIC_KEY", "JWT_PUBLIC_KEY", serialization.load_pem_public_key),
        ("JWT_PREVIOUS_PUBLIC_KEY_FILES", "JWT_PREVIOUS_PUBLIC_KEYS", serialization.load_pem_public_key),
    ):
        try:
            pems = getattr(conf, setting)
        except OSError as exc:
            errors.append(
                Error(
                    f"{name}: cannot read the key file {exc.filename!r}: {exc.strerror}.",
                    hint=f"Set {name} to a PEM, or the path of a readable file holding one.",
                    id="accounts.E003",
                )
            )
            continue
        for pem in pems if isinstance(pems, list) else [pems] if pems else []:
            try:
                load(pem.encode())
            except (ValueError, TypeError):
                errors.append(
                    Error(
                        f"{name} is not a PEM {'private' if load is _private_key else 'public'} key.",
                        hint=f"Set {name} to a PEM (-----BEGIN ...), or the path of a file holding one.",
                        id="accounts.E003",
                    )
                )
    return errors


def _private_key(pem: bytes):
    return serialization.load_pem_private_key(pem, password=None)


@register(CONFIGURATION)
def check_limits(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    ceiling = conf.LOGIN_FAILURES_USERNAME
    if not (isinstance(ceiling, str) and CEILING.fullmatch(ceiling)):
        errors.append(
            Error(
                f"LOGIN_FAILURES_USERNAME must look like '20/hour' (1 or more per s, min, hour or day), "
                f"not {ceiling!r}.",
                hint="Set LOGIN_FAILURES_USERNAME to a count per period, e.g. '20/hour'.",
                id="accounts.E006",
            )
        )
    errors += whole_number_error("MAX_SESSIONS_PER_USER", conf.MAX_SESSIONS_PER_USER, "accounts.E007", low=1)
    errors += rate_errors(conf, RATE_SETTINGS, "accounts.E008")
    errors += whole_number_error("AUDIT_LOG_RETENTION_DAYS", conf.AUDIT_LOG_RETENTION_DAYS, "accounts.E009", low=1)
    errors += choice_error(
        "EMAIL_VERIFICATION", conf.EMAIL_VERIFICATION, conf.EMAIL_VERIFICATION_MODES, "accounts.E010"
    )
    return errors


@register(CONFIGURATION)
def check_revocations(app_configs=None, **kwargs) -> list[Error]:
    errors = choice_error("REVOCATION_STALE_POLICY", conf.REVOCATION_STALE_POLICY, conf.STALE_POLICIES, "accounts.E011")
    errors += whole_number_error("USER_CACHE_SIZE", conf.USER_CACHE_SIZE, "accounts.E012", low=0)
    errors += whole_number_error("JWT_VERIFIED_CACHE_SIZE", conf.JWT_VERIFIED_CACHE_SIZE, "accounts.E012", low=0)
    for name in ("REVOCATION_POLL_INTERVAL", "REVOCATION_STALE_AFTER"):
        value = getattr(conf, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            errors.append(
                Error(
                    f"{name} must be a number of seconds above 0, not {value!r}.",
                    hint=f"Set {name} to seconds, e.g. 0.25.",
                    id="accounts.E013",
                )
            )
    return errors
