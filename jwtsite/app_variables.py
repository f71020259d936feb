"""The apps' environment variables, each with how it is read (jwtsite/settings.py sets the ones that are set).

A variable that is set becomes the setting of the same name; a value its cast
refuses stays text, for the app's check to report with the others
(``from_environment``, jwtsite/app_settings.py). The defaults are not here:
each app's ``conf.py`` has its own (docs/configuration.md lists them all).
"""

from jwtsite.app_settings import as_bool, as_float, as_int, as_int_list, as_list, as_str

APP_VARIABLES = {
    # accounts: sessions and tokens
    "ACCESS_TOKEN_LIFETIME": as_int,
    "REFRESH_TOKEN_LIFETIME": as_int,
    "SESSION_MAX_AGE": as_int,
    "REFRESH_REUSE_GRACE": as_int,
    "JWT_COOKIE_SECURE": as_bool,
    "JWT_SIGNING_KEY": as_str,
    "JWT_LEEWAY": as_int,
    "JWT_ISSUER": as_str,
    "JWT_AUDIENCE": as_str,
    "JWT_ALGORITHM": as_str,
    # A PEM, or the path of a file holding one (read by accounts/conf.py).
    "JWT_PRIVATE_KEY": as_str,
    "JWT_PUBLIC_KEY": as_str,
    "JWKS_URL": as_str,
    "JWT_VERIFIED_CACHE_SIZE": as_int,
    "USER_CACHE_SIZE": as_int,
    # accounts: throttles, limits, audit, re-authentication, email verification
    "LOGIN_RATE_USERNAME": as_str,
    "LOGIN_RATE_IP": as_str,
    "REGISTER_RATE_IP": as_str,
    "PASSWORD_CHECK_RATE_USER": as_str,
    "PASSWORD_CHECK_RATE_IP": as_str,
    "LOGIN_FAILURES_USERNAME": as_str,
    "MAX_SESSIONS_PER_USER": as_int,
    "AUDIT_LOG_RETENTION_DAYS": as_int,
    "REAUTH_WINDOW": as_int,
    "EMAIL_VERIFICATION": as_str,
    # accounts: the revocation feed and its followers
    "REVOCATION_FEED_URL": as_str,
    "REVOCATION_FEED_KEY": as_str,
    "REVOCATION_FEED_RATE": as_str,
    "REVOCATION_POLL_INTERVAL": as_float,
    "REVOCATION_STALE_AFTER": as_float,
    "REVOCATION_STALE_POLICY": as_str,
    # providers: external OpenID Connect providers, a JSON list (parsed and checked by providers/)
    "OIDC_PROVIDERS": as_str,
    # emails
    "PASSWORD_RESET_RATE_EMAIL": as_str,
    "PASSWORD_RESET_RATE_IP": as_str,
    "EMAIL_LINK_RATE_IP": as_str,
    "EMAIL_SEND_RATE_USER": as_str,
    "EMAIL_SIGN_IN": as_bool,
    "EMAIL_SIGN_IN_CODE_LIFETIME": as_int,
    # emails: the outbox
    "MAIL_RETRY_DELAYS": as_int_list,
    "MAIL_SEND_LEASE": as_int,
    "MAIL_RESUME_AFTER": as_int,
    "MAIL_KEEP_DAYS": as_int,
    "MAIL_KEEP_DEAD_DAYS": as_int,
    # mfa
    "MFA_ENCRYPTION_KEYS": as_list,
    "MFA_TOTP_ISSUER": as_str,
    "MFA_CODE_RATE_USER": as_str,
    "MFA_CODE_RATE_IP": as_str,
    "PASSKEY_LOGIN_RATE_IP": as_str,
    "MFA_FAILURE_NOTICE_AFTER": as_int,
    # jobs: the task queue, its workers and the periodic work
    "TASKS_URL": as_str,
    "TASKS_WORKERS": as_int,
    "TASKS_NICE": as_int,
    "CLEANUP_EVERY": as_int,
    "MAIL_RESUME_EVERY": as_int,
    # dbsc: browser sessions bound to a device key (offered only over HTTPS, Secure cookies)
    "DBSC": as_bool,
    "DBSC_CHALLENGE_TTL": as_int,
    "DBSC_ALGORITHMS": as_list,
    # dpop: Bearer tokens bound to the client's key
    "DPOP_REQUIRED": as_bool,
    "DPOP_IAT_WINDOW": as_int,
    "DPOP_NONCE": as_bool,
    "DPOP_NONCE_LIFETIME": as_int,
    "DPOP_ALGORITHMS": as_list,
    # the site (jwtsite/conf.py)
    "SITE_URL": as_str,
    "CACHE_OUTAGE_POLICY": as_str,
}
