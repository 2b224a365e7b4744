"""The rules of service tickets: status changes, mechanics, stock moving between parts and tickets, and the vehicle
each ticket is about.

The API views, the admin and the management commands all call these, so no path can break stock or the status
lifecycle. Each service runs in one transaction and first locks the ticket's row, so concurrent changes to one
ticket run one at a time (on SQLite, `BEGIN IMMEDIATE` serializes writers instead). Stock moves only through
inventory's services (inventory/services.py), which never let it go below zero.

Every ticket has a vehicle, and `ticket.vin` is always its vehicle's VIN. A write that changes what a vehicle's
summary counts (a ticket created, deleted, moved to another vehicle, or its service date or mileage changed) locks
the vehicle rows concerned, in id order (so two writes never wait on each other in a cycle), checks the mileage
order under that lock and recomputes the summary (`odometer`, `ticket_count`, `last_service_date`) from the
tickets in the same transaction: no read-modify-write race, whatever the number of workers.

Every change writes its event(s) (`record_event`, mechanic_shop/events) in its own transaction: a change that rolls
back writes none. A status change also keeps the ticket's `status_since` and `stage_durations`, and queues the
customer's e-mail (tickets/notifications.py).
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.http import Http404
from django.utils import timezone

from customers.models import Customer, Vehicle
from customers.services import vehicle_for_ticket
from inventory.models import Part
from inventory.services import part_return_stock, part_take_stock
from mechanic_shop.core.exceptions import Conflict
from mechanic_shop.core.generations import bump_generation, cached_count, count_generation_key
from mechanic_shop.events.services import record_event
from mechanics.models import Mechanic
from tickets.leaderboard import leaderboard_changed, record_completed_work
from tickets.models import MAX_MILEAGE, Estimate, LaborLine, ServiceTicket, TicketMechanic, TicketPart, TimeEntry
from tickets.notifications import notify_status_changed

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


def _return_parts(ticket: ServiceTicket, by: Any = None) -> None:
    """Give every part line of the ticket back to stock (a `ticket` movement each) and drop the lines."""
    part_return_stock(returns=ticket.lines.values_list("part_id", "quantity"), ticket_id=ticket.pk, by=by)
    ticket.lines.all().delete()


MILEAGE_FIELDS = ("mileage_in", "mileage_out")
# The ticket fields a vehicle's summary and mileage order depend on (besides the vehicle itself).
SUMMARY_FIELDS = frozenset({"service_date", *MILEAGE_FIELDS})


def _ticket_vehicle(*, customer: Customer, vin: str | None, vehicle: Vehicle | None) -> Vehicle:
    """The vehicle a ticket names: `vehicle` (sent as vehicle_id), else the one with `vin`, created for `customer`
    when there is none. Both, for two different vehicles, is a ValidationError."""
    if vehicle is not None:
        if vin is not None and vin.strip().upper() != vehicle.vin:
            raise ValidationError(
                {
                    "vehicle_id": [
                        f"Vehicle {vehicle.pk} has the VIN {vehicle.vin}, not {vin.strip().upper()}: "
                        "send vin or vehicle_id, or both for the same vehicle."
                    ]
                }
            )
        return vehicle
    if vin is None:
        raise ValidationError({"vin": ["Send vin or vehicle_id: the vehicle this ticket is about."]})
    return vehicle_for_ticket(vin=vin.strip().upper(), customer=customer)


def _lock_vehicles(*ids: int | None) -> dict[int, Vehicle]:
    """Lock the vehicles' rows one by one in id order (a fixed order, so two writes never wait on each other in a
    cycle) and return them as they are now. A vehicle deleted meanwhile is a ValidationError on vehicle_id."""
    locked: dict[int, Vehicle] = {}
    for pk in sorted({pk for pk in ids if pk is not None}):
        vehicle = Vehicle.objects.select_for_update().filter(pk=pk).first()
        if vehicle is None:
            raise ValidationError({"vehicle_id": [f"Vehicle {pk} no longer exists."]})
        locked[pk] = vehicle
    return locked


def _check_mileage(
    *,
    vehicle_id: int,
    ticket_pk: int | None,
    service_date: date,
    readings: dict[str, int | None],
    changed: Iterable[str],
    blame: str,
) -> None:
    """Mileage out is not below mileage in, and, taken in service_date order (then ticket id), the vehicle's recorded
    mileages never go down: each reading is at least the highest on the vehicle's earlier tickets and at most the
    lowest on its later ones. Run under the vehicle's lock. An error names the reading's field when the caller
    changed it, else `blame` (the service date or vehicle that moved the ticket among the others)."""
    mileage_in, mileage_out = readings.get("mileage_in"), readings.get("mileage_out")
    if mileage_in is not None and mileage_out is not None and mileage_out < mileage_in:
        raise ValidationError(
            {"mileage_out": [f"The mileage out ({mileage_out}) cannot be below the mileage in ({mileage_in})."]}
        )
    sent = {field: value for field, value in readings.items() if value is not None}
    if not sent:
        return
    others = ServiceTicket.objects.filter(vehicle_id=vehicle_id)
    if ticket_pk is None:
        earlier = Q(service_date__lte=service_date)  # a new ticket's id comes after every other ticket's
    else:
        others = others.exclude(pk=ticket_pk)
        earlier = Q(service_date__lt=service_date) | Q(service_date=service_date, pk__lt=ticket_pk)
    bounds = others.aggregate(
        before_in=Max("mileage_in", filter=earlier),
        before_out=Max("mileage_out", filter=earlier),
        after_in=Min("mileage_in", filter=~earlier),
        after_out=Min("mileage_out", filter=~earlier),
    )
    highest_before = max((m for m in (bounds["before_in"], bounds["before_out"]) if m is not None), default=None)
    lowest_after = min((m for m in (bounds["after_in"], bounds["after_out"]) if m is not None), default=None)
    changed_fields = set(changed)
    errors: dict[str, list[str]] = {}
    for field, value in sent.items():
        name = field.replace("_", " ")
        if highest_before is not None and value < highest_before:
            message = (
                f"The {name} ({value}) is below {highest_before}, recorded on an earlier visit of this vehicle: "
                "a vehicle's mileage never goes down."
            )
        elif lowest_after is not None and value > lowest_after:
            message = (
                f"The {name} ({value}) is above {lowest_after}, recorded on a later visit of this vehicle: "
                "a vehicle's mileage never goes down."
            )
        else:
            continue
        errors.setdefault(field if field in changed_fields else blame, []).append(message)
    if errors:
        raise ValidationError(errors)


def _vehicle_refresh(vehicle_id: int) -> None:
    """Recompute the vehicle's summary from its tickets (one aggregate, one update); run under its lock."""
    summary = ServiceTicket.objects.filter(vehicle_id=vehicle_id).aggregate(
        ticket_count=Count("pk"),
        last_service_date=Max("service_date"),
        top_in=Max("mileage_in"),
        top_out=Max("mileage_out"),
    )
    readings = [m for m in (summary.pop("top_in"), summary.pop("top_out")) if m is not None]
    Vehicle.objects.filter(pk=vehicle_id).update(
        odometer=max(readings, default=None), updated_at=timezone.now(), **summary
    )


