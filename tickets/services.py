"""The rules of service tickets: status changes, mechanics, and stock moving between parts and tickets.

The API views, the admin and the management commands all call these, so no path can break stock or the status
lifecycle. Each service runs in one transaction and first locks the ticket's row, so concurrent changes to one
ticket run one at a time (on SQLite, `BEGIN IMMEDIATE` serializes writers instead). Stock moves only through
inventory's services (inventory/services.py), which never let it go below zero.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from customers.models import Customer
from inventory.models import Part
from inventory.services import part_return_stock, part_take_stock
from mechanic_shop.core.exceptions import Conflict
from mechanic_shop.core.generations import bump_generation, cached_count, count_generation_key
from mechanics.models import Mechanic
from tickets.models import ServiceTicket, TicketMechanic, TicketPart

Status = ServiceTicket.Status
# The total of every ticket changes only in ticket_create and ticket_delete (and seed_shop), which bump this.
ALL_TICKETS_COUNT_KEY = count_generation_key("tickets")


def ticket_count_all() -> int:
    """How many tickets there are, from the cache unless a ticket was created or deleted since it was counted."""
    return cached_count("tickets", ServiceTicket.objects.all())


# Keyed by the plain string a ticket's `status` holds (Status members are strings).
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Status.OPEN: {Status.IN_PROGRESS, Status.CANCELLED},
    Status.IN_PROGRESS: {Status.COMPLETED, Status.CANCELLED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
}


def _lock(ticket: ServiceTicket) -> ServiceTicket:
    """Lock the ticket's row and bring the caller's copy up to date with it.

    The copy may be stale (read before a concurrent change committed): every field is taken from the locked row,
    so what the service then saves is this change on top of the latest one, never an older state written back.
    A ticket deleted meanwhile is a 404.
    """
    try:
        locked = ServiceTicket.objects.select_for_update().get(pk=ticket.pk)
    except ServiceTicket.DoesNotExist as exc:
        raise Http404(f"Ticket #{ticket.pk} no longer exists.") from exc
    for field in ServiceTicket._meta.concrete_fields:
        setattr(ticket, field.attname, getattr(locked, field.attname))
    return ticket


def _touch(ticket: ServiceTicket) -> None:
    """Mark the ticket changed: its mechanics, parts and totals are part of what a client reads."""
    ticket.updated_at = timezone.now()
    ServiceTicket.objects.filter(pk=ticket.pk).update(updated_at=ticket.updated_at)


def _lock_open(ticket: ServiceTicket, what: str) -> ServiceTicket:
    _lock(ticket)
    if ticket.is_closed:
        raise Conflict(f"Ticket #{ticket.pk} is {ticket.status}; its {what} can no longer change.")
    return ticket


def _check_dates(service_date: date, pickup_date: date | None) -> None:
    if pickup_date is not None and pickup_date < service_date:
        raise ValidationError({"pickup_date": ["The pickup date cannot be before the service date."]})


def _active_mechanics(ids: Iterable[int], field: str) -> list[Mechanic]:
    ids = sorted(set(ids))
    mechanics = list(Mechanic.objects.filter(pk__in=ids).only("id", "name", "is_active"))
    unknown = sorted(set(ids) - {m.pk for m in mechanics})
    if unknown:
        raise ValidationError({field: [f"Unknown mechanic id(s): {', '.join(map(str, unknown))}."]})
    inactive = sorted(m.pk for m in mechanics if not m.is_active)
    if inactive:
        raise ValidationError(
            {field: [f"Inactive mechanic id(s) cannot be assigned: {', '.join(map(str, inactive))}."]}
        )
    return mechanics


def _return_parts(ticket: ServiceTicket) -> None:
    """Give every part line of the ticket back to stock and drop the lines."""
    part_return_stock(returns=ticket.lines.values_list("part_id", "quantity"))
    ticket.lines.all().delete()


@transaction.atomic
def ticket_create(
    *,
    customer: Customer,
    vin: str,
    service_date: date,
    description: str,
    mechanic_ids: Iterable[int] = (),
    labor_cost: Decimal = Decimal("0.00"),
    pickup_date: date | None = None,
) -> ServiceTicket:
    """Open a ticket for `customer` with the given mechanics (all must exist and be active)."""
    _check_dates(service_date, pickup_date)
    mechanics = _active_mechanics(mechanic_ids, "mechanic_ids")
    ticket = ServiceTicket.objects.create(
        customer=customer,
        vin=vin.upper(),
        service_date=service_date,
        description=description,
        labor_cost=labor_cost,
        pickup_date=pickup_date,
        status=Status.OPEN,
    )
    TicketMechanic.objects.bulk_create([TicketMechanic(ticket=ticket, mechanic=m) for m in mechanics])
    bump_generation(ALL_TICKETS_COUNT_KEY)
    return ticket


def _apply_status(ticket: ServiceTicket, status: str) -> None:
    if status == ticket.status:
        return
    if status not in ALLOWED_TRANSITIONS[ticket.status]:
        allowed = [value for value in Status.values if value in ALLOWED_TRANSITIONS[ticket.status]]
        then = f"from {ticket.status} it can only go to {' or '.join(allowed)}" if allowed else "it is closed"
        raise ValidationError({"status": [f"A ticket cannot go from {ticket.status} to {status}: {then}."]})
    if status == Status.COMPLETED:
        ticket.completed_at = timezone.now()
        mechanic_ids = list(ticket.mechanic_links.values_list("mechanic_id", flat=True))
        Mechanic.objects.filter(pk__in=mechanic_ids).update(completed_ticket_count=F("completed_ticket_count") + 1)
    elif status == Status.CANCELLED:
        _return_parts(ticket)
    ticket.status = status


@transaction.atomic
def ticket_set_status(*, ticket: ServiceTicket, status: str) -> ServiceTicket:
    """Move `ticket` along open → in_progress → completed, or to cancelled (which returns its parts)."""
    _lock(ticket)
    _apply_status(ticket, status)
    ticket.save(update_fields=["status", "completed_at", "updated_at"])
    return ticket


@transaction.atomic
def ticket_update(*, ticket: ServiceTicket, **changes: Any) -> ServiceTicket:
    """Change a ticket's fields; a `status` among them follows the lifecycle rules."""
    _lock(ticket)
    status = changes.pop("status", None)
    for field, value in changes.items():
        setattr(ticket, field, value)
    if "vin" in changes:
        ticket.vin = ticket.vin.upper()
    _check_dates(ticket.service_date, ticket.pickup_date)
    if status is not None:
        _apply_status(ticket, status)
    ticket.save(update_fields=[*changes, "status", "completed_at", "updated_at"])
    return ticket


