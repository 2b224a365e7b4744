"""Tickets and their vehicles: the vehicle behind every ticket, mileage in service_date order, the vehicle's summary
(odometer, ticket count, last service date), the vehicle_id filter and the vehicle's service history."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import Vehicle
from mechanic_shop.testing.factories import valid_vin
from tickets.models import ServiceTicket
from tickets.services import ticket_create, ticket_delete, ticket_update

pytestmark = pytest.mark.django_db
LIST = reverse("serviceticket-list")
VIN = "1HGCM82633A004352"


def detail(pk):
    return reverse("serviceticket-detail", args=[pk])


def history(vehicle_pk):
    return reverse("vehicle-service-history-list", args=[vehicle_pk])


@pytest.fixture
def api(admin_client_api):
    return admin_client_api


def new_ticket(customer, **fields):
    return {"service_date": "2026-02-07", "description": "Oil change", "customer_id": customer.pk, **fields}


def summary(vehicle):
    vehicle.refresh_from_db()
    return vehicle.ticket_count, vehicle.odometer, vehicle.last_service_date


# --- The vehicle behind a ticket -------------------------------------------------------------------------------


def test_a_vin_only_ticket_gets_a_new_vehicle_for_its_customer(api, customer):
    response = api.post(LIST, new_ticket(customer, vin=VIN.lower()), format="json")
    assert response.status_code == 201
    vehicle = Vehicle.objects.get(vin=VIN)
    assert response.json()["vehicle_id"] == vehicle.pk
    assert response.json()["vin"] == VIN
    assert vehicle.customer_id == customer.pk
    assert summary(vehicle) == (1, None, date(2026, 2, 7))


def test_a_known_vin_reuses_its_vehicle_whoever_owns_it(api, customer, other_customer, make_vehicle):
    vehicle = make_vehicle(other_customer, vin=VIN)
    response = api.post(LIST, new_ticket(customer, vin=VIN), format="json")
    assert response.status_code == 201
    assert response.json()["vehicle_id"] == vehicle.pk
    assert Vehicle.objects.count() == 1
    vehicle.refresh_from_db()
    assert vehicle.customer_id == other_customer.pk  # ownership changes only by a PATCH of the vehicle
    assert ServiceTicket.objects.get().customer_id == customer.pk


def test_a_ticket_by_vehicle_id_carries_its_vin(api, customer, make_vehicle):
    vehicle = make_vehicle(customer)
    response = api.post(LIST, new_ticket(customer, vehicle_id=vehicle.pk), format="json")
    assert response.status_code == 201
    assert (response.json()["vehicle_id"], response.json()["vin"]) == (vehicle.pk, vehicle.vin)
    assert ServiceTicket.objects.get().vin == vehicle.vin


def test_vin_and_vehicle_id_of_one_vehicle_are_fine(api, customer, make_vehicle):
    vehicle = make_vehicle(customer)
    body = new_ticket(customer, vehicle_id=vehicle.pk, vin=vehicle.vin.lower())
    assert api.post(LIST, body, format="json").status_code == 201


def test_vin_and_vehicle_id_of_two_vehicles_are_400_and_nothing_is_made(api, customer, make_vehicle):
    vehicle = make_vehicle(customer)
    response = api.post(LIST, new_ticket(customer, vehicle_id=vehicle.pk, vin=VIN), format="json")
    assert response.status_code == 400
    assert "not" in response.json()["vehicle_id"][0]
    assert VIN in response.json()["vehicle_id"][0]
    assert not ServiceTicket.objects.exists()
    assert list(Vehicle.objects.values_list("pk", flat=True)) == [vehicle.pk]


@pytest.mark.parametrize("vehicle_id", [999_999, 10**20, "1", None])
def test_an_unknown_or_malformed_vehicle_id_is_400(api, customer, vehicle_id):
    response = api.post(LIST, new_ticket(customer, vehicle_id=vehicle_id), format="json")
    assert response.status_code == 400
    assert "vehicle_id" in response.json()
    assert not ServiceTicket.objects.exists()


def test_neither_vin_nor_vehicle_id_is_400_with_the_other_missing_fields(api, customer):
    response = api.post(LIST, {"customer_id": customer.pk}, format="json")
    assert response.status_code == 400
    assert {"vin", "service_date", "description"} <= set(response.json())
    assert not ServiceTicket.objects.exists()
    assert not Vehicle.objects.exists()


def test_patching_the_vin_moves_the_ticket_and_both_summaries(api, customer, make_ticket):
    ticket = make_ticket(customer, vin=VIN, mileage_in=1000)
    old = ticket.vehicle
    new_vin = valid_vin()
    response = api.patch(detail(ticket.pk), {"vin": new_vin}, format="json")
    assert response.status_code == 200
    moved = Vehicle.objects.get(vin=new_vin)
    assert (response.json()["vehicle_id"], response.json()["vin"]) == (moved.pk, new_vin)
    assert moved.customer_id == customer.pk
    assert summary(moved) == (1, 1000, date(2026, 1, 1))
    assert summary(old) == (0, None, None)


def test_patching_the_vehicle_id_moves_the_ticket(api, customer, other_customer, make_ticket, make_vehicle):
    ticket = make_ticket(customer, vin=VIN)
    theirs = make_vehicle(other_customer)  # a car that changed hands may be used
    response = api.patch(detail(ticket.pk), {"vehicle_id": theirs.pk}, format="json")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.vehicle_id, ticket.vin, ticket.customer_id) == (theirs.pk, theirs.vin, customer.pk)
    assert summary(theirs)[0] == 1


def test_patching_both_for_two_vehicles_is_400(api, customer, make_ticket, make_vehicle):
    ticket = make_ticket(customer, vin=VIN)
    other = make_vehicle(customer)
    response = api.patch(detail(ticket.pk), {"vehicle_id": other.pk, "vin": VIN}, format="json")
    assert response.status_code == 400
    assert "vehicle_id" in response.json()
    ticket.refresh_from_db()
    assert ticket.vin == VIN
    assert ticket.vehicle.vin == VIN


def test_put_by_vehicle_id_needs_no_vin(api, customer, make_ticket, make_vehicle):
    ticket = make_ticket(customer, vin=VIN)
    other = make_vehicle(customer)
    response = api.put(detail(ticket.pk), new_ticket(customer, vehicle_id=other.pk), format="json")
    assert response.status_code == 200
    assert response.json()["vin"] == other.vin
    assert ServiceTicket.objects.get().vehicle_id == other.pk


def test_a_patch_of_other_fields_keeps_the_vehicle(api, customer, make_ticket):
    ticket = make_ticket(customer, vin=VIN)
    vehicle_id = ticket.vehicle_id
    response = api.patch(detail(ticket.pk), {"description": "Now the wipers", "vin": VIN.lower()}, format="json")
    assert response.status_code == 200
    assert response.json()["vehicle_id"] == vehicle_id
    assert Vehicle.objects.count() == 1


# --- Mileage -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mileage_in": -1}, "mileage_in"),
        ({"mileage_in": 2_000_001}, "mileage_in"),
        ({"mileage_out": 2_000_001}, "mileage_out"),
        ({"mileage_in": "12"}, "mileage_in"),
        ({"mileage_in": 1.5}, "mileage_in"),
        ({"mileage_in": 5000, "mileage_out": 4999}, "mileage_out"),
    ],
)
def test_bad_mileage_is_400_naming_the_field(api, customer, fields, field):
    response = api.post(LIST, new_ticket(customer, vin=VIN, **fields), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ServiceTicket.objects.exists()


def test_mileage_bounds_and_equal_readings_are_fine(api, customer):
    body = new_ticket(customer, vin=VIN, mileage_in=0, mileage_out=0)
    assert api.post(LIST, body, format="json").status_code == 201
    body = new_ticket(customer, vin=VIN, mileage_in=0, mileage_out=2_000_000, service_date="2026-02-08")
    response = api.post(LIST, body, format="json")
    assert response.status_code == 201
    assert (response.json()["mileage_in"], response.json()["mileage_out"]) == (0, 2_000_000)
    assert Vehicle.objects.get().odometer == 2_000_000


def test_a_later_visit_cannot_read_less_than_an_earlier_one(api, customer, make_ticket):
    earlier = make_ticket(customer, vin=VIN, service_date=date(2026, 3, 1), mileage_in=50_000, mileage_out=50_010)
    response = api.post(
        LIST, new_ticket(customer, vin=VIN, service_date="2026-03-02", mileage_in=50_009), format="json"
    )
    assert response.status_code == 400
    assert "50010" in response.json()["mileage_in"][0]
    assert ServiceTicket.objects.get().pk == earlier.pk
    assert summary(earlier.vehicle) == (1, 50_010, date(2026, 3, 1))


def test_an_earlier_visit_cannot_read_more_than_a_later_one(api, customer, make_ticket):
    make_ticket(customer, vin=VIN, service_date=date(2026, 3, 10), mileage_in=60_000)
    response = api.post(
        LIST, new_ticket(customer, vin=VIN, service_date="2026-03-01", mileage_in=55_000, mileage_out=60_001),
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()) == {"mileage_out"}
    ok = new_ticket(customer, vin=VIN, service_date="2026-03-01", mileage_in=55_000, mileage_out=60_000)
    assert api.post(LIST, ok, format="json").status_code == 201
    assert ServiceTicket.objects.count() == 2


def test_on_the_same_day_the_ticket_id_orders_the_visits(make_ticket, customer):
    first = make_ticket(customer, vin=VIN, service_date=date(2026, 3, 1), mileage_in=100)
    with pytest.raises(ValidationError) as refused:
        make_ticket(customer, vin=VIN, service_date=date(2026, 3, 1), mileage_in=99)
    assert "mileage_in" in refused.value.message_dict
    second = make_ticket(customer, vin=VIN, service_date=date(2026, 3, 1), mileage_in=100)
    # The first visit of the day may not then read more than the second.
    with pytest.raises(ValidationError) as refused:
        ticket_update(ticket=first, mileage_out=101)
    assert "mileage_out" in refused.value.message_dict
    assert ServiceTicket.objects.get(pk=first.pk).mileage_out is None
    assert second.vehicle.tickets.count() == 2


def test_moving_a_visit_in_time_is_checked_and_names_the_service_date(api, customer, make_ticket):
    make_ticket(customer, vin=VIN, service_date=date(2026, 3, 1), mileage_in=10_000)
    later = make_ticket(customer, vin=VIN, service_date=date(2026, 4, 1), mileage_in=20_000)
    response = api.patch(detail(later.pk), {"service_date": "2026-02-01"}, format="json")
    assert response.status_code == 400
    assert "10000" in response.json()["service_date"][0]
    later.refresh_from_db()
    assert later.service_date == date(2026, 4, 1)
    assert summary(later.vehicle) == (2, 20_000, date(2026, 4, 1))


def test_moving_a_ticket_to_another_vehicle_checks_that_vehicles_mileage(api, customer, make_ticket, make_vehicle):
    other = make_vehicle(customer)
    make_ticket(customer, vehicle=other, service_date=date(2026, 1, 1), mileage_in=90_000)
    ticket = make_ticket(customer, vin=VIN, service_date=date(2026, 2, 1), mileage_in=5_000)
    response = api.patch(detail(ticket.pk), {"vehicle_id": other.pk}, format="json")
    assert response.status_code == 400
    assert "vehicle_id" in response.json()
    ticket.refresh_from_db()
    assert ticket.vin == VIN
    # With a reading that fits, it moves.
    response = api.patch(detail(ticket.pk), {"vehicle_id": other.pk, "mileage_in": 90_500}, format="json")
    assert response.status_code == 200
    assert summary(other) == (2, 90_500, date(2026, 2, 1))


def test_patching_mileage_out_below_the_stored_in_is_400(api, customer, make_ticket):
    ticket = make_ticket(customer, vin=VIN, mileage_in=700)
    response = api.patch(detail(ticket.pk), {"mileage_out": 699}, format="json")
    assert response.status_code == 400
    assert "mileage_out" in response.json()
    ticket.refresh_from_db()
    assert ticket.mileage_out is None


def test_the_services_check_the_range_for_every_path(customer, make_vehicle):
    vehicle = make_vehicle(customer)
    with pytest.raises(ValidationError) as refused:
        ticket_create(
            customer=customer, vehicle=vehicle, service_date=date(2026, 1, 1), description="x", mileage_in=2_000_001
        )
    assert "mileage_in" in refused.value.message_dict
    assert not ServiceTicket.objects.exists()


# --- The vehicle's summary -----------------------------------------------------------------------------------


def test_the_summary_follows_creates_updates_and_deletes(api, customer, make_ticket):
    first = make_ticket(customer, vin=VIN, service_date=date(2026, 1, 5), mileage_in=1_000, mileage_out=1_020)
    vehicle = first.vehicle
    assert summary(vehicle) == (1, 1_020, date(2026, 1, 5))
    second = make_ticket(customer, vin=VIN, service_date=date(2026, 2, 5))
    assert summary(vehicle) == (2, 1_020, date(2026, 2, 5))
    assert api.patch(detail(second.pk), {"mileage_in": 3_000}, format="json").status_code == 200
    assert summary(vehicle) == (2, 3_000, date(2026, 2, 5))
    assert api.patch(detail(second.pk), {"service_date": "2026-03-01"}, format="json").status_code == 200
    assert summary(vehicle) == (2, 3_000, date(2026, 3, 1))
    assert api.delete(detail(second.pk)).status_code == 204
    assert summary(vehicle) == (1, 1_020, date(2026, 1, 5))
    ticket_delete(ticket=first)
    assert summary(vehicle) == (0, None, None)


# --- Filter and service history ------------------------------------------------------------------------------


def test_the_vehicle_id_filter(api, customer, make_ticket, make_vehicle):
    vehicle = make_vehicle(customer)
    mine = [make_ticket(customer, vehicle=vehicle, description=f"Job {i}") for i in range(2)]
    make_ticket(customer, vin=VIN)
    response = api.get(LIST, {"vehicle_id": vehicle.pk})
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [t.pk for t in reversed(mine)]
    assert api.get(LIST, {"vehicle_id": "x"}).status_code == 400
    assert api.get(LIST, {"vehicle_id": 999_999}).json()["count"] == 0


@pytest.fixture
def car_with_history(customer, other_customer, make_ticket, make_vehicle):
    """A car of `customer` that `other_customer` had before: two old tickets of theirs, three of the owner's."""
    vehicle = make_vehicle(customer)
    dates = [date(2025, 1, 1), date(2025, 6, 1), date(2026, 1, 1), date(2026, 3, 1), date(2026, 3, 1)]
    owners = [other_customer, other_customer, customer, customer, customer]
    tickets = [
        make_ticket(owner, vehicle=vehicle, service_date=day, mileage_in=10_000 * (i + 1), description=f"Visit {i}")
        for i, (owner, day) in enumerate(zip(owners, dates, strict=True))
    ]
    return vehicle, tickets


