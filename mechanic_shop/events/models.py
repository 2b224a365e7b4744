"""Events, webhooks, their deliveries and outgoing e-mail: an outbox, written in the same transaction as the change
it tells about, and worked through by background tasks (tasks.py) after that transaction commits."""

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


class Event(models.Model):
    """One thing that happened: to a ticket (`ticket_id`, kept after the ticket is deleted), a part or an order."""

    class ActorKind(models.TextChoices):
        STAFF = "staff", "Staff"
        CUSTOMER = "customer", "Customer"
        PUBLIC = "public", "Public"
        SYSTEM = "system", "System"

    type = models.CharField(max_length=40, db_index=True)
    # No foreign key: a deleted ticket's events stay, naming its id.
    ticket_id = models.BigIntegerField(null=True, blank=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.SYSTEM)
    actor_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["ticket_id", "id"], name="event_ticket_timeline_idx"),
            # A ticket's timeline since a moment (`updated_at` is `created_at`: an event never changes).
            models.Index(fields=["ticket_id", "created_at", "id"], name="event_ticket_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class Webhook(models.Model):
    """An integrator's endpoint and the event types it takes (`["*"]`: all)."""

    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    # `whsec_` + base64 of 24 random bytes: shown once, when made or rotated.
    secret = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # The lease of the worker sending this webhook's deliveries (one at a time, in event order): None or past, free.
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            # ?updated_after= and ?ordering=updated_at (incremental sync).
            models.Index(fields=["updated_at", "id"], name="webhook_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.url

    def takes(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one webhook. A failed attempt that will be retried is `retrying` and the
    next attempt is a new `pending` row; the last one that fails is `failed`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        RETRYING = "retrying", "Retrying"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Moves when the attempt's outcome is recorded (pending → delivered, retrying or failed).
    # The database default: rows the previous release inserts while this one migrates (docs/operations.md).
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The next delivery of a webhook: its pending ones in event order.
            models.Index(fields=["webhook", "status", "event"], name="delivery_queue_idx"),
            # A webhook's deliveries changed since a moment (a delivery's status changes once sent).
            models.Index(fields=["webhook", "updated_at", "id"], name="delivery_webhook_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} #{self.event_id} → webhook {self.webhook_id} (attempt {self.attempt})"


class OutgoingEmail(models.Model):
    """A message to a customer, rendered when the change commits and sent by a task, retried like a webhook."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Retrying"
        FAILED = "failed", "Failed"

    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "e-mail to a customer"
        verbose_name_plural = "e-mails to customers"

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