@transaction.atomic
def ticket_create(
    *,
    customer: Customer,
    service_date: date,
    description: str,
    vin: str | None = None,
    vehicle: Vehicle | None = None,
    mileage_in: int | None = None,
    mileage_out: int | None = None,
    mechanic_ids: Iterable[int] = (),
    labor_cost: Decimal = Decimal("0.00"),
    pickup_date: date | None = None,
    approval_required: bool | None = None,
) -> ServiceTicket:
    """Open a ticket for `customer` with the given mechanics (all must exist and be active), about `vehicle`, or the
    vehicle with `vin` (created for `customer` when there is none)."""
    _check_dates(service_date, pickup_date)
    _check_mileage_range(mileage_in=mileage_in, mileage_out=mileage_out)
    mechanics = _active_mechanics(mechanic_ids, "mechanic_ids")
    vehicle = _ticket_vehicle(customer=customer, vin=vin, vehicle=vehicle)
    locked = _lock_vehicles(vehicle.pk)[vehicle.pk]
    _check_mileage(
        vehicle_id=locked.pk,
        ticket_pk=None,
        service_date=service_date,
        readings={"mileage_in": mileage_in, "mileage_out": mileage_out},
        changed=MILEAGE_FIELDS,
        blame="service_date",
    )
    now = timezone.now()
    ticket = ServiceTicket.objects.create(
        created_at=now,
        status_since=now,
        customer=customer,
        vehicle=locked,
        vin=locked.vin,  # as the locked row has it: a VIN corrected meanwhile is the one its tickets carry
        service_date=service_date,
        description=description,
        mileage_in=mileage_in,
        mileage_out=mileage_out,
        labor_cost=labor_cost,
        pickup_date=pickup_date,
        status=Status.OPEN,
        approval_required=settings.APPROVAL_REQUIRED if approval_required is None else approval_required,
    )
    TicketMechanic.objects.bulk_create([TicketMechanic(ticket=ticket, mechanic=m) for m in mechanics])
    _vehicle_refresh(locked.pk)
    bump_generation(ALL_TICKETS_COUNT_KEY)
    record_event(
        type="ticket.created",
        ticket_id=ticket.pk,
        data={
            "status": ticket.status,
            "customer_id": customer.pk,
            "vehicle_id": locked.pk,
            "vin": ticket.vin,
            "service_date": service_date,
            "mechanic_ids": [m.pk for m in mechanics],
        },
    )
    return ticket


