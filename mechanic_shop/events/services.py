"""Writing events, webhooks and outgoing e-mail. Every change of the shop that has an event calls `record_event` from
its service, inside the service's transaction: the event, and a pending delivery for every active webhook that takes
its type, commit or roll back with the change. The tasks that send them are enqueued only when it commits.
"""

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, token_role
from mechanic_shop.api.fields import iso_timestamp
from mechanic_shop.core.actors import current_request, explicit_actor
from mechanic_shop.core.generations import bump_generation, current_generation, in_process_cache
from mechanic_shop.events import outbound, signing
from mechanic_shop.events.models import Event, OutgoingEmail, Webhook, WebhookDelivery

ActorKind = Event.ActorKind
Delivery = WebhookDelivery.Status

TICKET_EVENT_TYPES = (
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "ticket.mechanic_assigned",
    "ticket.mechanic_removed",
    "ticket.part_added",
    "ticket.part_removed",
    "ticket.labor_changed",
    "ticket.clock_in",
    "ticket.clock_out",
    "estimate.sent",
    "estimate.approved",
    "estimate.declined",
    "ticket.deleted",
)
EVENT_TYPES = (*TICKET_EVENT_TYPES, "part.low_stock", "purchase_order.received")
PING = "webhook.ping"
# What a ticket's customer sees of its timeline.
CUSTOMER_VISIBLE_TYPES = ("ticket.status_changed", "estimate.sent", "estimate.approved", "estimate.declined")


def current_actor() -> tuple[str, int | None]:
    """(kind, id) of whoever makes the change: set by `acting_as`, else the request's caller, else the system."""
    explicit = explicit_actor.get()
    if explicit is not None:
        return explicit
    request = current_request.get()
    if request is None:
        return ActorKind.SYSTEM, None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ActorKind.PUBLIC, None
    if token_role(request) == ROLE_CUSTOMER:  # type: ignore[arg-type]
        customer = getattr(request, "_shop_customer", None) or getattr(user, "customer", None)
        return ActorKind.CUSTOMER, getattr(customer, "pk", None)
    if user.is_staff:
        return ActorKind.STAFF, user.pk
    return ActorKind.PUBLIC, None


def jsonable(value: Any) -> Any:
    """A value as an event's data holds it: dates ISO 8601, money as a string with two decimals."""
    if isinstance(value, datetime):
        return iso_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


# --- The active webhooks, remembered between changes --------------------------------------------------------------
# Every change reads which webhooks take its event; they change rarely, so each process keeps the last answer under
# a generation (mechanic_shop/core/generations.py) that every save or delete of a webhook bumps (signals, below), and
# that `flush` bumps too (post_migrate). The answer is kept only once the transaction that read it commits, so a
# rolled-back webhook is never remembered. Changing webhooks with raw SQL needs `bump_webhooks()` afterwards.

WEBHOOKS_GENERATION = "webhooks:generation"
_remembered: tuple[int, list[tuple[int, list[str]]]] | None = None


def bump_webhooks(**_: Any) -> None:
    bump_generation(WEBHOOKS_GENERATION)


def forget_webhooks() -> None:
    """Drop this process's remembered webhooks (the test suite does, between tests that roll back)."""
    global _remembered
    _remembered = None


def active_webhooks() -> list[tuple[int, list[str]]]:
    """(id, event types) of every active webhook."""
    global _remembered
    generation = current_generation(WEBHOOKS_GENERATION)
    # A shared cache's generations start from the clock, so 0 there means it could not answer (Redis down): then a
    # bump could be missed too, and nothing is remembered until it answers again.
    if generation == 0 and not in_process_cache():
        return list(Webhook.objects.filter(is_active=True).order_by("id").values_list("id", "events"))
    remembered = _remembered
    if remembered is not None and remembered[0] == generation:
        return remembered[1]
    active = list(Webhook.objects.filter(is_active=True).order_by("id").values_list("id", "events"))

    def remember() -> None:
        global _remembered
        _remembered = (generation, active)

    transaction.on_commit(remember)
    return active


def record_event(
    *,
    type: str,  # noqa: A002  (the contract's word)
    ticket_id: int | None = None,
    data: dict[str, Any] | None = None,
    actor: tuple[str, int | None] | None = None,
    webhooks: "Iterable[Webhook] | None" = None,
) -> Event:
    """Write an event in the caller's transaction, with a pending delivery to each active webhook taking its type
    (or to `webhooks` only); their sending is enqueued when the transaction commits."""
    kind, actor_id = actor or current_actor()
    event = Event.objects.create(
        type=type, ticket_id=ticket_id, actor_kind=kind, actor_id=actor_id, data=jsonable(data or {})
    )
    targets = (
        [pk for pk, events in active_webhooks() if "*" in events or type in events]
        if webhooks is None
        else [w.pk for w in webhooks]
    )
    if targets:
        now = timezone.now()
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(webhook_id=pk, event=event, next_attempt_at=now) for pk in targets]
        )
        for pk in targets:
            kick_webhook(pk)
    return event


# An event's columns as `event_row_json` reads them from `values()`.
EVENT_COLUMNS = ("id", "type", "ticket_id", "created_at", "actor_kind", "actor_id", "data")


