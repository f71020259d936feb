"""Settings for jwtsite, read from the environment (see docs/configuration.md).

This module reads the environment and sets Django's and the third-party
libraries' settings. The apps' own settings (tokens, limits, two-factor, mail...)
have their defaults in each app's ``conf.py`` and their validation in its
``checks.py`` (system checks: ``manage.py check`` lists every bad value); here an
app setting is written only when its environment variable is set (APP SETTINGS,
below). Every value has a default that serves local development; nothing exists
only in production. Django's own variables carry a ``DJANGO_`` prefix.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

from jwtsite import app_variables, shared_cache
from jwtsite.app_settings import from_environment

# What no variable changes: URLs, templates, password hashing, simplejwt, DRF, the OpenAPI schema.
from jwtsite.framework_settings import *  # noqa: F403
from jwtsite.framework_settings import BASE_DIR, REST_FRAMEWORK

env = environ.Env()

# CORE
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# A key that announces itself, so it is never mistaken for a real one. Without a key the
# settings cannot be built (Django's signing needs one), so this stays a refusal here,
# not a system check: manage.py, wsgi.py and asgi.py print it as one line.
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
    # The site-wide settings' checks (jwtsite/checks.py).
    "jwtsite.apps.SiteConfig",
    "accounts",
    "emails",
    # After accounts: its admin re-registers the user admin with passkeys and "Remove two-factor".
    "mfa",
    "providers",
    # Device binding: browser sessions (DBSC, docs/dbsc.md) and Bearer tokens (DPoP, docs/dpop.md).
    "dbsc",
    "dpop",
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
    # A fresh DPoP-Nonce on API answers when DPOP_NONCE is on.
    "dpop.middleware.DPoPNonceMiddleware",
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
# CACHE_OUTAGE_POLICY and /healthz's HEALTH_CHECKS: jwtsite/conf.py.

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
# The Content-Security-Policy sent by jwtsite/security.py: jwtsite/conf.py.

# COOKIES (simplejwt's token classes and claims: jwtsite/framework_settings.py)
# ------------------------------------------------------------------------------
# Django's cookies are Secure as the auth cookies are (JWT_COOKIE_SECURE, default: debug off).
_cookies_secure = env.bool("JWT_COOKIE_SECURE", default=not DEBUG)
# The auth cookies' names follow JWT_COOKIE_SECURE at call time (accounts/cookies.py).
CSRF_COOKIE_SECURE = _cookies_secure
CSRF_FAILURE_VIEW = "jwtsite.views.csrf_failure"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _cookies_secure
SESSION_COOKIE_HTTPONLY = True
# No Django session: nobody signs in through one (the admin rides on the access
# cookie, accounts/middleware.py); jwtsite/sessions.py keeps nothing and sets no cookie.
# The admin's messages ("Revoked 1 session(s).") travel in a signed cookie instead.
SESSION_ENGINE = "jwtsite.sessions"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

# APP SETTINGS
# ------------------------------------------------------------------------------
# The apps' own settings: their defaults are in accounts/conf.py, emails/conf.py,
# mfa/conf.py, jobs/conf.py and jwtsite/conf.py (site-wide), their checks in each checks.py. A
# variable that is set becomes the setting of the same name; a value its cast
# refuses stays text, for the app's check to report with the others. The variables,
# each with its cast: jwtsite/app_variables.py.
vars().update(from_environment(env, app_variables.APP_VARIABLES))
# The previous public keys of a rotation: PEMs, or the files holding them.
if "JWT_PREVIOUS_PUBLIC_KEY_FILES" in env:
    JWT_PREVIOUS_PUBLIC_KEYS = env.list("JWT_PREVIOUS_PUBLIC_KEY_FILES")

# MAIL (Django's settings; the emails app's own are in emails/conf.py)
# ------------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="jwtsite <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Django's own setting: how long a password-reset (and here an email-verification) link lives.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)

# TASKS: mail and periodic work (docs/tasks.md)
# ------------------------------------------------------------------------------
# Django's tasks framework (the django-tasks backport of django.tasks). Without
# TASKS_URL the queue is a table of the site's database (django-tasks-db: a task
# commits with the change that asked for it); TASKS_URL=redis://host:6379/N puts
# it on Redis (RQ) for several machines. jobs' own settings (TASKS_URL's check, the
# workers, the schedule) are in jobs/conf.py, the outbox's (MAIL_*) in emails/conf.py.
if env.str("TASKS_URL", default="").startswith(("redis://", "rediss://")):
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # django-rq's admin-only model has no table: dumpdata and the like must not look for one.
    DATABASE_ROUTERS = ["jobs.routers.TablelessModelsRouter"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": env.str("TASKS_URL"), "DEFAULT_TIMEOUT": 300}}
else:
    # Also under a TASKS_URL that is neither: jobs.E001 refuses to start with it.
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# CORS
# ------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True

# DJANGO REST FRAMEWORK (the rest of it: jwtsite/framework_settings.py)
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": NUM_PROXIES}

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