def _check_mileage_range(**readings: int | None) -> None:
    """Each reading 0 to MAX_MILEAGE (the serializers say so too; the admin and commands come here directly)."""
    errors = {
        field: [f"Enter a mileage from 0 to {MAX_MILEAGE:,}."]
        for field, value in readings.items()
        if value is not None and not 0 <= value <= MAX_MILEAGE
    }
    if errors:
        raise ValidationError(errors)


def latest_approved_total(ticket: ServiceTicket) -> Decimal | None:
    """The approved_total of the ticket's latest approved estimate, or None (tickets/estimates.py)."""
    return (
        Estimate.objects.filter(ticket_id=ticket.pk, status=Estimate.Status.APPROVED)
        .order_by("-created_at", "-id")
        .values_list("approved_total", flat=True)
        .first()
    )


def _check_approval(ticket: ServiceTicket, status: str) -> None:
    """A ticket that requires approval starts (or takes a clock-in) only once an estimate is approved, and completes
    only while its total is within the latest approved total. Run under the ticket's lock."""
    if not ticket.approval_required or status not in (Status.IN_PROGRESS, Status.COMPLETED):
        return
    approved = latest_approved_total(ticket)
    if approved is None:
        raise Conflict(f"Ticket #{ticket.pk} needs an approved estimate before the work starts: send one.")
    if status == Status.COMPLETED and ticket.total_cost > approved:
        raise Conflict(
            f"Ticket #{ticket.pk} totals {ticket.total_cost}, above the {approved} the customer approved: "
            "send a new estimate."
        )


def _apply_status(ticket: ServiceTicket, status: str, by: Any = None) -> None:
    if status == ticket.status:
        return
    if status not in ALLOWED_TRANSITIONS[ticket.status]:
        allowed = [value for value in Status.values if value in ALLOWED_TRANSITIONS[ticket.status]]
        then = f"from {ticket.status} it can only go to {' or '.join(allowed)}" if allowed else "it is closed"
        raise ValidationError({"status": [f"A ticket cannot go from {ticket.status} to {status}: {then}."]})
    _check_approval(ticket, status)
    # Closing a ticket stops the clock on it, at the moment it closes (the time clock, below).
    closed_at: datetime | None = None
    if status == Status.COMPLETED:
        ticket.completed_at = closed_at = _end_open_entries(ticket)
        mechanic_ids = list(ticket.mechanic_links.values_list("mechanic_id", flat=True))
        Mechanic.objects.filter(pk__in=mechanic_ids).update(completed_ticket_count=F("completed_ticket_count") + 1)
        # Its clocked time and labor lines now count on the efficiency leaderboard, and never change again.
        record_completed_work({ticket.pk: closed_at})
        leaderboard_changed()
    elif status == Status.CANCELLED:
        closed_at = _end_open_entries(ticket)
        _return_parts(ticket, by)
    now = closed_at or timezone.now()
    previous = ticket.status
    durations = dict(ticket.stage_durations or {})
    durations[previous] = durations.get(previous, 0) + max(0, round((now - ticket.status_since).total_seconds()))
    ticket.stage_durations, ticket.status_since, ticket.status = durations, now, status
    record_event(type="ticket.status_changed", ticket_id=ticket.pk, data={"from": previous, "to": status})
    notify_status_changed(ticket)


