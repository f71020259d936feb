"""Settings of the peers' project: each peer as its documentation configures it.

``PEER_DB_SETTINGS`` picks the database settings: ``theirs`` (Django's
defaults, as the peers ship: a new SQLite connection per request, rollback
journal) or ``ours`` (jwtsite's: persistent connections, WAL, synchronous
NORMAL), so the comparison can be made both ways.
"""

import os
from datetime import timedelta

SECRET_KEY = os.environ["PEER_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "peersite.urls"
WSGI_APPLICATION = "peersite.wsgi.application"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "dj_rest_auth",
]
# Django's default stack, as a startproject would have it.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["PEER_DATABASE"]}}
if os.environ.get("PEER_DB_SETTINGS", "theirs") == "ours":
    DATABASES["default"].update(
        CONN_MAX_AGE=60,
        OPTIONS={
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    )

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["dj_rest_auth.jwt_auth.JWTCookieAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# dj-rest-auth's cookie mode (its docs, "JWT Support"): the access token in an httpOnly cookie.
REST_AUTH = {
    "USE_JWT": True,
    "JWT_AUTH_COOKIE": "peer-access",
    "JWT_AUTH_REFRESH_COOKIE": "peer-refresh",
    "JWT_AUTH_HTTPONLY": True,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
    "SIGNING_KEY": os.environ["PEER_SECRET_KEY"],
}
