"""Settings for jwtsite, read from the environment (see docs/configuration.md).

Every value has a default that serves local development; nothing exists only in
production. Django's own variables carry a ``DJANGO_`` prefix.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

from jwtsite import shared_cache

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# CORE
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# A key that announces itself, so it is never mistaken for a real one.
INSECURE_DEV_SECRET_KEY = "django-insecure-jwtsite-development-key-never-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is not set; set it (or DJANGO_DEBUG=1 for local development).")
    SECRET_KEY = INSECURE_DEV_SECRET_KEY
# Previous keys, still accepted while a rotation is under way (Django's signing,
# and the keys that protect two-factor secrets: mfa/crypto.py).
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    # Django's admin on this site's sign-in (accounts/admin_site.py).
    "jwtsite.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    # Before whitenoise's: its runserver (which starts the task worker beside the site) wins.
    "jobs",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "emails",
    # After accounts: its admin re-registers the user admin with passkeys and "Remove two-factor".
    "mfa",
    "providers",
    "posts",
]

MIDDLEWARE = [
    # First, so every response gets its headers, those made by other middleware too.
    "jwtsite.security.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Django's sessions, for pages and the admin only, and no session store behind them
    # (SESSION_ENGINE below): only there because Django's admin expects request.session.
    "jwtsite.middleware.PageSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads a body (the CSRF check reads forms): auth bodies are JSON or urlencoded.
    "jwtsite.middleware.AuthBodyTypeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # request.user from the access cookie, as the API sees it (the admin signs in like everyone
    # else); under /api/ DRF's authentication sets it.
    "accounts.middleware.AccessCookieAuthenticationMiddleware",
    "jwtsite.middleware.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jwtsite.middleware.JsonApiErrorsMiddleware",
]

ROOT_URLCONF = "jwtsite.urls"
WSGI_APPLICATION = "jwtsite.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# DATABASES
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-notes
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so concurrent
    # writers queue on the busy timeout instead of failing with "database is
    # locked" halfway through; WAL lets readers run while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# Persistent connections, SQLite included: a new SQLite connection per request
# re-runs the PRAGMAs above and checkpoints the WAL when it closes.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
# Off by default, as in Django: a health check is a "SELECT 1" round trip before
# every request's first query, doubling an authenticated request's database
# trips on PostgreSQL. Without it, after the database restarts each worker's
# next request fails once and the connection is reopened (docs/operations.md, Deploying).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("DJANGO_CONN_HEALTH_CHECKS", default=False))

# CACHES
# ------------------------------------------------------------------------------
# Throttle counters and the failed-sign-in ceiling live here, so every server
# process must share it (API.md: limits count once for the whole site). With
# CACHE_URL=redis://, jwtsite/cache.py: while Redis is unreachable each process
# serves from its own memory ("open"), or refuses what needs the cache with 503
# cache_unavailable ("closed"); docs/operations.md. Without CACHE_URL: local
# memory under runserver (one process), else the embedded shared cache, SQLite
# files beside the database (jwtsite/shared_cache.py, docs/limits.md).
_cache_url = env.str("CACHE_URL", default="")
if _cache_url:
    CACHES = {
        "default": env.cache_url_config(
            _cache_url,
            backend="jwtsite.cache.ResilientRedisCache" if _cache_url.startswith(("redis://", "rediss://")) else None,
        ),
    }
elif shared_cache.is_runserver():
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {"default": shared_cache.embedded_cache(shared_cache.default_location(DATABASES["default"], BASE_DIR))}
CACHE_OUTAGE_POLICY = env.str("CACHE_OUTAGE_POLICY", default="open")
if CACHE_OUTAGE_POLICY not in ("open", "closed"):
    raise ImproperlyConfigured(f"CACHE_OUTAGE_POLICY must be 'open' or 'closed', not {CACHE_OUTAGE_POLICY!r}.")

# What /healthz checks (jwtsite/health.py): the database decides 200 or 503, any
# other failing check makes the answer "degraded".
HEALTH_CHECKS = {
    "database": "jwtsite.health.database",
    "cache": "jwtsite.health.shared_cache",
    "revocations": "accounts.revocation.runtime.health",
    "mail": "emails.health.mail",
}

# PASSWORDS
# ------------------------------------------------------------------------------
# Argon2id hashes new passwords; PBKDF2 still verifies (and upgrades) old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# INTERNATIONALIZATION
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# STATIC FILES (served by whitenoise, also with debug off)
# ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Compressed, hashed names; the scripts' module imports too (jwtsite/storage.py).
        "BACKEND": "jwtsite.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
# Served at the site's root: browsers ask for /favicon.ico on pages that name no icon.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# SECURITY
# ------------------------------------------------------------------------------
# Behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL_HEADER=1 (docs/operations.md).
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies append to X-Forwarded-For; 0 trusts only REMOTE_ADDR,
# so a client cannot pick the IP its login attempts are counted under.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)
# Sent on every response by jwtsite/security.py: no inline script anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# HTML pages under these prefixes get their policy instead. DRF's browsable API
# and the Swagger UI put a few inline styles in their pages (style="" attributes,
# a <style> block); scripts stay 'self' there too.
CONTENT_SECURITY_POLICY_RELAXED = {
    "/api/": CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
}

# JWT
# ------------------------------------------------------------------------------
ACCESS_TOKEN_LIFETIME = env.int("ACCESS_TOKEN_LIFETIME", default=300)
REFRESH_TOKEN_LIFETIME = env.int("REFRESH_TOKEN_LIFETIME", default=604800)
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=2592000)
REFRESH_REUSE_GRACE = env.int("REFRESH_REUSE_GRACE", default=10)
JWT_COOKIE_SECURE = env.bool("JWT_COOKIE_SECURE", default=not DEBUG)
# Never the secret key itself: a key derived for this one purpose (OWASP).
JWT_SIGNING_KEY = (
    env.str("JWT_SIGNING_KEY", default="")
    or salted_hmac("jwtsite.jwt", "signing-key", secret=SECRET_KEY, algorithm="sha256").hexdigest()
)
# Clock-skew tolerance on exp, nbf and iat; 0 makes expiry exact.
JWT_LEEWAY = env.int("JWT_LEEWAY", default=5)
if not 0 <= JWT_LEEWAY <= 60:
    raise ImproperlyConfigured(f"JWT_LEEWAY must be between 0 and 60 seconds, not {JWT_LEEWAY}.")
# When set, every token carries iss / aud and every verifying server requires them.
JWT_ISSUER = env.str("JWT_ISSUER", default="")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="")


def pem_or_path(value: str) -> str:
    """A PEM given inline, or read from the file it names."""
    value = value.strip()
    if not value or value.startswith("-----BEGIN"):
        return value
    try:
        return Path(value).read_text()
    except OSError as exc:
        raise ImproperlyConfigured(f"cannot read the key file {value!r}: {exc.strerror}") from exc


# HS256 signs and verifies with JWT_SIGNING_KEY. RS256/ES256 sign with
# JWT_PRIVATE_KEY and verify with its public key, JWT_PUBLIC_KEY, the previous
# keys of a rotation, or the keys at JWKS_URL; a server without the private key
# only verifies (accounts/tokens/keys.py).
JWT_ALGORITHM = env.str("JWT_ALGORITHM", default="HS256")
JWT_PRIVATE_KEY = pem_or_path(env.str("JWT_PRIVATE_KEY", default=""))
JWT_PUBLIC_KEY = pem_or_path(env.str("JWT_PUBLIC_KEY", default=""))
JWT_PREVIOUS_PUBLIC_KEYS = [
    pem_or_path(path) for path in env.list("JWT_PREVIOUS_PUBLIC_KEY_FILES", default=[]) if path.strip()
]
JWKS_URL = env.str("JWKS_URL", default="")
if JWT_ALGORITHM not in ("HS256", "RS256", "ES256"):
    raise ImproperlyConfigured(f"JWT_ALGORITHM must be HS256, RS256 or ES256, not {JWT_ALGORITHM!r}.")
if JWT_ALGORITHM != "HS256" and not (JWT_PRIVATE_KEY or JWT_PUBLIC_KEY or JWKS_URL):
    raise ImproperlyConfigured(f"JWT_ALGORITHM={JWT_ALGORITHM} needs JWT_PRIVATE_KEY, JWT_PUBLIC_KEY or JWKS_URL.")

SIMPLE_JWT = {
    "ALGORITHM": JWT_ALGORITHM,
    "SIGNING_KEY": JWT_PRIVATE_KEY or JWT_SIGNING_KEY,
    "VERIFYING_KEY": JWT_PUBLIC_KEY,
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=ACCESS_TOKEN_LIFETIME),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=REFRESH_TOKEN_LIFETIME),
    "LEEWAY": JWT_LEEWAY,
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "AUTH_TOKEN_CLASSES": ("accounts.tokens.SessionAccessToken",),
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
}

# Cookie names follow JWT_COOKIE_SECURE at call time (accounts/cookies.py).
CSRF_COOKIE_SECURE = JWT_COOKIE_SECURE
CSRF_FAILURE_VIEW = "jwtsite.views.csrf_failure"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = JWT_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# No Django session: nobody signs in through one (the admin rides on the access
# cookie, accounts/middleware.py); jwtsite/sessions.py keeps nothing and sets no cookie.
# The admin's messages ("Revoked 1 session(s).") travel in a signed cookie instead.
SESSION_ENGINE = "jwtsite.sessions"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

LOGIN_RATE_USERNAME = env.str("LOGIN_RATE_USERNAME", default="5/min")
LOGIN_RATE_IP = env.str("LOGIN_RATE_IP", default="30/min")
REGISTER_RATE_IP = env.str("REGISTER_RATE_IP", default="10/hour")
# Abuse limits (accounts/limits.py): failed sign-ins per username over every IP,
# and live sessions per user (the oldest revoked when a new one would exceed it).
LOGIN_FAILURES_USERNAME = env.str("LOGIN_FAILURES_USERNAME", default="20/hour")
if not re.fullmatch(r"[1-9][0-9]*/[smhd][a-z]*", LOGIN_FAILURES_USERNAME):
    raise ImproperlyConfigured(f"LOGIN_FAILURES_USERNAME must look like '20/hour', not {LOGIN_FAILURES_USERNAME!r}.")
MAX_SESSIONS_PER_USER = env.int("MAX_SESSIONS_PER_USER", default=100)
if MAX_SESSIONS_PER_USER < 1:
    raise ImproperlyConfigured(f"MAX_SESSIONS_PER_USER must be at least 1, not {MAX_SESSIONS_PER_USER}.")
# Checks of a signed-in user's password (password change, re-authentication).
PASSWORD_CHECK_RATE_USER = env.str("PASSWORD_CHECK_RATE_USER", default="5/min")
PASSWORD_CHECK_RATE_IP = env.str("PASSWORD_CHECK_RATE_IP", default="30/min")
# Password-reset requests, per address asked for and per client IP.
PASSWORD_RESET_RATE_EMAIL = env.str("PASSWORD_RESET_RATE_EMAIL", default="5/hour")
PASSWORD_RESET_RATE_IP = env.str("PASSWORD_RESET_RATE_IP", default="20/hour")
# Link tokens from emails checked (reset confirmation, email verification), per client IP.
EMAIL_LINK_RATE_IP = env.str("EMAIL_LINK_RATE_IP", default="60/hour")
# Verification mails a signed-in user can ask for (resend, email change).
EMAIL_SEND_RATE_USER = env.str("EMAIL_SEND_RATE_USER", default="5/hour")

# The audit log's rows (accounts/audit.py) are deleted after this many days; the log lines are the logs' business.
AUDIT_LOG_RETENTION_DAYS = env.int("AUDIT_LOG_RETENTION_DAYS", default=90)
if AUDIT_LOG_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"AUDIT_LOG_RETENTION_DAYS must be at least 1, not {AUDIT_LOG_RETENTION_DAYS}.")

# SIGN-IN SEAMS: the ways a signed-in user re-authenticates (accounts/reauthentication.py).
# The sign-in stages other apps add (SIGN_IN_STAGES) default in accounts/conf.py:
# the installed apps' own (docs/sign-in.md).
REAUTHENTICATION_METHODS = [
    "accounts.reauthentication.password",
    "mfa.reauthentication.passkey",
    "mfa.reauthentication.code",
]

# PASSKEYS AND TWO-FACTOR (mfa/; the relying party is SITE_URL, below)
# ------------------------------------------------------------------------------
# Keys that encrypt TOTP secrets and key the recovery codes' digests: the first
# protects new ones, every one still reads old ones (rotation: docs/two-factor.md). Empty:
# derived from DJANGO_SECRET_KEY and DJANGO_SECRET_KEY_FALLBACKS.
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[])
# The account's label in authenticator apps (the otpauth:// URI's issuer).
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="jwtsite")
# Second-factor codes checked (sign-in, confirming two-factor), per user and per client IP.
MFA_CODE_RATE_USER = env.str("MFA_CODE_RATE_USER", default="5/min")
MFA_CODE_RATE_IP = env.str("MFA_CODE_RATE_IP", default="30/min")
# Wrong second-factor codes after the right password (per user, within LOGIN_FAILURES_USERNAME's
# window) after which the user is mailed that someone has their password (mfa/failures.py).
MFA_FAILURE_NOTICE_AFTER = env.int("MFA_FAILURE_NOTICE_AFTER", default=3)
if MFA_FAILURE_NOTICE_AFTER < 1:
    raise ImproperlyConfigured(f"MFA_FAILURE_NOTICE_AFTER must be at least 1, not {MFA_FAILURE_NOTICE_AFTER}.")
# Passkey sign-in ceremonies (options, then the assertion), per client IP.
PASSKEY_LOGIN_RATE_IP = env.str("PASSKEY_LOGIN_RATE_IP", default="30/min")

# REVOCATION FEED (a verifying-only server on its own database follows the auth server's)
# ------------------------------------------------------------------------------
REVOCATION_FEED_URL = env.str("REVOCATION_FEED_URL", default="")
REVOCATION_FEED_KEY = env.str("REVOCATION_FEED_KEY", default="")
# Feed reads per key and client IP: 25 followers polling every 0.25 s behind one address (docs/limits.md).
REVOCATION_FEED_RATE = env.str("REVOCATION_FEED_RATE", default="6000/min")
# Every process follows the revocations in a background thread (accounts/revocation/):
# how often it reads them, how old its view may grow before it is stale, and what a
# verifying-only server on its own database does then ("honour" tokens to expiry, or "refuse").
REVOCATION_FOLLOW = True
REVOCATION_POLL_INTERVAL = env.float("REVOCATION_POLL_INTERVAL", default=0.25)
REVOCATION_STALE_AFTER = env.float("REVOCATION_STALE_AFTER", default=5.0)
REVOCATION_STALE_POLICY = env.str("REVOCATION_STALE_POLICY", default="honour")
if REVOCATION_STALE_POLICY not in ("honour", "refuse"):
    raise ImproperlyConfigured(
        f"REVOCATION_STALE_POLICY must be 'honour' or 'refuse', not {REVOCATION_STALE_POLICY!r}."
    )
# Verified access tokens kept per process (accounts/tokens/verified_cache.py); 0 turns the cache off.
JWT_VERIFIED_CACHE_SIZE = env.int("JWT_VERIFIED_CACHE_SIZE", default=1024)
# Users kept per process for authenticated requests (accounts/users_cache.py: about 0.4 KB
# each), dropped by the revocation feed when they change; 0 turns the cache off.
USER_CACHE_SIZE = env.int("USER_CACHE_SIZE", default=10_000)
if USER_CACHE_SIZE < 0:
    raise ImproperlyConfigured(f"USER_CACHE_SIZE must be 0 (off) or more, not {USER_CACHE_SIZE}.")

# ACCOUNT LIFECYCLE: email, password reset, verification, re-authentication
# ------------------------------------------------------------------------------
# The public origin: links in emails, and the WebAuthn relying party (its host).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
# External OpenID Connect providers: a JSON list, parsed and checked by providers/conf.py and providers/checks.py.
OIDC_PROVIDERS = env.str("OIDC_PROVIDERS", default="")
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="jwtsite <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_VERIFICATION = env.str("EMAIL_VERIFICATION", default="optional")
if EMAIL_VERIFICATION not in ("optional", "mandatory"):
    raise ImproperlyConfigured(f"EMAIL_VERIFICATION must be 'optional' or 'mandatory', not {EMAIL_VERIFICATION!r}.")
# Django's own setting: how long a password-reset (and here an email-verification) link lives.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Seconds after a sign-in or re-authentication during which sensitive actions are allowed.
REAUTH_WINDOW = env.int("REAUTH_WINDOW", default=300)

# TASKS: mail and periodic work (docs/tasks.md)
# ------------------------------------------------------------------------------
# Django's tasks framework (the django-tasks backport of django.tasks). Without
# TASKS_URL the queue is a table of the site's database (django-tasks-db: a task
# commits with the change that asked for it); TASKS_URL=redis://host:6379/N puts
# it on Redis (RQ) for several machines. make run and make serve start
# TASKS_WORKERS worker processes beside the site (jobs/supervisor.py).
TASKS_URL = env.str("TASKS_URL", default="")
if TASKS_URL.startswith(("redis://", "rediss://")):
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": TASKS_URL, "DEFAULT_TIMEOUT": 300}}
elif TASKS_URL in ("", "database"):
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured(f"TASKS_URL must be empty (the database) or redis://..., not {TASKS_URL!r}.")
TASKS_WORKERS = env.int("TASKS_WORKERS", default=1)
# The workers yield the CPU to the web workers: under a burst the answers come first, the mail a moment later.
TASKS_NICE = env.int("TASKS_NICE", default=10)
# Seconds between a failed attempt and the next: 9 attempts over about an hour, then the mail is dead.
MAIL_RETRY_DELAYS = env.list("MAIL_RETRY_DELAYS", cast=int, default=[10, 30, 60, 120, 300, 600, 900, 1800])
# Seconds a worker holds a mail it is sending; a worker dead for longer gives it up to another.
MAIL_SEND_LEASE = env.int("MAIL_SEND_LEASE", default=120)
# Seconds a due mail may wait for its task before deliveries_resume enqueues it again.
MAIL_RESUME_AFTER = env.int("MAIL_RESUME_AFTER", default=60)
# Days the outbox keeps sent (and skipped) mail, and dead mail, before the daily cleanup deletes it.
MAIL_KEEP_DAYS = env.int("MAIL_KEEP_DAYS", default=7)
MAIL_KEEP_DEAD_DAYS = env.int("MAIL_KEEP_DEAD_DAYS", default=30)
# Periodic work (jobs/schedule.py): name -> (task, every N seconds). Enqueued by the worker's
# scheduler, once per period for the whole site (a lock in the shared cache); no cron line.
PERIODIC_TASKS = {
    "cleanup": ("jobs.tasks.cleanup_expired", env.int("CLEANUP_EVERY", default=86400)),
    "mail_resume": ("jobs.tasks.mail_resume", env.int("MAIL_RESUME_EVERY", default=30)),
}

# CORS
# ------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True

# DJANGO REST FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTCookieAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "jwtsite.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "jwtsite.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# OPENAPI (drf-spectacular; Swagger UI served from our own static files)
# ------------------------------------------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "jwtsite API",
    "DESCRIPTION": "Cookie-JWT sessions for browsers, Bearer tokens for scripts. Contract: API.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jwtsite.openapi.document_database_unavailable",
        "jwtsite.openapi.document_not_acceptable",
        "jwtsite.openapi.document_invalid_host",
    ],
}

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # fido2 logs every registration and passkey sign-in at INFO; the audit trail already says it.
    "loggers": {"fido2": {"level": "WARNING"}},
}
