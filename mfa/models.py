"""The factors: passkeys, TOTP devices and recovery codes, and the short-lived state of their ceremonies.

The user row keeps a summary (``User.totp_enabled``, ``User.passkey_count``)
that this app's services update in the same transaction as these rows.
Nothing here can be turned into a factor by reading the database: TOTP
secrets are encrypted, recovery codes and ticket secrets are stored as keyed
or plain digests, and a passkey's public key proves nothing without its
private half, which never leaves the authenticator.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Passkey(models.Model):
    """A WebAuthn discoverable credential (a passkey) registered by a user.

    ``credential_id`` and ``public_key`` (a COSE key) come from the
    authenticator at registration; ``sign_count`` is the authenticator's
    signature counter as last seen (0 for authenticators that do not count).
    ``user_handle`` is the opaque WebAuthn user id: every passkey of a user
    shares it, so an authenticator keeps one passkey per account.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=64)
    credential_id = models.BinaryField(max_length=1023, unique=True)
    public_key = models.BinaryField()
    aaguid = models.UUIDField(help_text="The authenticator model (all zeros when it does not say).")
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    user_handle = models.BinaryField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["user", "created_at"], name="mfa_passkey_user_idx")]

    def __str__(self) -> str:
        return self.name


class TotpDevice(models.Model):
    """A user's TOTP authenticator (RFC 6238): two-factor is on once ``confirmed_at`` is set.

    ``secret`` is the base32 secret encrypted with ``mfa/crypto.py`` (a
    Fernet token). ``last_used_step`` is the latest 30-second step whose code
    was accepted: a code is accepted only for a later step, so none works twice.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP of user {self.user_id} ({'on' if self.confirmed_at else 'pending'})"


class RecoveryCode(models.Model):
    """One of a user's single-use recovery codes, as a keyed digest (``mfa/crypto.py``); ``used_at`` once used."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="mfa_recoverycode_user_idx")]

    def __str__(self) -> str:
        return f"Recovery code of user {self.user_id} ({'used' if self.used_at else 'unused'})"


class WebAuthnChallenge(models.Model):
    """A challenge handed to the browser for one WebAuthn ceremony: single-use, short-lived.

    The browser holds the secret half in an httpOnly cookie; ``id`` is its
    SHA-256, so a database read cannot complete a ceremony. Registration and
    re-authentication are bound to the user and session that asked.
    """

    class Purpose(models.TextChoices):
        REGISTER = "register"
        LOGIN = "login"
        REAUTHENTICATE = "reauthenticate"
        SIGN_UP = "sign_up"  # a passkey-only account, created when the attestation comes
        SECOND_FACTOR = "second_factor"  # a passkey instead of a code, after a password

    id = models.CharField(primary_key=True, max_length=64)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    challenge = models.BinaryField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_id = models.UUIDField(null=True, blank=True)
    # Registration only: the WebAuthn user id the options named, which the passkey keeps.
    user_handle = models.BinaryField(max_length=64, default=b"", blank=True)
    # Sign-up only: the username and address the options were made for; the account gets these, whatever comes later.
    pending = models.JSONField(default=dict, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.purpose} challenge until {self.expires_at:%H:%M:%S}"


class LoginTicket(models.Model):
    """A sign-in attempt held halfway: the password is right, the second factor is still to come (mfa/tickets.py).

    The browser holds the secret in the httpOnly ``mfa_ticket`` cookie; ``id``
    is its SHA-256. The ticket dies when used, when it expires, or after
    ``MAX_FAILURES`` wrong codes.
    """

    id = models.CharField(primary_key=True, max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=16, default="password", help_text="How the attempt signed in first.")
    remember = models.BooleanField(default=True)
    methods = models.CharField(max_length=64, help_text="Space-separated methods proven so far (amr).")
    resume_after = models.CharField(max_length=255, help_text="The sign-in stage the attempt resumes after.")
    failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Sign-in ticket of user {self.user_id}"