# What a status change writes on the ticket's row.
STATUS_FIELDS = ["status", "completed_at", "status_since", "stage_durations", "updated_at"]


@transaction.atomic
def ticket_set_status(*, ticket: ServiceTicket, status: str, by: Any = None) -> ServiceTicket:
    """Move `ticket` along open → in_progress → completed, or to cancelled (which returns its parts; `by`: the user
    the stock movements name)."""
    _lock(ticket)
    _apply_status(ticket, status, by)
    ticket.save(update_fields=STATUS_FIELDS)
    return ticket


@transaction.atomic
def ticket_update(*, ticket: ServiceTicket, by: Any = None, **changes: Any) -> ServiceTicket:
    """Change a ticket's fields; a `status` among them follows the lifecycle rules. A `vin` or `vehicle` moves the
    ticket to that vehicle (the one with the VIN, created for the ticket's customer when there is none)."""
    _lock(ticket)
    status = changes.pop("status", None)
    vin, vehicle = changes.pop("vin", None), changes.pop("vehicle", None)
    old_vehicle_id, old_vin = ticket.vehicle_id, ticket.vin
    before = {field: getattr(ticket, field) for field in changes}
    for field, value in changes.items():
        setattr(ticket, field, value)
    _check_dates(ticket.service_date, ticket.pickup_date)
    _check_mileage_range(**{field: changes[field] for field in MILEAGE_FIELDS if field in changes})
    if vehicle is None and (vin is None or vin.strip().upper() == ticket.vin):
        target_id = old_vehicle_id  # the same vehicle, whose VIN it already carries
    else:
        target_id = _ticket_vehicle(customer=ticket.customer, vin=vin, vehicle=vehicle).pk
    moved = target_id != old_vehicle_id
    saved = [*changes, *STATUS_FIELDS]
    locked: dict[int, Vehicle] = {}
    if target_id is not None and (moved or SUMMARY_FIELDS & changes.keys()):
        locked = _lock_vehicles(old_vehicle_id, target_id)
        ticket.vehicle_id, ticket.vin = target_id, locked[target_id].vin
        saved += ["vehicle", "vin"]
        _check_mileage(
            vehicle_id=target_id,
            ticket_pk=ticket.pk,
            service_date=ticket.service_date,
            readings={field: getattr(ticket, field) for field in MILEAGE_FIELDS},
            changed=changes.keys(),
            blame=("vehicle_id" if vehicle is not None else "vin") if moved else "service_date",
        )
    if status is not None:
        _apply_status(ticket, status, by)
    ticket.save(update_fields=saved)
    for vehicle_id in locked:
        _vehicle_refresh(vehicle_id)
    changed = {}
    for field, old in before.items():
        new = getattr(ticket, field)
        if old != new:
            # A related object (the customer) is named by its id.
            key, old, new = (f"{field}_id", old.pk, new.pk) if hasattr(new, "pk") else (field, old, new)
            changed[key] = [old, new]
    if ticket.vehicle_id != old_vehicle_id:
        changed["vehicle_id"] = [old_vehicle_id, ticket.vehicle_id]
    if ticket.vin != old_vin:
        changed["vin"] = [old_vin, ticket.vin]
    if changed:
        record_event(type="ticket.updated", ticket_id=ticket.pk, data={"changes": changed})
    return ticket


