"""mfa's settings and their defaults, read at call time (``from mfa import conf``; jwtsite/app_settings.py)."""

from jwtsite.app_settings import AppSettings

RATE_SETTINGS = ("MFA_CODE_RATE_USER", "MFA_CODE_RATE_IP", "PASSKEY_LOGIN_RATE_IP")


class MfaSettings(AppSettings):
    defaults = {
        # Keys that encrypt TOTP secrets and key the recovery codes' digests: the first
        # protects new ones, every one still reads old ones (rotation: docs/two-factor.md).
        # Empty: derived from DJANGO_SECRET_KEY and DJANGO_SECRET_KEY_FALLBACKS (mfa/crypto.py).
        "MFA_ENCRYPTION_KEYS": [],
        # The account's label in authenticator apps (the otpauth:// URI's issuer), and the
        # WebAuthn relying party's name.
        "MFA_TOTP_ISSUER": "jwtsite",
        # Second-factor codes checked (sign-in, confirming two-factor), per user and per client IP.
        "MFA_CODE_RATE_USER": "5/min",
        "MFA_CODE_RATE_IP": "30/min",
        # Passkey sign-in ceremonies (options, then the assertion), per client IP.
        "PASSKEY_LOGIN_RATE_IP": "30/min",
        # Wrong second-factor codes after the right password (per user, within LOGIN_FAILURES_USERNAME's
        # window) after which the user is mailed that someone has their password (mfa/failures.py).
        "MFA_FAILURE_NOTICE_AFTER": 3,
    }


app_settings = MfaSettings()


def __getattr__(name: str):
    # PEP 562: conf.MFA_TOTP_ISSUER and the like, read at call time.
    return app_settings.get(name)
