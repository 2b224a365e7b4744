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


# --- PreparedRows: a values_list queryset filtered by a list of ids ---------------------------------------------


@pytest.fixture
def worked_tickets(make_ticket, make_mechanic):
    """Three tickets with mechanics, part lines, labor lines, clocked time and an estimate each."""
    from datetime import timedelta

    from django.utils import timezone

    from tickets.estimates import estimate_create
    from tickets.models import TimeEntry
    from tickets.services import ticket_add_labor_line

    mechanics = [make_mechanic() for _ in range(3)]
    tickets = []
    for index in range(3):
        part = baker.make(Part, quantity_in_stock=50, price=Decimal("12.34"))
        ticket = make_ticket(mechanics=mechanics[: index + 1], parts=[(part, index + 1)], status="in_progress")
        ticket_add_labor_line(ticket=ticket, description="Work", hours=Decimal("1.25"), rate=Decimal("80.00"),
                              mechanic_id=mechanics[0].pk)  # fmt: skip
        started = timezone.now() - timedelta(hours=2)
        entry = TimeEntry(ticket=ticket, mechanic=mechanics[0], started_at=started)
        entry.end(started + timedelta(minutes=37 * (index + 1)))
        entry.save()
        estimate_create(ticket=ticket)
        tickets.append(ticket)
    return tickets


def _prepared_rows():
    from tickets.links import ESTIMATE_ROWS
    from tickets.representations import CLOCKED_ROWS, LABOR_ROWS, MECHANIC_ROWS, PART_ROWS

    return [MECHANIC_ROWS, PART_ROWS, LABOR_ROWS, CLOCKED_ROWS, ESTIMATE_ROWS]


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(5))
def test_rows_are_the_ones_the_orm_gives(worked_tickets, index):
    prepared = _prepared_rows()[index]
    ids = [ticket.pk for ticket in worked_tickets]
    for chosen in ([ids[0]], ids, ids[::-1], [ids[1], ids[1], ids[2]], [ids[0], 10**9], [10**9]):
        expected = list(prepared.make_queryset().filter(ticket_id__in=chosen))
        with CaptureQueriesContext(connection) as queries:
            rows = prepared.rows(chosen)
        assert rows == expected
        assert [type(value) for row in rows for value in row] == [type(value) for row in expected for value in row]
        assert len(queries) == 1
    assert any(prepared.rows(ids))  # the fixture gave every query rows to compare


@pytest.mark.django_db
def test_the_sql_is_built_once_per_number_of_ids(worked_tickets, monkeypatch):
    from django.db.models.sql.compiler import SQLCompiler

    from mechanic_shop.core.prepared import PreparedRows
    from tickets.models import TicketPart

    prepared = PreparedRows(lambda: TicketPart.objects.order_by("id").values_list("ticket_id", "quantity"), "ticket_id")
    ids = [ticket.pk for ticket in worked_tickets]
    built = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: built.append(1) or as_sql(self, *a, **k))
    prepared.rows(ids[:2])
    assert len(built) == 2  # two compilations, to find where the ids go
    prepared.rows(ids[1:])
    prepared.rows(ids[::-1][:2])
    assert len(built) == 2  # the same number of ids: built already
    prepared.rows(ids)
    assert len(built) == 4
    with CaptureQueriesContext(connection) as queries:
        assert prepared.rows([]) == []
    assert len(queries) == 0


@pytest.mark.django_db
def test_what_is_not_a_values_list_goes_through_the_orm(worked_tickets):
    from mechanic_shop.core.prepared import PreparedRows
    from tickets.models import TicketPart

    prepared = PreparedRows(lambda: TicketPart.objects.order_by("id"), "ticket_id")
    ids = [ticket.pk for ticket in worked_tickets]
    assert prepared.rows(ids) == list(TicketPart.objects.filter(ticket_id__in=ids).order_by("id"))
    assert prepared._compiled() == {3: None}


@pytest.mark.django_db
def test_ids_that_are_not_ints_are_converted_by_the_orm(worked_tickets):
    from tickets.representations import PART_ROWS

    ids = [ticket.pk for ticket in worked_tickets]
    as_given = [str(ids[0]), float(ids[1])]
    assert PART_ROWS.rows(as_given) == PART_ROWS.rows(ids[:2]) != []
    with pytest.raises(ValueError, match="expected a number"):
        PART_ROWS.rows(["abc"])


@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_its_own_statement_on_its_own_connection():
    from mechanic_shop.core.prepared import PreparedRows
    from tickets.models import TicketPart

    prepared = PreparedRows(lambda: TicketPart.objects.order_by("id").values_list("ticket_id", "quantity"), "ticket_id")
    assert prepared.rows([1, 2]) == []
    mine = prepared._compiled()[2]
    seen = []

    def other_thread():
        try:
            seen.append(prepared.rows([1, 2]))
            seen.append(prepared._compiled()[2][0] is not mine[0])
        finally:
            connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == [[], True]  # compiled again there, for that thread's connection
    assert prepared._compiled()[2] is mine  # and this thread's statement untouched


# --- PreparedPage: one page of a values() queryset, by slice ----------------------------------------------------


