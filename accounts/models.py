"""Users and their login sessions."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models, router, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import identity


class UserQuerySet(models.QuerySet):
    def delete(self) -> tuple[int, dict[str, int]]:
        """Logs the users out everywhere first (``services.users_sessions_clear``), then deletes them."""
        from accounts.services.users import users_sessions_clear  # models come before services

        with transaction.atomic(using=self.db):
            user_ids = list(self.values_list("pk", flat=True))
            users_sessions_clear(user_ids=user_ids)
            # By id: whatever ``self`` filtered on may have changed with the revocation.
            return models.QuerySet.delete(self.model._base_manager.using(self.db).filter(pk__in=user_ids))

    delete.alters_data = True
    delete.queryset_only = True

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

    def update_by_ids(self, user_ids: list[int], **kwargs) -> int:
        """``update`` of the users ``user_ids`` (among these), when the caller knows the ids: no read of them first."""
        from accounts import users_cache

        updated = models.QuerySet.update(self.filter(pk__in=user_ids), **kwargs)
        if not users_cache.CACHED_FIELDS.isdisjoint(kwargs):
            users_cache.changed(user_ids)
        return updated

    update_by_ids.alters_data = True


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    """Django's user manager over ``UserQuerySet``, finding names as sign-in does."""

    def get_by_natural_key(self, username: str) -> "User":
        """The user ``username`` names, however it is capitalised or spelled (NFKC): what sign-in looks up.

        One query whatever the outcome. A row without a key (a name that
        clashed when keys were introduced, or a bulk insert) is found by its
        exact name.
        """
        key = identity.username_key(username)
        matches = list(self.filter(Q(username_key=key) | Q(username_key__isnull=True, username=username))[:2])
        if not matches:
            raise self.model.DoesNotExist(f"No user named {username!r}.")
        # The name typed exactly wins over the one it folds to.
        return min(matches, key=lambda user: user.username_key is not None)

    def normalize_email(self, email: str | None) -> str:
        return identity.email_canonical(email or "")


class User(AbstractUser):
    """The site's user.

    ``token_version`` rides in every token as the ``ver`` claim; bumping it
    rejects every token issued before, at no extra query per request (the user
    row is loaded by authentication anyway).

    Deleting users, one or a queryset, logs them out everywhere first: no
    token of a deleted user is honoured by any server a second later.
    """

    token_version = models.PositiveIntegerField(default=0, editable=False)
    # Whether the owner of ``email`` has followed a link sent to it. A changed
    # address only replaces ``email`` once verified, so it is never unverified
    # for long unless it was the one given at registration.
    email_verified = models.BooleanField(default=False)
    # A summary of the user's sign-in methods for ``U.mfa``, kept by the app that
    # owns the factors in the same transaction as they change, so that /api/me/
    # stays one query: whether two-factor (TOTP) is on, how many passkeys there are.
    totp_enabled = models.BooleanField("two-factor", default=False, editable=False)
    passkey_count = models.PositiveIntegerField("passkeys", default=0, editable=False)
    # The username under NFKC and case folding (accounts/identity.py): sign-in
    # looks names up by it, and it is unique, so "ALICE" and "alice" are one name.
    # NULL, not "": many rows may lack a key (see UserManager) and stay unique.
    username_key = models.CharField(max_length=600, unique=True, null=True, editable=False)  # noqa: DJ001
    # An address given at registration that another account already holds. The
    # answer and U show it as this user's unverified address, so that
    # registering tells nobody whether an address is taken; it is never
    # mailed, verified or unique, and ``email`` stays empty (one mailbox, one account).
    unconfirmed_email = models.EmailField(max_length=254, blank=True, default="", editable=False)

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
        """``email`` as stored: trimmed, its domain through IDNA (lower-cased, full-width folded);
        raises ``ValidationError`` for an address with a format character (accounts/identity.py)."""
        return identity.email_canonical(email)

    @property
    def shown_email(self) -> str:
        """The address ``U.email`` shows: the account's own, or the one held back at registration."""
        return self.email or self.unconfirmed_email

    def save(self, *args, **kwargs) -> None:
        # The key follows the name (an invariant, like a token's key); a row
        # left without one (a name that clashed in migration 0007) keeps none.
        update_fields = kwargs.get("update_fields")
        if (update_fields is None or "username" in update_fields) and (
            self._state.adding or self.username_key is not None
        ):
            self.username_key = identity.username_key(self.username)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "username_key"}
        super().save(*args, **kwargs)

    def delete(self, using=None, keep_parents=False):
        """Logs the user out everywhere first (``services.users_sessions_clear``), then deletes the user."""
        from accounts.services.users import users_sessions_clear

        with transaction.atomic(using=using or router.db_for_write(User, instance=self)):
            users_sessions_clear(user_ids=[self.pk])
            return super().delete(using, keep_parents)

    delete.alters_data = True


