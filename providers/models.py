"""Linked external identities, and the provider sign-ins on their way (between the redirect and the callback)."""

from django.conf import settings
from django.db import models


class ExternalIdentity(models.Model):
    """An account at an OpenID Connect provider (``provider_id``, ``subject``) that signs in to ``user``.

    ``subject`` is the provider's ``sub``: stable and never reassigned, unlike
    an email address, so it alone finds the user; ``email`` is what the
    provider said last, for display.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    provider_id = models.CharField("provider", max_length=32)
    subject = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True, default="")
    linked_at = models.DateTimeField("linked")
    last_used_at = models.DateTimeField("last used", null=True, blank=True)

    class Meta:
        verbose_name = "external identity"
        verbose_name_plural = "external identities"
        constraints = [
            models.UniqueConstraint(fields=["provider_id", "subject"], name="providers_identity_provider_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.email or self.subject}"


class PendingLogin(models.Model):
    """A trip to the provider and back: what the callback needs to check the answer (state, nonce, PKCE verifier).

    The browser holds the secret in an httpOnly cookie; the row is found by
    its SHA-256 and deleted when the callback takes it, so each trip is
    answered once. ``user`` is set when a signed-in user links an identity,
    and with ``session_id`` (theirs) when they confirm it is them
    (re-authentication, providers/reauthentication.py).
    """

    id = models.CharField(primary_key=True, max_length=64)
    provider_id = models.CharField(max_length=32)
    state = models.CharField(max_length=128)
    nonce = models.CharField(max_length=128)
    code_verifier = models.CharField(max_length=128)
    next_path = models.CharField(max_length=1000, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.provider_id} sign-in until {self.expires_at:%H:%M:%S}"
