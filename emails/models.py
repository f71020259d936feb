"""The outbox: every mail the site promised to send, one row each, written in the transaction that promised it.

A row is the promise; the task that delivers it (emails/delivery.py) is only
its wake-up call. So a task lost with a process or a queue is re-sent from
the row (``deliveries_resume``), and a row already sent is never sent again.
"""

from django.db import models
from django.utils import timezone


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "pending"  # waiting for its (next) attempt
        SENDING = "sending", "sending"  # a worker holds it until lease_until
        SENT = "sent", "sent"  # the mail server accepted it
        SKIPPED = "skipped", "nothing to send"  # the builder found no mail to send (unknown address...)
        DEAD = "dead", "dead"  # every retry failed: nobody will try again unless an admin retries it

    kind = models.CharField(max_length=40)
    # What the builder (emails/compose.py) needs, by id and value: never a token or a link.
    params = models.JSONField(default=dict)
    # Filled once the mail is built: where it went and what it said.
    to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "mail delivery"
        verbose_name_plural = "mail deliveries"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="emails_delivery_due"),
            models.Index(fields=["state", "finished_at"], name="emails_delivery_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to or '…'} ({self.state})"


class SignInCode(models.Model):
    """A one-time sign-in code mailed to a user (``EMAIL_SIGN_IN``; emails/sign_in_codes.py).

    Made by the worker that builds the mail, so a request for an unknown
    address writes nothing here. Neither the code nor the browser's binding
    secret is stored: ``binding`` is the SHA-256 of the secret in the
    ``sign_in_code`` cookie of the browser that asked, ``code_digest`` an
    HMAC (keyed by ``SECRET_KEY``) of the code and that binding. Deleted when
    used or when it has failed too often.
    """

    binding = models.CharField(max_length=64, unique=True)
    code_digest = models.CharField(max_length=64)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "sign-in code"

    def __str__(self) -> str:
        return f"sign-in code for user {self.user_id}"