class SessionQuerySet(models.QuerySet):
    def live(self) -> "SessionQuerySet":
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def delete(self) -> tuple[int, dict[str, int]]:
        """Revokes the sessions, then deletes them (``services.sessions_delete``)."""
        from accounts.services.revoking import sessions_delete  # models come before services

        return sessions_delete(sessions=self).deleted

    delete.alters_data = True
    delete.queryset_only = True

    def delete_revoked(self) -> tuple[int, dict[str, int]]:
        """Deletes without revoking: for sessions already revoked or expired (no token of theirs is honoured)."""
        return super().delete()

    delete_revoked.alters_data = True
    delete_revoked.queryset_only = True


SESSION_BINDINGS = [("", "not bound"), ("dbsc", "DBSC (browser)"), ("dpop", "DPoP (Bearer client)")]


class Session(models.Model):
    """One login on one device: the chain of refresh tokens that rotation produces.

    Its id rides in every token of the chain as the ``sid`` claim.
    ``current_jti`` is the one refresh token that may rotate; ``previous_jti``
    is the token it replaced, honoured for ``REFRESH_REUSE_GRACE`` seconds
    after ``rotated_at``. ``expires_at`` is the current refresh token's expiry,
    never later than ``created_at + SESSION_MAX_AGE``.
    """

    id = models.UUIDField("session id", primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    created_at = models.DateTimeField("created", default=timezone.now)
    last_used_at = models.DateTimeField("last used", default=timezone.now)
    expires_at = models.DateTimeField("expires")
    revoked_at = models.DateTimeField("revoked", null=True, blank=True)
    user_agent = models.TextField(blank=True, default="")
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    remember = models.BooleanField("remember me", default=True)
    current_jti = models.CharField(max_length=255, unique=True)
    current_token = models.OneToOneField(OutstandingToken, null=True, on_delete=models.SET_NULL, related_name="+")
    previous_jti = models.CharField(max_length=255, blank=True, default="")
    rotated_at = models.DateTimeField(null=True, blank=True)
    # When and how the user last proved who they are in this session (sign-in
    # or re-authentication): every token of the session carries them as the
    # ``auth_time`` and ``amr`` claims, and refresh keeps them.
    auth_time = models.DateTimeField("last authenticated", default=timezone.now)
    amr = models.CharField(max_length=64, default="pwd", help_text="Space-separated authentication methods.")
    # The key the session is bound to (DBSC for a browser, DPoP for a Bearer client): once
    # set, only a proof signed with its private half renews the session's tokens, so copied
    # cookies or tokens are useless elsewhere. Only the public half is ever stored.
    binding = models.CharField("bound by", max_length=8, blank=True, default="", choices=SESSION_BINDINGS)
    bound_key = models.JSONField("bound public key (JWK)", null=True, blank=True, editable=False)
    bound_jkt = models.CharField("bound key thumbprint", max_length=64, blank=True, default="", editable=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_session_user_idx"),
            models.Index(fields=["expires_at"], name="accounts_session_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.short_id}"

    def delete(self, using=None, keep_parents=False):
        """Revokes the session, then deletes it: its tokens stop working on every server as with any revocation."""
        from accounts.services.revoking import sessions_delete

        return sessions_delete(sessions=Session.objects.filter(pk=self.pk)).deleted

    delete.alters_data = True

    @property
    def short_id(self) -> str:
        """The id's first 8 hex digits: enough to tell a user's sessions apart on a page."""
        return self.pk.hex[:8]

    @property
    def bound(self) -> bool:
        return bool(self.binding)

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "live"


class AuditEvent(models.Model):
    """One security event of the audit trail (accounts/audit.py), kept for the admin's audit log.

    Rows are deleted ``AUDIT_LOG_RETENTION_DAYS`` after ``at``
    (``audit.audit_events_delete_expired``). ``user_id`` and ``admin_id``
    (the staff member who acted, for events ``"by": "admin"``) are plain
    integers, not foreign keys: the trail outlives the accounts it names.
    ``details`` holds the event's other fields; never a credential.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    event = models.CharField(max_length=64)
    user_id = models.BigIntegerField(null=True, blank=True)
    session_id = models.UUIDField(null=True, blank=True)
    admin_id = models.BigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="accounts_audit_at_idx"),
            models.Index(fields=["user_id", "-at"], name="accounts_audit_user_idx"),
            models.Index(fields=["session_id"], name="accounts_audit_session_idx"),
            # The admin's filter by event, and the event names it offers (selectors.audit_event_names).
            models.Index(fields=["event", "-at"], name="accounts_audit_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} at {self.at:%Y-%m-%d %H:%M:%S}"


# The revocation feed's table lives with its machinery (accounts/revocation/).
from accounts.revocation.models import Revocation  # noqa: E402, F401