@transaction.atomic
def ticket_delete(*, ticket: ServiceTicket, by: Any = None) -> None:
    """Delete a ticket that is not completed, giving its parts back to stock."""
    _lock(ticket)
    if ticket.status == Status.COMPLETED:
        raise Conflict(f"Ticket #{ticket.pk} is completed and is kept as the shop's history; it cannot be deleted.")
    vehicle_id, ticket_id = ticket.vehicle_id, ticket.pk
    locked = _lock_vehicles(vehicle_id)
    _return_parts(ticket, by)
    ticket.delete()
    record_event(type="ticket.deleted", ticket_id=ticket_id, data={"status": ticket.status})
    for pk in locked:
        _vehicle_refresh(pk)
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
    assigned = set(ticket.mechanic_links.values_list("mechanic_id", flat=True))
    ticket.mechanic_links.filter(mechanic_id__in=remove_ids).delete()
    TicketMechanic.objects.bulk_create(
        [TicketMechanic(ticket=ticket, mechanic=m) for m in to_add], ignore_conflicts=True
    )
    _touch(ticket)
    for mechanic_id in sorted(remove_ids & assigned):
        record_event(type="ticket.mechanic_removed", ticket_id=ticket.pk, data={"mechanic_id": mechanic_id})
    for mechanic in to_add:
        if mechanic.pk not in assigned:
            record_event(type="ticket.mechanic_assigned", ticket_id=ticket.pk, data={"mechanic_id": mechanic.pk})
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
def ticket_add_part(*, ticket: ServiceTicket, part: Part, quantity: int = 1, by: Any = None) -> TicketPart:
    """Move `quantity` units of `part` from stock onto an open ticket (a `ticket` movement naming `by`)."""
    _lock_open(ticket, "parts")
    part_take_stock(part=part, quantity=quantity, ticket_id=ticket.pk, by=by)
    _touch(ticket)
    record_event(type="ticket.part_added", ticket_id=ticket.pk, data={"part_id": part.pk, "quantity": quantity})
    line = ticket.lines.filter(part=part).first()
    if line is None:
        price = Part.objects.filter(pk=part.pk).values_list("price", flat=True).get()
        return TicketPart.objects.create(ticket=ticket, part=part, quantity=quantity, unit_price=price)
    TicketPart.objects.filter(pk=line.pk).update(quantity=F("quantity") + quantity)
    line.refresh_from_db(fields=["quantity"])
    return line


@transaction.atomic
def ticket_remove_part(
    *, ticket: ServiceTicket, part: Part, quantity: int | None = None, by: Any = None
) -> TicketPart | None:
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
    part_return_stock(returns=[(part.pk, quantity)], ticket_id=ticket.pk, by=by)
    _touch(ticket)
    record_event(type="ticket.part_removed", ticket_id=ticket.pk, data={"part_id": part.pk, "quantity": quantity})
    if quantity == line.quantity:
        line.delete()
        return None
    TicketPart.objects.filter(pk=line.pk).update(quantity=F("quantity") - quantity)
    line.refresh_from_db(fields=["quantity"])
    return line


# --- Labor lines -------------------------------------------------------------------------------------------------
# A ticket's labor: lines of hours × rate, each optionally naming the mechanic (assigned to the ticket) who did it.
# Like part moves, every change runs in one transaction under the ticket's lock, and a closed ticket refuses every
# one of them (a 409), even a change that would change nothing.

MIN_HOURS, MAX_HOURS = Decimal("0.01"), Decimal("99.99")
CENT = Decimal("0.01")


