"""A prepared lookup by id gives exactly what `QuerySet.get(pk=…)` gives, and refuses what it cannot prove."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from customers.models import Customer, Vehicle
from inventory.models import Part
from mechanic_shop.core.prepared import prepare
from mechanics.models import Mechanic
from tickets.models import ServiceTicket


def field_values(obj):
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Customer, Vehicle, Mechanic, Part])
def test_the_instance_is_the_one_the_orm_gives(model):
    obj = baker.make(model, _fill_optional=True)
    lookup = prepare(model.objects.all())
    assert lookup is not None

    with CaptureQueriesContext(connection) as queries:
        found = lookup.get(obj.pk)

    expected = model.objects.get(pk=obj.pk)
    assert type(found) is model
    # Every column converted as the ORM converts it: aware datetimes, Decimals, booleans, dates.
    assert field_values(found) == field_values(expected)
    assert found._state.adding is False
    assert found._state.db == "default"
    assert len(queries) == 1
    assert "LIMIT" in queries[0]["sql"].upper()


@pytest.mark.django_db
def test_a_missing_id_is_none():
    lookup = prepare(Customer.objects.all())
    assert lookup.get(987_654_321) is None


@pytest.mark.django_db
def test_decimals_and_datetimes_keep_their_types():
    part = baker.make(Part, price=Decimal("12.30"), cost=Decimal("7.05"))
    found = prepare(Part.objects.all()).get(part.pk)
    assert found.price == Decimal("12.30")
    assert isinstance(found.price, Decimal)
    assert found.created_at == Part.objects.get(pk=part.pk).created_at
    assert found.created_at.tzinfo is not None


@pytest.mark.django_db
def test_the_queryset_s_filters_still_apply(make_customer):
    kept, other = make_customer(name="Kept"), make_customer(name="Other")
    lookup = prepare(Customer.objects.filter(name="Kept"))
    assert lookup is not None
    assert lookup.get(kept.pk).pk == kept.pk
    assert lookup.get(other.pk) is None


@pytest.mark.django_db
def test_select_related_annotations_and_prefetches_are_loaded(make_ticket, make_mechanic):
    ticket = make_ticket(mechanics=[make_mechanic(), make_mechanic()])
    queryset = (
        ServiceTicket.objects.select_related("vehicle", "customer")
        .annotate(mechanic_count=Count("mechanic_links"))
        .prefetch_related("mechanic_links")
    )
    lookup = prepare(queryset)
    assert lookup is not None

    with CaptureQueriesContext(connection) as queries:
        found = lookup.get(ticket.pk)
        # Already loaded: reading them runs no query.
        vehicle, customer, links = found.vehicle, found.customer, list(found.mechanic_links.all())

    assert len(queries) == 2  # the ticket with its vehicle and customer, then the prefetch
    assert found.mechanic_count == 2
    assert (vehicle.pk, customer.pk) == (ticket.vehicle_id, ticket.customer_id)
    assert field_values(vehicle) == field_values(Vehicle.objects.get(pk=ticket.vehicle_id))
    assert sorted(link.pk for link in links) == sorted(ticket.mechanic_links.values_list("pk", flat=True))


@pytest.mark.django_db
def test_what_cannot_be_proved_is_refused(customer):
    assert prepare(Customer.objects.none()) is None  # no rows possible: no statement at all
    assert prepare(customer.vehicles.all()) is None  # knows its related customer: the ORM sets it, we would not


@pytest.mark.django_db(transaction=True)
def test_it_is_only_usable_on_the_connection_it_was_built_on():
    lookup = prepare(Customer.objects.all())
    assert lookup.usable()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(lookup.usable()))
    thread.start()
    thread.join()
    assert seen == [False]  # another thread has its own connection: prepare again there