def event_row_json(row: Mapping[str, Any], *, for_customer: bool = False) -> dict[str, Any]:
    """The event as the API and the webhooks show it, from its row (`values(*EVENT_COLUMNS)`). A customer sees no staff
    member's id."""
    actor_id = row["actor_id"]
    if for_customer and row["actor_kind"] != ActorKind.CUSTOMER:
        actor_id = None
    created_at = iso_timestamp(row["created_at"])
    return {
        "id": row["id"],
        "type": row["type"],
        "ticket_id": row["ticket_id"],
        "created_at": created_at,
        "updated_at": created_at,  # an event never changes
        "actor": {"kind": row["actor_kind"], "id": actor_id},
        "data": row["data"],
    }


def event_json(event: Event, *, for_customer: bool = False) -> dict[str, Any]:
    """`event_row_json` of an Event instance."""
    return event_row_json({column: getattr(event, column) for column in EVENT_COLUMNS}, for_customer=for_customer)


def event_body(event: Event) -> bytes:
    return json.dumps(event_json(event), separators=(",", ":"), ensure_ascii=False).encode()


# --- Enqueuing the sending, on commit -------------------------------------------------------------------------------


def retry_schedule() -> list[int]:
    return list(settings.WEBHOOK_RETRY_SCHEDULE)


def lease_seconds() -> int:
    return int(settings.OUTBOX_LEASE_SECONDS)


def _enqueue(task_name: str, arg: int, at: datetime | None = None) -> None:
    from mechanic_shop.events import tasks  # the tasks import this module

    task = getattr(tasks, task_name)
    if at is not None and at > timezone.now():
        task = task.using(run_after=at)
    task.enqueue(arg)


def kick(task_name: str, arg: int) -> None:
    """When the current transaction commits, run `task_name(arg)` now, and once more after a lease: should the worker
    running the first die before it could take its lease, the second picks the work up (tasks.py)."""

    def enqueue() -> None:
        _enqueue(task_name, arg)
        _enqueue(task_name, arg, timezone.now() + timedelta(seconds=lease_seconds() + 1))

    transaction.on_commit(enqueue)


def kick_webhook(webhook_id: int) -> None:
    kick("deliver_webhook", webhook_id)


# --- Webhooks -------------------------------------------------------------------------------------------------------


def check_events(events: Any) -> list[str]:
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise ValidationError({"events": ['A non-empty list of event types, or ["*"] for all of them.']})
    unknown = sorted(set(events) - {"*", *EVENT_TYPES})
    if unknown:
        raise ValidationError({"events": [f"Unknown event type(s): {', '.join(unknown)}."]})
    return ["*"] if "*" in events else list(dict.fromkeys(events))


def check_url(url: str) -> None:
    try:
        outbound.check_url(url)
    except outbound.UnsafeURL as exc:
        raise ValidationError({"url": [str(exc)]}) from exc


@transaction.atomic
def webhook_create(*, url: str, events: list[str], is_active: bool = True, description: str = "") -> Webhook:
    """Register an endpoint; its secret is made here and shown to the caller once."""
    check_url(url)
    return Webhook.objects.create(
        url=url, events=check_events(events), is_active=is_active, description=description, secret=signing.new_secret()
    )


@transaction.atomic
def webhook_update(*, webhook: Webhook, **changes: Any) -> Webhook:
    """Change a webhook's url, events, is_active or description; reactivated, it sends what waits."""
    if "url" in changes:
        check_url(changes["url"])
    if "events" in changes:
        changes["events"] = check_events(changes["events"])
    for field, value in changes.items():
        setattr(webhook, field, value)
    webhook.save(update_fields=[*changes, "updated_at"])
    if webhook.is_active:
        kick_webhook(webhook.pk)
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    """Delete a webhook and its delivery log."""
    webhook.delete()


@transaction.atomic
def webhook_rotate_secret(*, webhook: Webhook) -> Webhook:
    """A new secret, shown once; the old one stops signing at once."""
    webhook.secret = signing.new_secret()
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the delivery's event to its webhook again, now: a new attempt after the last one made."""
    last = WebhookDelivery.objects.filter(webhook_id=delivery.webhook_id, event_id=delivery.event_id).order_by(
        "-attempt"
    )[0]
    again = WebhookDelivery.objects.create(
        webhook_id=delivery.webhook_id,
        event_id=delivery.event_id,
        attempt=last.attempt + 1,
        next_attempt_at=timezone.now(),
    )
    kick_webhook(delivery.webhook_id)
    return again


@transaction.atomic
def webhook_ping(*, webhook: Webhook) -> Event:
    """Send a `webhook.ping` event to this webhook only."""
    return record_event(type=PING, data={"webhook_id": webhook.pk}, webhooks=[webhook])


# --- E-mail ---------------------------------------------------------------------------------------------------------


def email_enqueue(
    *, to: str, subject: str, text_body: str, html_body: str = "", ticket_id: int | None = None
) -> OutgoingEmail:
    """Queue a message in the caller's transaction; a task sends it once that commits, retrying on failure."""
    email = OutgoingEmail.objects.create(
        to=to, subject=subject[:200], text_body=text_body, html_body=html_body, ticket_id=ticket_id
    )
    kick("send_email", email.pk)
    return email
