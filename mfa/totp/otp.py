"""TOTP (RFC 6238) with pyotp: secrets, the otpauth:// URI, its QR code as SVG, and checking a code.

Codes have 6 digits and change every 30 seconds; a code of the step before
or after the current one is accepted too (clocks drift, people type slowly).
"""

import hmac
import io
from datetime import datetime

import pyotp
import segno
from django.utils import timezone

from mfa import conf

DIGITS = 6
PERIOD = 30  # seconds
# Steps accepted on either side of the current one.
VALID_WINDOW = 1


def new_secret() -> str:
    """A new random secret: 32 base32 characters, 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(*, secret: str, account_name: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads (from the QR code or typed in)."""
    return _totp(secret).provisioning_uri(name=account_name, issuer_name=conf.MFA_TOTP_ISSUER)


def qr_svg(uri: str) -> str:
    """``uri`` as a QR code: a standalone SVG document, made here (no outside service ever sees the secret)."""
    buffer = io.BytesIO()
    segno.make_qr(uri, error="m").save(
        buffer, kind="svg", scale=4, border=4, xmldecl=False, svgns=True, svgclass=None, lineclass=None, nl=False
    )
    return buffer.getvalue().decode()


def step_at(moment: datetime) -> int:
    """The 30-second step ``moment`` falls in (the counter RFC 6238 feeds to HOTP)."""
    return int(moment.timestamp()) // PERIOD


def matching_step(*, secret: str, code: str, at: datetime | None = None) -> int | None:
    """The step within ``VALID_WINDOW`` of now whose code is ``code``, or ``None``.

    Every candidate is compared, in constant time, whatever matched first.
    """
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = _totp(secret)
    current = step_at(at or timezone.now())
    matched = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    return matched


def code_at(*, secret: str, step: int) -> str:
    """The code of ``step`` (tests, and nothing else, need to make codes)."""
    return _totp(secret).generate_otp(step)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
