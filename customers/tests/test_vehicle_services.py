"""Vehicle services: the one path every vehicle write takes (API, admin, the ticket services)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from customers import services
from customers.models import Vehicle
from customers.services import vehicle_create, vehicle_delete, vehicle_for_ticket, vehicle_update
from mechanic_shop.core.exceptions import Conflict
from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db

HONDA = "1HGCM82633A004352"  # valid check digit
HONDA_BAD_CHECK = "1HGCM82634A004352"  # one character changed: the check digit no longer matches
TESLA = "5YJ3E1EA2KF317000"
VW = "WVWZZZ1JZXW000001"  # Germany: no check digit required


def test_create_normalizes_and_decodes_the_vin(customer):
    vehicle = vehicle_create(vin=f"  {HONDA.lower()} ", customer=customer, license_plate="ab 12 cd", make=" Honda ")
    stored = Vehicle.objects.get()
    assert stored == vehicle
    assert (stored.vin, stored.license_plate, stored.make) == (HONDA, "AB12CD", "Honda")
    assert (stored.vin_check, stored.manufacturer, stored.model_year) == ("valid", "Honda", 2003)
    assert (stored.odometer, stored.ticket_count, stored.last_service_date) == (None, 0, None)


def test_create_refuses_a_wrong_north_american_check_digit_and_saves_nothing(customer):
    with pytest.raises(ValidationError) as caught:
        vehicle_create(vin=HONDA_BAD_CHECK, customer=customer)
    assert list(caught.value.message_dict) == ["vin"]
    assert not Vehicle.objects.exists()


def test_create_takes_a_vin_without_a_required_check_digit(customer):
    vehicle = vehicle_create(vin=VW, customer=customer)
    assert (vehicle.vin_check, vehicle.manufacturer, vehicle.model_year) == ("not_required", "Volkswagen", 1999)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"vin": "1HGCM82633A00435"}, "vin"),  # 16 characters
        ({"vin": "1HGCM82633A00435O"}, "vin"),  # an O
        ({"year": 1899}, "year"),
        ({"year": datetime.date.today().year + 2}, "year"),
        ({"make": "x" * 51}, "make"),
        ({"model": "x" * 51}, "model"),
        ({"license_plate": "A" * 16}, "license_plate"),
        ({"license_plate": "AB_12"}, "license_plate"),
        ({"license_plate": "ÄB12"}, "license_plate"),
    ],
)
def test_create_names_the_bad_field(customer, fields, field):
    with pytest.raises(ValidationError) as caught:
        vehicle_create(**{"vin": HONDA, "customer": customer, **fields})
    assert list(caught.value.message_dict) == [field]
    assert not Vehicle.objects.exists()


def test_limits_are_accepted(customer):
    next_year = datetime.date.today().year + 1
    vehicle = vehicle_create(vin=HONDA, customer=customer, year=next_year, license_plate="A B-1 2 3 4 5 6 7 8 9 0 1 2")
    assert (vehicle.year, vehicle.license_plate) == (next_year, "AB-123456789012")
    vehicle_update(vehicle=vehicle, year=1900)
    vehicle.refresh_from_db()
    assert vehicle.year == 1900


def test_create_refuses_a_vin_already_taken(customer, other_customer):
    vehicle_create(vin=HONDA, customer=customer)
    with pytest.raises(ValidationError) as caught:
        vehicle_create(vin=HONDA.lower(), customer=other_customer)
    assert caught.value.message_dict == {"vin": ["A vehicle with this VIN already exists."]}
    assert Vehicle.objects.get().customer == customer


def test_update_of_the_vin_checks_decodes_and_moves_the_tickets_vin(customer, make_ticket):
    ticket = make_ticket(customer, vin=HONDA_BAD_CHECK)
    vehicle = vehicle_for_ticket(vin=HONDA_BAD_CHECK, customer=customer)
    ServiceTicket.objects.filter(pk=ticket.pk).update(vehicle=vehicle)  # until the ticket services link it
    with pytest.raises(ValidationError) as caught:
        vehicle_update(vehicle=vehicle, vin="1HGCM82635A004352")
    assert list(caught.value.message_dict) == ["vin"]
    vehicle.refresh_from_db()
    ticket.refresh_from_db()
    assert (vehicle.vin, ticket.vin) == (HONDA_BAD_CHECK, HONDA_BAD_CHECK)
    vehicle_update(vehicle=vehicle, vin=TESLA.lower())
    vehicle.refresh_from_db()
    ticket.refresh_from_db()
    assert (vehicle.vin, vehicle.vin_check, vehicle.manufacturer, vehicle.model_year) == (TESLA, "valid", "Tesla", 2019)
    assert ticket.vin == TESLA


def test_update_to_a_vin_another_vehicle_has_is_refused(customer):
    first = vehicle_create(vin=HONDA, customer=customer)
    second = vehicle_create(vin=VW, customer=customer)
    with pytest.raises(ValidationError) as caught:
        vehicle_update(vehicle=second, vin=HONDA)
    assert list(caught.value.message_dict) == ["vin"]
    assert set(Vehicle.objects.values_list("vin", flat=True)) == {first.vin, VW}


def test_update_keeps_an_unchanged_invalid_vin_and_changes_the_owner(customer, other_customer):
    vehicle = vehicle_for_ticket(vin=HONDA_BAD_CHECK, customer=customer)
    vehicle_update(vehicle=vehicle, vin=HONDA_BAD_CHECK.lower(), customer=other_customer, make="Honda")
    vehicle.refresh_from_db()
    assert (vehicle.vin, vehicle.vin_check, vehicle.customer, vehicle.make) == (
        HONDA_BAD_CHECK,
        "invalid",
        other_customer,
        "Honda",
    )


def test_delete_without_tickets(customer):
    vehicle = vehicle_create(vin=HONDA, customer=customer)
    vehicle_delete(vehicle=vehicle)
    assert not Vehicle.objects.exists()


def test_delete_with_tickets_is_a_conflict_naming_the_vehicle_and_its_count(customer, make_ticket):
    vehicle = vehicle_create(vin=HONDA, customer=customer)
    for _ in range(2):
        ticket = make_ticket(customer, vin=HONDA)
        ServiceTicket.objects.filter(pk=ticket.pk).update(vehicle=vehicle)
    with pytest.raises(Conflict) as caught:
        vehicle_delete(vehicle=vehicle)
    assert caught.value.detail == f"Vehicle {HONDA} has 2 service tickets; it cannot be deleted."
    assert Vehicle.objects.filter(pk=vehicle.pk).exists()
    with pytest.raises(ProtectedError):  # the foreign key backs the service up
        vehicle.delete()


def test_vehicle_for_ticket_finds_the_vin_whoever_owns_it(customer, other_customer):
    vehicle = vehicle_create(vin=HONDA, customer=customer)
    assert vehicle_for_ticket(vin=f" {HONDA.lower()}", customer=other_customer) == vehicle
    assert Vehicle.objects.get().customer == customer


def test_vehicle_for_ticket_creates_leniently_for_the_customer(customer):
    vehicle = vehicle_for_ticket(vin=HONDA_BAD_CHECK.lower(), customer=customer)
    stored = Vehicle.objects.get()
    assert stored == vehicle
    assert (stored.vin, stored.customer, stored.vin_check, stored.manufacturer) == (
        HONDA_BAD_CHECK,
        customer,
        "invalid",
        "Honda",
    )


def test_vehicle_for_ticket_refuses_what_is_not_a_vin(customer):
    with pytest.raises(ValidationError) as caught:
        vehicle_for_ticket(vin="NOT-A-VIN", customer=customer)
    assert list(caught.value.message_dict) == ["vin"]
    assert not Vehicle.objects.exists()


def test_vehicle_for_ticket_losing_the_race_returns_the_winners_vehicle(customer, other_customer, monkeypatch):
    """Another request commits the VIN between this one's read and its insert: the unique index refuses this insert
    and the winner's vehicle comes back, with no error and no second row."""
    winner = {}
    decode = services._decode_into

    def decode_while_a_rival_inserts(vehicle, *, strict):
        winner["vehicle"] = Vehicle.objects.create(vin=vehicle.vin, customer=other_customer, vin_check="valid")
        decode(vehicle, strict=strict)

    monkeypatch.setattr(services, "_decode_into", decode_while_a_rival_inserts)
    vehicle = vehicle_for_ticket(vin=HONDA, customer=customer)
    assert vehicle == winner["vehicle"]
    assert vehicle.customer == other_customer
    assert Vehicle.objects.count() == 1
