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
