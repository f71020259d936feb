"""The settings of Django and its libraries that no environment variable changes (jwtsite/settings.py imports them).

URLs, templates, password hashing, simplejwt's token classes, DRF and the
OpenAPI schema: the site's wiring, the same in every deployment. What the
environment decides is read in jwtsite/settings.py.
"""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# CORE
# ------------------------------------------------------------------------------
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

# JWT
# ------------------------------------------------------------------------------
# simplejwt's token classes, claims and rotation. Its keys, lifetimes and leeway are
# accounts' settings (accounts/conf.py): every token is signed and verified by
# accounts/tokens/keys.py. simplejwt's own backend (rest_framework_simplejwt.state)
# is never used; without a key it signs nothing, rather than with SECRET_KEY.
SIMPLE_JWT = {
    "SIGNING_KEY": None,
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

# DJANGO REST FRAMEWORK (its NUM_PROXIES follows DJANGO_NUM_PROXIES: jwtsite/settings.py)
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # DPoP's (dpop/) checks a DPoP-bound token's proof, then hands Bearer and cookies to
    # accounts.authentication.JWTCookieAuthentication, which it extends.
    "DEFAULT_AUTHENTICATION_CLASSES": ["dpop.authentication.DPoPAuthentication"],
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