def _ticket_page(as_text=False, *, by_vehicle=False):
    from mechanic_shop.core.prepared import PreparedPage
    from tickets.representations import ticket_rows

    if by_vehicle:
        return PreparedPage(
            lambda vehicle_id: ticket_rows(
                ServiceTicket.objects.filter(vehicle_id=vehicle_id).order_by("-service_date", "-id"),
                dates_as_text=as_text,
            ),
            takes_id=True,
        )
    return PreparedPage(
        lambda: ticket_rows(ServiceTicket.objects.order_by("-created_at", "-id"), dates_as_text=as_text)
    )


@pytest.fixture
def paged_tickets(make_customer, make_ticket):
    customer = make_customer(with_login=False)
    vehicles = [baker.make(Vehicle, customer=customer, vin=f"1HGCM82633A00400{i}") for i in range(2)]
    tickets = [make_ticket(customer, vehicle=vehicles[i % 2], labor_cost=Decimal("10.50") * i) for i in range(7)]
    return vehicles, tickets


@pytest.mark.django_db
@pytest.mark.parametrize("as_text", [False, True])
def test_a_page_is_the_one_the_orm_gives(paged_tickets, as_text):
    vehicles, _ = paged_tickets
    whole, by_vehicle = _ticket_page(as_text), _ticket_page(as_text, by_vehicle=True)
    for low, high in ((0, 3), (0, 10), (2, 5), (3, 4), (6, 9), (7, 10), (40, 50)):
        expected = list(whole.make_queryset()[low:high])
        with CaptureQueriesContext(connection) as queries:
            rows = whole.rows((), low, high)
        assert rows == expected
        assert [type(value) for row in rows for value in row.values()] == [
            type(value) for row in expected for value in row.values()
        ]
        assert len(queries) == 1
        assert queries[0]["sql"].endswith(connection.ops.limit_offset_sql(low, high))
        for vehicle in vehicles:
            assert by_vehicle.rows((vehicle.pk,), low, high) == list(by_vehicle.make_queryset(vehicle.pk)[low:high])
    assert whole.rows((), 0, 3)  # there were rows to compare
    assert by_vehicle.rows((vehicles[1].pk,), 0, 3)
    assert isinstance(whole.rows((), 0, 1)[0]["labor_cost"], Decimal)


@pytest.mark.django_db
def test_a_page_s_sql_is_built_once(paged_tickets, monkeypatch):
    from django.db.models.sql.compiler import SQLCompiler

    vehicles, _ = paged_tickets
    prepared = _ticket_page(by_vehicle=True)
    built = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: built.append(1) or as_sql(self, *a, **k))
    prepared.rows((vehicles[0].pk,), 0, 10)
    assert len(built) == 2  # two compilations, to find where the id and the slice go
    prepared.rows((vehicles[1].pk,), 10, 20)
    prepared.rows((vehicles[0].pk,), 1, 2)
    assert len(built) == 2
    with CaptureQueriesContext(connection) as queries:
        assert prepared.rows((vehicles[0].pk,), 3, 3) == []
    assert len(queries) == 0


@pytest.mark.django_db
def test_what_a_page_cannot_prove_goes_through_the_orm(paged_tickets):
    from mechanic_shop.core.prepared import PreparedPage

    vehicles, tickets = paged_tickets
    # Not values(): model instances, as the ORM gives them.
    instances = PreparedPage(lambda: ServiceTicket.objects.order_by("id"))
    assert instances.rows((), 0, 2) == tickets[:2]
    # Its argument in two places: not one slot to fill.
    twice = PreparedPage(
        lambda pk: ServiceTicket.objects.filter(vehicle_id=pk, customer__vehicles__id=pk).order_by("id").values("id"),
        takes_id=True,
    )
    assert twice.rows((vehicles[0].pk,), 0, 10) == [{"id": t.pk} for t in tickets[::2]]
    assert twice._local.prepared is None
    # An argument that is not an int is the ORM's to convert.
    prepared = _ticket_page(by_vehicle=True)
    assert prepared.rows((str(vehicles[1].pk),), 0, 10) == prepared.rows((vehicles[1].pk,), 0, 10) != []


@pytest.mark.django_db
def test_page_rows_are_what_the_paginator_takes(paged_tickets):
    from django.core.paginator import Paginator

    from mechanic_shop.api.pagination import CountHintPaginator

    vehicles, tickets = paged_tickets
    by_vehicle = _ticket_page(by_vehicle=True)
    for vehicle_id in (vehicles[0].pk, vehicles[1].pk, 10**9):
        with CaptureQueriesContext(connection) as queries:
            counted = by_vehicle.page(vehicle_id).count()
        assert counted == ServiceTicket.objects.filter(vehicle_id=vehicle_id).count()
        assert len(queries) == 1
        assert queries[0]["sql"].upper().startswith("SELECT COUNT(*) FROM (")
        # Counted without the page's ordering, which would make SQLite read every row of it first.
        assert "ORDER BY" not in queries[0]["sql"].upper()
    assert by_vehicle.count((str(vehicles[0].pk),)) == 4  # through the ORM
    rows = _ticket_page().page()
    assert [row["id"] for row in Paginator(rows, 3).page(2)] == [t.pk for t in tickets[::-1][3:6]]
    assert rows.count() == 7
    rows.count_hint = lambda: 4
    assert CountHintPaginator(rows, 3).num_pages == 2
    with pytest.raises(TypeError):
        rows[2]
    with pytest.raises(ValueError, match="both ends"):
        rows[2:]