@transaction.atomic
def ticket_delete(*, ticket: ServiceTicket) -> None:
    """Delete a ticket that is not completed, giving its parts back to stock."""
    _lock(ticket)
    if ticket.status == Status.COMPLETED:
        raise Conflict(f"Ticket #{ticket.pk} is completed and is kept as the shop's history; it cannot be deleted.")
    _return_parts(ticket)
    ticket.delete()
    bump_generation(ALL_TICKETS_COUNT_KEY)


@transaction.atomic
def ticket_edit_mechanics(
    *, ticket: ServiceTicket, add_ids: Iterable[int] = (), remove_ids: Iterable[int] = ()
) -> ServiceTicket:
    """Add and remove mechanics in one step: all of it, or on any error nothing."""
    return _edit_mechanics(ticket, add_ids, remove_ids)


def _edit_mechanics(
    ticket: ServiceTicket,
    add_ids: Iterable[int],
    remove_ids: Iterable[int],
    add_field: str = "add_ids",
    remove_field: str = "remove_ids",
) -> ServiceTicket:
    """ticket_edit_mechanics, with errors keyed by what the caller's request holds (`mechanic_id` for one)."""
    add_ids, remove_ids = set(add_ids), set(remove_ids)
    both = sorted(add_ids & remove_ids)
    if both:
        raise ValidationError({"non_field_errors": [f"Mechanic id(s) both added and removed: {both}."]})
    _lock_open(ticket, "mechanics")
    unknown_removed = sorted(remove_ids - set(Mechanic.objects.filter(pk__in=remove_ids).values_list("pk", flat=True)))
    if unknown_removed:
        raise ValidationError({remove_field: [f"Unknown mechanic id(s): {', '.join(map(str, unknown_removed))}."]})
    to_add = _active_mechanics(add_ids, add_field)
    ticket.mechanic_links.filter(mechanic_id__in=remove_ids).delete()
    TicketMechanic.objects.bulk_create(
        [TicketMechanic(ticket=ticket, mechanic=m) for m in to_add], ignore_conflicts=True
    )
    _touch(ticket)
    return ticket


@transaction.atomic
def ticket_assign_mechanic(*, ticket: ServiceTicket, mechanic: Mechanic) -> ServiceTicket:
    """Put one active mechanic on an open ticket; already assigned is fine."""
    return _edit_mechanics(ticket, [mechanic.pk], (), add_field="mechanic_id")


@transaction.atomic
def ticket_remove_mechanic(*, ticket: ServiceTicket, mechanic: Mechanic) -> ServiceTicket:
    """Take one mechanic off an open ticket; not assigned is fine."""
    return _edit_mechanics(ticket, (), [mechanic.pk], remove_field="mechanic_id")


@transaction.atomic
def ticket_add_part(*, ticket: ServiceTicket, part: Part, quantity: int = 1) -> TicketPart:
    """Move `quantity` units of `part` from stock onto an open ticket."""
    _lock_open(ticket, "parts")
    part_take_stock(part=part, quantity=quantity)
    _touch(ticket)
    line = ticket.lines.filter(part=part).first()
    if line is None:
        price = Part.objects.filter(pk=part.pk).values_list("price", flat=True).get()
        return TicketPart.objects.create(ticket=ticket, part=part, quantity=quantity, unit_price=price)
    TicketPart.objects.filter(pk=line.pk).update(quantity=F("quantity") + quantity)
    line.refresh_from_db(fields=["quantity"])
    return line


@transaction.atomic
def ticket_remove_part(*, ticket: ServiceTicket, part: Part, quantity: int | None = None) -> TicketPart | None:
    """Give `quantity` units (default: all) of `part` back from an open ticket to stock."""
    _lock_open(ticket, "parts")
    line = ticket.lines.filter(part=part).first()
    if line is None:
        raise Http404(f"Part {part.pk} is not on ticket #{ticket.pk}.")
    quantity = line.quantity if quantity is None else quantity
    if quantity > line.quantity:
        raise ValidationError(
            {"quantity": [f"Only {line.quantity} of {part.name} are on this ticket; cannot remove {quantity}."]}
        )
    part_return_stock(returns=[(part.pk, quantity)])
    _touch(ticket)
    if quantity == line.quantity:
        line.delete()
        return None
    TicketPart.objects.filter(pk=line.pk).update(quantity=F("quantity") - quantity)
    line.refresh_from_db(fields=["quantity"])
    return line
