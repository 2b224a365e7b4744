"""A service given a copy of a ticket read before another change committed applies its change on top of it."""

from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404
from model_bakery import baker

from inventory.models import Part
from tickets.models import ServiceTicket
from tickets.services import (
    ticket_add_part,
    ticket_assign_mechanic,
    ticket_delete,
    ticket_remove_part,
    ticket_set_status,
    ticket_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_ticket, customer):
    return make_ticket(customer, service_date=date(2026, 1, 1), description="Job")


def copy_of(ticket):
    return ServiceTicket.objects.get(pk=ticket.pk)


def test_an_edit_from_a_stale_copy_keeps_a_concurrent_completion(ticket):
    stale = copy_of(ticket)
    ticket_set_status(ticket=copy_of(ticket), status="in_progress")
    ticket_set_status(ticket=copy_of(ticket), status="completed")

    ticket_update(ticket=stale, description="Also rotated the tires")

    saved = copy_of(ticket)
    assert (saved.status, saved.description) == ("completed", "Also rotated the tires")
    assert saved.completed_at is not None
    assert stale.status == "completed"
    assert stale.completed_at == saved.completed_at


def test_an_edit_from_a_stale_copy_keeps_a_concurrent_field_change(ticket):
    stale = copy_of(ticket)
    ticket_update(ticket=copy_of(ticket), labor_cost=Decimal("150.00"))
    ticket_update(ticket=stale, description="Brakes too")
    saved = copy_of(ticket)
    assert (saved.labor_cost, saved.description) == (Decimal("150.00"), "Brakes too")


def test_a_change_to_a_ticket_deleted_meanwhile_is_a_404(ticket):
    part = baker.make(Part, price=Decimal("5.00"), quantity_in_stock=3)
    stale = copy_of(ticket)
    ticket_delete(ticket=copy_of(ticket))
    with pytest.raises(Http404):
        ticket_add_part(ticket=stale, part=part, quantity=1)
    with pytest.raises(Http404):
        ticket_update(ticket=stale, description="x")
    part.refresh_from_db()
    assert part.quantity_in_stock == 3


def test_mechanics_and_parts_changes_move_updated_at(ticket, make_mechanic):
    part = baker.make(Part, price=Decimal("5.00"), quantity_in_stock=3)
    mechanic = make_mechanic()
    stamps = [copy_of(ticket).updated_at]
    part_stamps = [Part.objects.get(pk=part.pk).updated_at]
    for change in (
        lambda: ticket_assign_mechanic(ticket=copy_of(ticket), mechanic=mechanic),
        lambda: ticket_add_part(ticket=copy_of(ticket), part=part, quantity=2),
        lambda: ticket_remove_part(ticket=copy_of(ticket), part=part, quantity=1),
    ):
        change()
        stamps.append(copy_of(ticket).updated_at)
        part_stamps.append(Part.objects.get(pk=part.pk).updated_at)
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 4
    assert part_stamps[2] > part_stamps[0]
    assert part_stamps[3] > part_stamps[2]
