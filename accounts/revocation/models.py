"""The revocations table: what the in-memory views of every process are built from."""

from django.db import models
from django.db.models import Q


class Revocation(models.Model):
    """One revocation: a session (``session_id``) or all of a user's tokens below ``min_ver``.

    Kept until ``until``, when the last access token it can affect has
    expired; after that it changes nothing and ``cleanup_sessions`` deletes
    it. ``user_id`` is a plain integer, not a foreign key: an account
    deletion's revocation must outlive the user row it names. The id is the
    feed's cursor (accounts/revocation/store.py).
    """

    id = models.BigAutoField(primary_key=True)
    session_id = models.UUIDField(null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    min_ver = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    until = models.DateTimeField()

    class Meta:
        app_label = "accounts"
        indexes = [models.Index(fields=["until"], name="accounts_revocation_until_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(session_id__isnull=False, user_id__isnull=True, min_ver__isnull=True))
                | Q(session_id__isnull=True, user_id__isnull=False, min_ver__isnull=False),
                name="accounts_revocation_session_or_user",
            ),
        ]

    def __str__(self) -> str:
        if self.session_id:
            return f"session {self.session_id} until {self.until:%Y-%m-%d %H:%M:%S}"
        return f"user {self.user_id} below version {self.min_ver} until {self.until:%Y-%m-%d %H:%M:%S}"
