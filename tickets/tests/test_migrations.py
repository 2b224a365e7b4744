"""Migrations 0003 and 0004: every ticket made before vehicles existed gets its vehicle, then the link is required.

Each test migrates the test database back to the state before them (tickets 0002: vehicles exist, tickets may
have none), fills it with the historical models of that state, migrates forward with Django's MigrationExecutor
and checks what is left; the fixture migrates to the latest state again afterwards. A few tables are rebuilt
each way, so the file takes about a second or two on SQLite and runs in `make test` with the rest.
"""

import datetime
from datetime import UTC

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

BEFORE = [("tickets", "0002_ticket_vehicle_and_mileage")]
LINKED = [("tickets", "0003_every_ticket_gets_its_vehicle")]
REQUIRED = [("tickets", "0004_every_ticket_has_a_vehicle")]

HONDA = "1HGCM82633A004352"  # North American, valid check digit
VW = "WVWZZZ1JZXW000001"  # German: no check digit required
WRONG_DIGIT = "1HGCM82634A004352"  # North American, wrong check digit
MALFORMED = "1HGCM82633A00435I"  # an I, which the VIN rule refuses: a ticket stored before the rule


def at(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def fill(apps):
    """Customers and tickets as they were before vehicles: VINs repeated across customers, ties on the date."""
    Customer = apps.get_model("customers", "Customer")
    ServiceTicket = apps.get_model("tickets", "ServiceTicket")
    ada, ben, cleo = (
        Customer.objects.create(name=name, email=f"{name.lower()}@example.com", phone_number="555-0100")
        for name in ("Ada", "Ben", "Cleo")
    )

    def ticket(customer, vin, day, hour=9, **fields):
        return ServiceTicket.objects.create(
            customer=customer, vin=vin, service_date=day, created_at=at(day, hour), description="Brakes", **fields
        )

    # HONDA: Ada, then Ben (the latest service_date), then Ada again but earlier: Ben owns it.
    ticket(ada, HONDA, "2024-01-10")
    ticket(ben, HONDA, "2025-03-01", hour=8)
    ticket(ada, HONDA, "2024-06-01", hour=17, status="completed")
    # VW: one date, Ada's ticket made later that day wins; a lower-case spelling of it is the same car.
    ticket(ben, VW, "2025-05-05", hour=8)
    ticket(ada, VW, "2025-05-05", hour=16)
    ticket(cleo, VW.lower(), "2023-02-02")
    # WRONG_DIGIT: same date and time: the higher id, Cleo's, wins.
    ticket(ben, WRONG_DIGIT, "2025-07-07")
    ticket(cleo, WRONG_DIGIT, "2025-07-07")
    ticket(cleo, MALFORMED, "2022-12-31", status="cancelled")
    return {"ada": ada.pk, "ben": ben.pk, "cleo": cleo.pk}


def snapshot(apps):
    """Every ticket's own columns but the VIN (which migration 0003 may upper-case) and its vehicle."""
    ServiceTicket = apps.get_model("tickets", "ServiceTicket")
    columns = ("id", "customer_id", "service_date", "created_at", "status", "description", "labor_cost")
    return list(ServiceTicket.objects.order_by("id").values_list(*columns))


def test_every_ticket_gets_the_vehicle_of_its_vin_owned_by_the_customer_of_its_most_recent_ticket(migrate):
    before = migrate(BEFORE)
    customers = fill(before)
    tickets_before = snapshot(before)

    after = migrate(LINKED)

    Vehicle = after.get_model("customers", "Vehicle")
    ServiceTicket = after.get_model("tickets", "ServiceTicket")
    assert snapshot(after) == tickets_before  # nothing lost, nothing else changed
    vehicles = {vehicle.vin: vehicle for vehicle in Vehicle.objects.all()}
    assert sorted(vehicles) == sorted([HONDA, VW, WRONG_DIGIT, MALFORMED])
    owners = {vin: vehicle.customer_id for vin, vehicle in vehicles.items()}
    assert owners == {
        HONDA: customers["ben"],
        VW: customers["ada"],
        WRONG_DIGIT: customers["cleo"],
        MALFORMED: customers["cleo"],
    }
    summary = {
        vin: (vehicle.ticket_count, vehicle.last_service_date, vehicle.odometer) for vin, vehicle in vehicles.items()
    }
    assert summary == {
        HONDA: (3, datetime.date(2025, 3, 1), None),
        VW: (3, datetime.date(2025, 5, 5), None),
        WRONG_DIGIT: (2, datetime.date(2025, 7, 7), None),
        MALFORMED: (1, datetime.date(2022, 12, 31), None),
    }
    decoded = {vin: (vehicle.vin_check, vehicle.manufacturer, vehicle.model_year) for vin, vehicle in vehicles.items()}
    assert decoded == {
        HONDA: ("valid", "Honda", 2003),
        VW: ("not_required", "Volkswagen", 1999),
        WRONG_DIGIT: ("invalid", "Honda", 2004),
        MALFORMED: ("invalid", "", None),
    }
    assert all((v.year, v.make, v.model, v.license_plate) == (None, "", "", "") for v in vehicles.values())
    # Every ticket on the vehicle of its VIN, its VIN upper-case like the vehicle's.
    links = list(ServiceTicket.objects.values_list("vin", "vehicle__vin"))
    assert len(links) == 9
    assert all(vin == vehicle_vin for vin, vehicle_vin in links)

    migrate(REQUIRED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceTicket.objects.filter(vin=HONDA).update(vehicle=None)


def test_the_migration_runs_a_fixed_number_of_queries_whatever_the_number_of_tickets(migrate):
    def queries_for(tickets: int) -> int:
        apps = migrate(BEFORE)
        ServiceTicket = apps.get_model("tickets", "ServiceTicket")
        ServiceTicket.objects.all().delete()
        apps.get_model("customers", "Vehicle").objects.all().delete()
        customer = apps.get_model("customers", "Customer").objects.get_or_create(
            email="many@example.com", defaults={"name": "Many", "phone_number": "555-0100"}
        )[0]
        ServiceTicket.objects.bulk_create(
            ServiceTicket(customer=customer, vin=f"{n:017d}", service_date="2025-01-01", description="Oil")
            for n in range(tickets)
        )
        with CaptureQueriesContext(connection) as captured:
            apps = migrate(LINKED)
        assert apps.get_model("customers", "Vehicle").objects.count() == tickets
        return len(captured)

    assert queries_for(3) == queries_for(60)


def test_the_reverse_unlinks_every_ticket_and_deletes_the_vehicles_and_forward_again_gives_the_same(migrate):
    before = migrate(BEFORE)
    fill(before)
    tickets_before = snapshot(before)
    linked = migrate(REQUIRED)
    owners = dict(linked.get_model("customers", "Vehicle").objects.values_list("vin", "customer_id"))

    back = migrate(BEFORE)

    assert snapshot(back) == tickets_before
    assert not back.get_model("tickets", "ServiceTicket").objects.exclude(vehicle=None).exists()
    assert not back.get_model("customers", "Vehicle").objects.exists()
    again = migrate(REQUIRED)
    assert dict(again.get_model("customers", "Vehicle").objects.values_list("vin", "customer_id")) == owners
    assert snapshot(again) == tickets_before
