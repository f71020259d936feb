"""Users and their login sessions."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


class UserQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        """``QuerySet.update``; a change to a column the user cache keeps drops the users from it.

        The database trigger records the change for every process
        (accounts/revocation/triggers.py); this one drops the users here, at
        once, so its next request reads the new row. Their ids are read
        first (one statement more, on these rare writes).
        """
        from accounts import users_cache

        if users_cache.CACHED_FIELDS.isdisjoint(kwargs):
            return super().update(**kwargs)
        user_ids = list(self.values_list("pk", flat=True))
        updated = super().update(**kwargs)
        users_cache.changed(user_ids)
        return updated

    update.alters_data = True


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """The site's user.

    ``token_version`` rides in every token as the ``ver`` claim; bumping it
    rejects every token issued before, at no extra query per request (the user
    row is loaded by authentication anyway).
    """

    token_version = models.PositiveIntegerField(default=0, editable=False)
    # Whether the owner of ``email`` has followed a link sent to it. A changed
    # address only replaces ``email`` once verified, so it is never unverified
    # for long unless it was the one given at registration.
    email_verified = models.BooleanField(default=False)
    # A summary of the user's sign-in methods for ``U.mfa``, kept by the app that
    # owns the factors in the same transaction as they change, so that /api/me/
    # stays one query: whether two-factor (TOTP) is on, how many passkeys there are.
    totp_enabled = models.BooleanField(default=False, editable=False)
    passkey_count = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            # One account per address, however it is capitalised; many may have none.
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="accounts_user_email_ci_unique"),
        ]

    @classmethod
    def normalize_email(cls, email: str) -> str:
        """``email`` as stored: trimmed, its domain lower-cased (the local part is the mail server's business)."""
        return cls.objects.normalize_email((email or "").strip())


class SessionQuerySet(models.QuerySet):
    def live(self) -> "SessionQuerySet":
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class Session(models.Model):
    """One login on one device: the chain of refresh tokens that rotation produces.

    Its id rides in every token of the chain as the ``sid`` claim.
    ``current_jti`` is the one refresh token that may rotate; ``previous_jti``
    is the token it replaced, honoured for ``REFRESH_REUSE_GRACE`` seconds
    after ``rotated_at``. ``expires_at`` is the current refresh token's expiry,
    never later than ``created_at + SESSION_MAX_AGE``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.TextField(blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    remember = models.BooleanField(default=True)
    current_jti = models.CharField(max_length=255, unique=True)
    current_token = models.OneToOneField(OutstandingToken, null=True, on_delete=models.SET_NULL, related_name="+")
    previous_jti = models.CharField(max_length=255, blank=True, default="")
    rotated_at = models.DateTimeField(null=True, blank=True)
    # When and how the user last proved who they are in this session (sign-in
    # or re-authentication): every token of the session carries them as the
    # ``auth_time`` and ``amr`` claims, and refresh keeps them.
    auth_time = models.DateTimeField(default=timezone.now)
    amr = models.CharField(max_length=64, default="pwd", help_text="Space-separated authentication methods.")

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_session_user_idx"),
            models.Index(fields=["expires_at"], name="accounts_session_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "live"


# The revocation feed's table lives with its machinery (accounts/revocation/).
from accounts.revocation.models import Revocation  # noqa: E402, F401
