"""The background tasks: sending a webhook's deliveries, and e-mail. They run in a worker (`manage.py db_worker`)
through Django's tasks framework, enqueued only when the change that made the work commits (services.kick).

The work itself is in the outbox rows (deliveries, e-mails), so a task is only a nudge to look at them, and running
one twice does no harm. A worker dying in the middle of a task leaves the task's row `RUNNING` for ever: the database
backend has no timeout that would hand it to another worker (docs/decisions/0023). So each task takes a lease on what
it sends (`locked_until`, renewed before each send) and, in the same write, enqueues itself again for just after the
lease. If it finishes, that later run finds nothing to do; if it died, that later run finds the lease expired and
sends what is still due. A run that finds the lease held ends: the holder's follow-up run covers it, and each commit
that made work enqueues a run for after a lease too (services.kick), for work that arrived as the holder finished.
"""

import logging
import time
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from mechanic_shop.events import outbound, signing
from mechanic_shop.events.models import OutgoingEmail, Webhook, WebhookDelivery
from mechanic_shop.events.services import _enqueue, event_body, lease_seconds, retry_schedule

logger = logging.getLogger(__name__)
Delivery = WebhookDelivery.Status


def _take_lease(model: type[Webhook] | type[OutgoingEmail], pk: int, task_name: str) -> datetime | None:
    """Take the row's lease (None when another worker holds it) and enqueue the follow-up run for just after it, in
    one transaction."""
    now = timezone.now()
    until = now + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        taken = model.objects.filter(pk=pk).filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        if taken.update(locked_until=until):
            _enqueue(task_name, pk, until + timedelta(seconds=1))
            return until
        # Held: the holder's own follow-up run (enqueued with each lease it takes) looks again after it.
        return None


def _renew(model: type[Webhook] | type[OutgoingEmail], pk: int, lease: datetime) -> datetime | None:
    """Extend our lease before a send; None if it was lost (it ran out and another worker took it)."""
    until = timezone.now() + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        if not model.objects.filter(pk=pk, locked_until=lease).update(locked_until=until):
            return None
        _enqueue("deliver_webhook" if model is Webhook else "send_email", pk, until + timedelta(seconds=1))
    return until


def _release(model: type[Webhook] | type[OutgoingEmail], pk: int, lease: datetime) -> None:
    model.objects.filter(pk=pk, locked_until=lease).update(locked_until=None)


def _next_delivery(webhook_id: int) -> WebhookDelivery | None:
    """The webhook's first pending delivery in event order (then attempt order)."""
    return (
        WebhookDelivery.objects.filter(webhook_id=webhook_id, status=Delivery.PENDING)
        .select_related("event")
        .order_by("event_id", "attempt", "id")
        .first()
    )


def _attempt(webhook: Webhook, delivery: WebhookDelivery) -> None:
    """Send one delivery and record how it went; schedule the next attempt, or fail it after the last."""
    body = event_body(delivery.event)
    timestamp = int(time.time())
    headers = signing.headers(webhook.secret, str(delivery.event_id), timestamp, body)
    started = time.monotonic()
    status_code, error = None, ""
    try:
        status_code = outbound.post(webhook.url, body, headers)
        if not 200 <= status_code < 300:
            error = f"The endpoint answered {status_code}."
    except outbound.UnsafeURL as exc:
        error = str(exc)
    except (OSError, outbound.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    delivery.response_status = status_code
    delivery.error = error[:2000]
    schedule = retry_schedule()
    with transaction.atomic():
        if not error:
            delivery.status = Delivery.DELIVERED
            delivery.next_attempt_at = None
        elif delivery.attempt <= len(schedule):
            delivery.status = Delivery.RETRYING
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=schedule[delivery.attempt - 1])
            WebhookDelivery.objects.create(
                webhook_id=webhook.pk,
                event_id=delivery.event_id,
                attempt=delivery.attempt + 1,
                next_attempt_at=delivery.next_attempt_at,
            )
        else:
            delivery.status = Delivery.FAILED
            delivery.next_attempt_at = None
        delivery.save(
            update_fields=["status", "response_status", "error", "duration_ms", "next_attempt_at", "updated_at"]
        )


@task()
def deliver_webhook(webhook_id: int) -> str:
    """Send the webhook's due deliveries, one at a time, in event order. A delivery waiting for its retry holds
    back the ones after it: the run ends and comes back at its time."""
    head = _next_delivery(webhook_id)
    if head is None:
        return "nothing pending"
    lease = _take_lease(Webhook, webhook_id, "deliver_webhook")
    if lease is None:
        return "another worker is sending"
    sent = 0
    try:
        while True:
            webhook = Webhook.objects.filter(pk=webhook_id).first()
            head = _next_delivery(webhook_id)
            if webhook is None or head is None:
                return f"sent {sent}"
            if not webhook.is_active:
                return f"sent {sent}; webhook inactive"
            if head.next_attempt_at is not None and head.next_attempt_at > timezone.now():
                _enqueue("deliver_webhook", webhook_id, head.next_attempt_at)
                return f"sent {sent}; next at {head.next_attempt_at.isoformat()}"
            renewed = _renew(Webhook, webhook_id, lease)
            if renewed is None:
                return f"sent {sent}; lease lost"
            lease = renewed
            _attempt(webhook, head)
            sent += 1
    finally:
        _release(Webhook, webhook_id, lease)


@task()
def send_email(email_id: int) -> str:
    """Send one queued e-mail; on failure retry it on WEBHOOK_RETRY_SCHEDULE, then mark it failed."""
    now = timezone.now()
    email = OutgoingEmail.objects.filter(
        pk=email_id, status__in=[OutgoingEmail.Status.PENDING, OutgoingEmail.Status.RETRYING]
    ).first()
    if email is None:
        return "nothing to send"
    if email.next_attempt_at > now:
        _enqueue("send_email", email_id, email.next_attempt_at)
        return "not yet"
    lease = _take_lease(OutgoingEmail, email_id, "send_email")
    if lease is None:
        return "another worker is sending"
    try:
        message = EmailMultiAlternatives(subject=email.subject, body=email.text_body, to=[email.to])
        if email.html_body:
            message.attach_alternative(email.html_body, "text/html")
        error = ""
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001  (any backend's failure is retried)
            error = f"{type(exc).__name__}: {exc}"
            logger.warning("E-mail %s not sent: %s", email_id, error)
        email.attempts += 1
        email.error = error[:2000]
        schedule = retry_schedule()
        if not error:
            email.status, email.sent_at = OutgoingEmail.Status.SENT, timezone.now()
        elif email.attempts <= len(schedule):
            email.status = OutgoingEmail.Status.RETRYING
            email.next_attempt_at = timezone.now() + timedelta(seconds=schedule[email.attempts - 1])
            _enqueue("send_email", email_id, email.next_attempt_at)
        else:
            email.status = OutgoingEmail.Status.FAILED
        email.save(update_fields=["status", "sent_at", "attempts", "error", "next_attempt_at"])
        return email.status
    finally:
        _release(OutgoingEmail, email_id, lease)
