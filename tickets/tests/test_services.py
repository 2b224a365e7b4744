"""The ticket rules in tickets/services.py, exhaustively."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from model_bakery import baker

from inventory.models import Part
from mechanic_shop.core.exceptions import Conflict
from mechanics.models import Mechanic
from tickets.models import ServiceTicket, TicketMechanic, TicketPart
from tickets.services import (
    ticket_add_part,
    ticket_assign_mechanic,
    ticket_create,
    ticket_delete,
    ticket_edit_mechanics,
    ticket_remove_mechanic,
    ticket_remove_part,
    ticket_set_status,
    ticket_update,
)

pytestmark = pytest.mark.django_db
Status = ServiceTicket.Status
VIN = "1HGCM82633A004352"


@pytest.fixture
def customer(make_customer):
    return make_customer(with_login=False)


@pytest.fixture
def mechanic(make_mechanic):
    return make_mechanic(name="Mo")


@pytest.fixture
def part():
    return baker.make(Part, name="Oil filter", price=Decimal("8.99"), quantity_in_stock=5)


@pytest.fixture
def ticket(make_ticket, customer, mechanic):
    return make_ticket(
        customer, vin=VIN.lower(), service_date=date(2026, 2, 7), description="Brakes", mechanics=[mechanic]
    )


def status_of(ticket):
    return ServiceTicket.objects.values_list("status", flat=True).get(pk=ticket.pk)


def stock_of(part):
    return Part.objects.values_list("quantity_in_stock", flat=True).get(pk=part.pk)


def lines_of(ticket):
    return {line.part_id: (line.quantity, line.unit_price) for line in TicketPart.objects.filter(ticket=ticket)}


def close(ticket, status):
    if status == Status.COMPLETED:
        ticket_set_status(ticket=ticket, status=Status.IN_PROGRESS)
    ticket_set_status(ticket=ticket, status=status)


# --- create ---------------------------------------------------------------------------------------------------------


def test_create_opens_ticket_with_mechanics_and_upper_case_vin(ticket, mechanic):
    assert ticket.status == Status.OPEN
    assert ticket.vin == VIN
    assert list(ticket.mechanics.all()) == [mechanic]
    assert ticket.labor_cost == Decimal("0.00")
    assert ticket.completed_at is None


def test_create_refuses_unknown_and_inactive_mechanics(customer, mechanic, make_mechanic):
    retired = make_mechanic(is_active=False)
    for ids, message in (([mechanic.pk, 999], "Unknown"), ([retired.pk], "Inactive")):
        with pytest.raises(ValidationError) as error:
            ticket_create(customer=customer, vin=VIN, service_date=date(2026, 1, 1), description="x", mechanic_ids=ids)
        assert message in str(error.value.message_dict["mechanic_ids"])
    assert not ServiceTicket.objects.exists()


def test_create_refuses_pickup_before_service(customer):
    with pytest.raises(ValidationError) as error:
        ticket_create(
            customer=customer, vin=VIN, service_date=date(2026, 1, 5), description="x", pickup_date=date(2026, 1, 4)
        )
    assert "pickup_date" in error.value.message_dict
    assert not ServiceTicket.objects.exists()


# --- status ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        [Status.IN_PROGRESS],
        [Status.IN_PROGRESS, Status.COMPLETED],
        [Status.CANCELLED],
        [Status.IN_PROGRESS, Status.CANCELLED],
    ],
)
def test_allowed_transitions(ticket, path):
    for status in path:
        ticket_set_status(ticket=ticket, status=status)
    assert status_of(ticket) == path[-1]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], Status.COMPLETED),
        ([Status.IN_PROGRESS], Status.OPEN),
        ([Status.IN_PROGRESS, Status.COMPLETED], Status.OPEN),
        ([Status.IN_PROGRESS, Status.COMPLETED], Status.IN_PROGRESS),
        ([Status.IN_PROGRESS, Status.COMPLETED], Status.CANCELLED),
        ([Status.CANCELLED], Status.OPEN),
        ([Status.CANCELLED], Status.IN_PROGRESS),
        ([Status.CANCELLED], Status.COMPLETED),
    ],
)
def test_refused_transitions(ticket, before, after):
    for status in before:
        ticket_set_status(ticket=ticket, status=status)
    with pytest.raises(ValidationError) as error:
        ticket_set_status(ticket=ticket, status=after)
    assert "status" in error.value.message_dict
    assert status_of(ticket) == (before[-1] if before else Status.OPEN)


@pytest.mark.parametrize("status", list(Status))
def test_same_status_again_is_no_change(ticket, status):
    path = {
        Status.OPEN: [],
        Status.IN_PROGRESS: [Status.IN_PROGRESS],
        Status.COMPLETED: [Status.IN_PROGRESS, Status.COMPLETED],
        Status.CANCELLED: [Status.CANCELLED],
    }[status]
    for step in path:
        ticket_set_status(ticket=ticket, status=step)
    ticket_set_status(ticket=ticket, status=status)
    assert status_of(ticket) == status


def test_completing_sets_completed_at_and_counts_for_each_mechanic(ticket, mechanic, make_mechanic):
    other = make_mechanic()
    ticket_assign_mechanic(ticket=ticket, mechanic=other)
    close(ticket, Status.COMPLETED)
    ticket.refresh_from_db()
    assert ticket.completed_at is not None
    assert list(Mechanic.objects.order_by("pk").values_list("completed_ticket_count", flat=True)) == [1, 1]


def test_completing_twice_counts_once(ticket, mechanic):
    close(ticket, Status.COMPLETED)
    ticket_set_status(ticket=ticket, status=Status.COMPLETED)
    mechanic.refresh_from_db()
    assert mechanic.completed_ticket_count == 1


def test_cancelling_returns_parts_and_empties_lines(ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=3)
    ticket_set_status(ticket=ticket, status=Status.CANCELLED)
    assert stock_of(part) == 5
    assert lines_of(ticket) == {}
    ticket.refresh_from_db()
    assert ticket.completed_at is None


def test_update_changes_fields_and_status_together(ticket):
    ticket_update(ticket=ticket, labor_cost=Decimal("99.50"), status=Status.IN_PROGRESS, vin="jh4ka7561pc008269")
    ticket.refresh_from_db()
    assert (ticket.labor_cost, ticket.status, ticket.vin) == (Decimal("99.50"), Status.IN_PROGRESS, "JH4KA7561PC008269")


def test_update_refuses_service_date_after_pickup(ticket):
    ticket_update(ticket=ticket, pickup_date=date(2026, 2, 8))
    with pytest.raises(ValidationError):
        ticket_update(ticket=ticket, service_date=date(2026, 2, 9))
    assert ServiceTicket.objects.get(pk=ticket.pk).service_date == date(2026, 2, 7)


# --- closed tickets -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED])
def test_closed_ticket_refuses_every_mechanic_and_part_operation(ticket, mechanic, part, status):
    close(ticket, status)
    operations = [
        lambda: ticket_add_part(ticket=ticket, part=part),
        lambda: ticket_remove_part(ticket=ticket, part=part),
        lambda: ticket_assign_mechanic(ticket=ticket, mechanic=mechanic),  # already assigned: still refused
        lambda: ticket_remove_mechanic(ticket=ticket, mechanic=mechanic),
        lambda: ticket_edit_mechanics(ticket=ticket),  # would change nothing: still refused
    ]
    for operation in operations:
        with pytest.raises(Conflict) as error:
            operation()
        assert status in error.value.detail
    assert stock_of(part) == 5
    assert list(ticket.mechanics.all()) == [mechanic]


def test_stale_instance_still_sees_the_closed_status(ticket, part):
    stale = ServiceTicket.objects.get(pk=ticket.pk)
    ticket_set_status(ticket=ticket, status=Status.CANCELLED)
    with pytest.raises(Conflict):
        ticket_add_part(ticket=stale, part=part)
    assert stock_of(part) == 5


# --- parts ----------------------------------------------------------------------------------------------------------


def test_add_part_takes_stock_and_keeps_the_first_price(ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=2)
    Part.objects.filter(pk=part.pk).update(price=Decimal("20.00"))
    ticket_add_part(ticket=ticket, part=part, quantity=1)
    assert stock_of(part) == 2
    assert lines_of(ticket) == {part.pk: (3, Decimal("8.99"))}


def test_add_part_without_enough_stock_changes_nothing(ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=4)
    with pytest.raises(Conflict) as error:
        ticket_add_part(ticket=ticket, part=part, quantity=2)
    assert "Not enough Oil filter" in error.value.detail
    assert stock_of(part) == 1
    assert lines_of(ticket) == {part.pk: (4, Decimal("8.99"))}


def test_add_part_may_take_the_last_unit(ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=5)
    assert stock_of(part) == 0


def test_remove_part_defaults_to_all_of_it(ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=3)
    assert ticket_remove_part(ticket=ticket, part=part) is None
    assert stock_of(part) == 5
    assert lines_of(ticket) == {}


def test_remove_part_partially(ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=3)
    line = ticket_remove_part(ticket=ticket, part=part, quantity=2)
    assert line.quantity == 1
    assert stock_of(part) == 4
    assert lines_of(ticket) == {part.pk: (1, Decimal("8.99"))}


def test_remove_more_than_is_on_the_ticket_is_refused(ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=2)
    with pytest.raises(ValidationError) as error:
        ticket_remove_part(ticket=ticket, part=part, quantity=3)
    assert "quantity" in error.value.message_dict
    assert stock_of(part) == 3
    assert lines_of(ticket) == {part.pk: (2, Decimal("8.99"))}


def test_remove_part_not_on_ticket_is_404(ticket, part):
    with pytest.raises(Http404):
        ticket_remove_part(ticket=ticket, part=part)
    assert stock_of(part) == 5


# --- mechanics ------------------------------------------------------------------------------------------------------


def test_edit_adds_and_removes_in_one_step(ticket, mechanic, make_mechanic):
    newcomer = make_mechanic()
    ticket_edit_mechanics(ticket=ticket, add_ids=[newcomer.pk], remove_ids=[mechanic.pk])
    assert list(ticket.mechanics.all()) == [newcomer]


@pytest.mark.parametrize("kind", ["unknown_add", "unknown_remove", "inactive", "both"])
def test_edit_is_all_or_nothing(ticket, mechanic, make_mechanic, kind):
    good = make_mechanic()
    retired = make_mechanic(is_active=False)
    add, remove = {
        "unknown_add": ([good.pk, 9999], [mechanic.pk]),
        "unknown_remove": ([good.pk], [mechanic.pk, 9999]),
        "inactive": ([good.pk, retired.pk], [mechanic.pk]),
        "both": ([good.pk, mechanic.pk], [mechanic.pk]),
    }[kind]
    with pytest.raises(ValidationError) as error:
        ticket_edit_mechanics(ticket=ticket, add_ids=add, remove_ids=remove)
    if kind.startswith("unknown"):
        assert "9999" in str(error.value)
    assert list(ticket.mechanics.all()) == [mechanic]


def test_assign_twice_and_remove_unassigned_are_fine(ticket, mechanic, make_mechanic):
    other = make_mechanic()
    ticket_assign_mechanic(ticket=ticket, mechanic=mechanic)
    ticket_remove_mechanic(ticket=ticket, mechanic=other)
    assert TicketMechanic.objects.filter(ticket=ticket).count() == 1


def test_inactive_mechanic_stays_on_tickets_and_can_be_removed(ticket, mechanic):
    Mechanic.objects.filter(pk=mechanic.pk).update(is_active=False)
    assert list(ticket.mechanics.all()) == [mechanic]
    with pytest.raises(ValidationError):
        ticket_assign_mechanic(ticket=ticket, mechanic=Mechanic.objects.get(pk=mechanic.pk))
    ticket_remove_mechanic(ticket=ticket, mechanic=mechanic)
    assert not ticket.mechanics.exists()


# --- delete ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [[], [Status.IN_PROGRESS]])
def test_delete_returns_parts_to_stock(ticket, part, path):
    for status in path:
        ticket_set_status(ticket=ticket, status=status)
    ticket_add_part(ticket=ticket, part=part, quantity=4)
    ticket_delete(ticket=ticket)
    assert stock_of(part) == 5
    assert not ServiceTicket.objects.exists()
    assert not TicketPart.objects.exists()


def test_cancelled_ticket_may_be_deleted(ticket):
    ticket_set_status(ticket=ticket, status=Status.CANCELLED)
    ticket_delete(ticket=ticket)
    assert not ServiceTicket.objects.exists()


def test_completed_ticket_cannot_be_deleted(ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=1)
    close(ticket, Status.COMPLETED)
    with pytest.raises(Conflict) as error:
        ticket_delete(ticket=ticket)
    assert "history" in error.value.detail
    assert ServiceTicket.objects.filter(pk=ticket.pk).exists()
    assert stock_of(part) == 4