def _check_labor(*, description: str | None = None, hours: Decimal | None = None, rate: Decimal | None = None) -> None:
    """The ranges the serializers also check: the admin and the commands come here directly."""
    errors: dict[str, list[str]] = {}
    if description is not None and not 1 <= len(description.strip()) <= 200:
        errors["description"] = ["Describe the work in 1 to 200 characters."]
    if hours is not None and not (MIN_HOURS <= hours <= MAX_HOURS and hours == hours.quantize(CENT)):
        errors["hours"] = [f"Enter hours from {MIN_HOURS} to {MAX_HOURS}, with at most two decimals."]
    if rate is not None and not (rate >= 0 and rate == rate.quantize(CENT) and rate < Decimal("1e8")):
        errors["rate"] = ["Enter an hourly rate of 0 or more, with at most two decimals."]
    if errors:
        raise ValidationError(errors)


def _check_labor_mechanic(ticket: ServiceTicket, mechanic_id: int | None) -> None:
    """A line's mechanic must be assigned to the ticket (an unknown mechanic is not); run under the ticket's lock."""
    if mechanic_id is not None and not ticket.mechanic_links.filter(mechanic_id=mechanic_id).exists():
        raise ValidationError(
            {"mechanic_id": [f"Mechanic {mechanic_id} is not assigned to ticket #{ticket.pk}: assign them first."]}
        )


def _labor_line(ticket: ServiceTicket, line_id: int) -> LaborLine:
    line = ticket.labor_lines.filter(pk=line_id).first()
    if line is None:
        raise Http404(f"Labor line {line_id} is not on ticket #{ticket.pk}.")
    return line


@transaction.atomic
def ticket_add_labor_line(
    *,
    ticket: ServiceTicket,
    description: str,
    hours: Decimal,
    rate: Decimal | None = None,
    mechanic_id: int | None = None,
) -> LaborLine:
    """Add a line of labor to an open ticket; `rate` defaults to settings.LABOR_RATE."""
    _lock_open(ticket, "labor")
    rate = settings.LABOR_RATE if rate is None else rate
    _check_labor(description=description, hours=hours, rate=rate)
    _check_labor_mechanic(ticket, mechanic_id)
    line = LaborLine.objects.create(
        ticket=ticket, description=description.strip(), hours=hours, rate=rate, mechanic_id=mechanic_id
    )
    _touch(ticket)
    _labor_event(ticket, line.pk, "added")
    return line


def _labor_event(ticket: ServiceTicket, line_id: int, change: str) -> None:
    record_event(type="ticket.labor_changed", ticket_id=ticket.pk, data={"labor_line_id": line_id, "change": change})


LABOR_FIELDS = frozenset({"description", "hours", "rate", "mechanic_id"})


@transaction.atomic
def ticket_change_labor_line(*, ticket: ServiceTicket, line_id: int, **changes: Any) -> LaborLine:
    """Change some of a labor line's `description`, `hours`, `rate` and `mechanic_id` (None: nobody) on an open
    ticket. A mechanic sent must be assigned to the ticket; the line's current one is kept as it is."""
    unknown = sorted(changes.keys() - LABOR_FIELDS)
    if unknown:
        raise ValidationError({"non_field_errors": [f"A labor line has no field(s) {', '.join(unknown)}."]})
    _lock_open(ticket, "labor")
    line = _labor_line(ticket, line_id)
    _check_labor(**{field: value for field, value in changes.items() if field != "mechanic_id"})
    if "mechanic_id" in changes:
        _check_labor_mechanic(ticket, changes["mechanic_id"])
    if "description" in changes:
        changes["description"] = changes["description"].strip()
    for field, value in changes.items():
        setattr(line, field, value)
    line.save(update_fields=[*changes, "updated_at"])
    _touch(ticket)
    _labor_event(ticket, line.pk, "changed")
    return line


@transaction.atomic
def ticket_remove_labor_line(*, ticket: ServiceTicket, line_id: int) -> None:
    """Take a labor line off an open ticket."""
    _lock_open(ticket, "labor")
    _labor_line(ticket, line_id).delete()
    _touch(ticket)
    _labor_event(ticket, line_id, "removed")


# --- The time clock ------------------------------------------------------------------------------------------------
# A mechanic has at most one open time entry (ended_at null) in the whole shop. MariaDB has no partial unique index to
# say so in the schema, so the clock services lock the mechanic's row and check under that lock: two clock-ins of one
# mechanic (on any tickets) run one after the other, and the second sees the first's entry. Locks are taken ticket
# first, then mechanic, the order in which completing a ticket locks them (it counts the completion on its mechanics'
# rows), so a clock-in and a completion never wait on each other in a cycle.