def test_staff_see_the_whole_history_newest_service_date_first(staff_client, car_with_history, make_ticket):
    vehicle, tickets = car_with_history
    make_ticket(vin=VIN)  # another car's
    client = staff_client("tickets.view_serviceticket")
    response = client.get(history(vehicle.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    # Newest service_date first, then the higher id first on the same day.
    expected = [tickets[4], tickets[3], tickets[2], tickets[1], tickets[0]]
    assert [t["id"] for t in body["results"]] == [t.pk for t in expected]
    assert body["results"][0]["vehicle_id"] == vehicle.pk
    assert body["results"][0]["mileage_in"] == 50_000
    assert set(body["results"][0]) == set(client.get(detail(tickets[4].pk)).json())


def test_the_owner_sees_only_its_own_tickets_of_its_car(customer_client, car_with_history):
    vehicle, tickets = car_with_history
    response = customer_client.get(history(vehicle.pk))
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [tickets[4].pk, tickets[3].pk, tickets[2].pk]
    assert response.json()["count"] == 3  # counted, not the car's ticket_count (5)


def test_a_former_owner_or_stranger_gets_404(other_customer_client, car_with_history):
    vehicle, _tickets = car_with_history
    response = other_customer_client.get(history(vehicle.pk))
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("client_name", "perms", "expected"),
    [
        ("anon_client", (), 401),
        ("staff_client", (), 403),
        ("staff_client", ("customers.view_vehicle",), 403),
        ("staff_client", ("tickets.view_serviceticket",), 404),
    ],
)
def test_history_access(request, client_name, perms, expected, car_with_history):
    vehicle, _tickets = car_with_history
    client = request.getfixturevalue(client_name)
    if client_name == "staff_client":
        client = client(*perms)
    assert client.get(history(vehicle.pk)).status_code == (200 if expected == 404 else expected)
    assert client.get(history(999_999)).status_code == expected


@pytest.mark.parametrize("query", [{}, {"status": "open"}, {"page_size": 100}, {"search": "brakes"}])
def test_no_such_vehicle_is_404_whether_the_page_is_prepared_or_filtered(staff_client, customer_client, query):
    # Staff with only the page in the query string are refused by the count hint, before any queryset is built;
    # with a filter, by the view's queryset; a customer always by the queryset.
    for client in (staff_client("tickets.view_serviceticket"), customer_client):
        response = client.get(history(999_999), query)
        assert response.status_code == 404
        assert response.json() == {"detail": "No such vehicle."}


def test_a_staff_page_of_the_whole_history_builds_no_queryset(staff_client, car_with_history, monkeypatch):
    from tickets.views import VehicleServiceHistoryViewSet

    vehicle, tickets = car_with_history

    def not_built(self):
        raise AssertionError("the prepared page stands for the queryset")

    monkeypatch.setattr(VehicleServiceHistoryViewSet, "get_queryset", not_built)
    response = staff_client("tickets.view_serviceticket").get(history(vehicle.pk), {"page_size": 2})
    assert response.status_code == 200
    assert response.json()["count"] == 5
    assert [t["id"] for t in response.json()["results"]] == [tickets[4].pk, tickets[3].pk]


def test_history_is_paginated(staff_client, car_with_history):
    vehicle, tickets = car_with_history
    client = staff_client("tickets.view_serviceticket")
    response = client.get(history(vehicle.pk), {"page_size": 2, "page": 3})
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [tickets[0].pk]
    assert client.get(history(vehicle.pk), {"page_size": 2, "page": 4}).status_code == 404


def test_the_staff_count_follows_creates_moves_and_deletes(api, staff_client, car_with_history, make_ticket):
    """Staff's unfiltered history takes its count from the vehicle's ticket_count: it must stay the true count."""
    vehicle, tickets = car_with_history
    client = staff_client("tickets.view_serviceticket")

    def counted(**params):
        response = client.get(history(vehicle.pk), params)
        assert response.status_code == 200
        return response.json()["count"]

    assert counted() == 5
    added = make_ticket(tickets[2].customer, vehicle=vehicle, service_date=date(2026, 4, 1), mileage_in=60_000)
    assert counted() == ServiceTicket.objects.filter(vehicle=vehicle).count() == 6
    assert api.patch(detail(added.pk), {"vin": valid_vin()}, format="json").status_code == 200  # moved away
    assert counted() == 5
    assert api.delete(detail(tickets[4].pk)).status_code == 204
    assert counted() == 4
    assert counted(page_size=1, page=4) == 4
    # A filter counts the tickets it keeps.
    assert counted(updated_after="2999-01-01T00:00:00Z") == 0


@pytest.mark.parametrize(("client_name", "budget"), [("staff", 8), ("customer_client", 10)])
def test_history_costs_the_same_for_3_and_30_tickets(
    request, staff_client, customer, make_ticket, make_vehicle, make_mechanic, django_assert_num_queries,
    client_name, budget,
):  # fmt: skip
    vehicle = make_vehicle(customer)
    mechanics = [make_mechanic(), make_mechanic()]
    for i in range(30):
        make_ticket(customer, vehicle=vehicle, service_date=date(2026, 1, 1 + i), mechanics=mechanics)
    client = (
        staff_client("tickets.view_serviceticket") if client_name == "staff" else request.getfixturevalue(client_name)
    )
    client.get(history(vehicle.pk))  # warm the permission cache
    for size in (3, 30):
        # user (+ customer) + vehicle (with its ticket_count for staff) (+ count for a customer) + page + mechanics +
        # lines + clocked time
        with django_assert_num_queries(budget):
            response = client.get(history(vehicle.pk), {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        assert all(len(t["mechanics"]) == 2 for t in response.json()["results"])