def _end_open_entries(ticket: ServiceTicket) -> datetime:
    """End the ticket's open time entries now (run under the ticket's lock, as it closes); returns that moment."""
    now = timezone.now()
    # At most one open entry per mechanic on the ticket, so a handful of rows: ended one by one in one statement.
    entries = list(TimeEntry.objects.filter(ticket=ticket, ended_at__isnull=True).only("id", "started_at"))
    for entry in entries:
        entry.end(now)
        entry.updated_at = now  # bulk_update does not run auto_now
    TimeEntry.objects.bulk_update(entries, ["ended_at", "seconds", "updated_at"])
    return now


def _lock_mechanic(mechanic: Mechanic) -> Mechanic:
    try:
        return Mechanic.objects.select_for_update().only("id", "name", "is_active").get(pk=mechanic.pk)
    except Mechanic.DoesNotExist as exc:
        raise ValidationError({"mechanic_id": [f"Mechanic {mechanic.pk} no longer exists."]}) from exc


def mechanic_open_entry(mechanic: Mechanic) -> TimeEntry | None:
    """The mechanic's open time entry, wherever it is, or None."""
    return TimeEntry.objects.filter(mechanic_id=mechanic.pk, ended_at__isnull=True).order_by("id").first()


@transaction.atomic
def clock_in(*, ticket: ServiceTicket, mechanic: Mechanic) -> TimeEntry:
    """Start the mechanic's clock on the ticket. The mechanic must be assigned to it (ValidationError) and not
    clocked in anywhere (Conflict naming that ticket); a closed ticket is a Conflict. An `open` ticket moves to
    `in_progress`."""
    _lock_open(ticket, "time clock")
    locked = _lock_mechanic(mechanic)
    if not ticket.mechanic_links.filter(mechanic_id=locked.pk).exists():
        raise ValidationError(
            {"mechanic_id": [f"Mechanic {locked.pk} is not assigned to ticket #{ticket.pk}: assign them first."]}
        )
    if not locked.is_active:
        raise ValidationError({"mechanic_id": [f"Mechanic {locked.pk} is inactive and cannot clock in."]})
    _check_approval(ticket, Status.IN_PROGRESS)
    current = mechanic_open_entry(locked)
    if current is not None:
        raise Conflict(
            f"Mechanic {locked.pk} is already clocked in on ticket #{current.ticket_id}; clock out there first."
        )
    if ticket.status == Status.OPEN:
        _apply_status(ticket, Status.IN_PROGRESS)
        ticket.save(update_fields=STATUS_FIELDS)
    else:
        _touch(ticket)  # its open clock entries changed
    entry = TimeEntry.objects.create(ticket=ticket, mechanic=locked, started_at=timezone.now())
    record_event(
        type="ticket.clock_in", ticket_id=ticket.pk, data={"mechanic_id": locked.pk, "time_entry_id": entry.pk}
    )
    return entry


@transaction.atomic
def clock_out(*, ticket: ServiceTicket, mechanic: Mechanic) -> TimeEntry:
    """End the mechanic's open entry on the ticket; none there is a Conflict, as is a closed ticket."""
    _lock_open(ticket, "time clock")
    locked = _lock_mechanic(mechanic)
    entry = TimeEntry.objects.filter(ticket=ticket, mechanic_id=locked.pk, ended_at__isnull=True).first()
    if entry is None:
        raise Conflict(f"Mechanic {locked.pk} is not clocked in on ticket #{ticket.pk}.")
    entry.end(timezone.now())
    entry.save(update_fields=["ended_at", "seconds", "updated_at"])
    _touch(ticket)  # its clocked_hours changed
    record_event(
        type="ticket.clock_out",
        ticket_id=ticket.pk,
        data={"mechanic_id": locked.pk, "time_entry_id": entry.pk, "seconds": entry.seconds},
    )
    return entry
