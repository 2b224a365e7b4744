"""`manage.py seed_shop`: demo data, the demo logins made as the API makes them, and kept across --flush."""

from collections import Counter, defaultdict
from dataclasses import astuple
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.urls import reverse
from rest_framework.test import APIClient

from customers.models import Customer, Vehicle
from customers.services import customer_authenticate
from customers.vins import check_digit, decode_vin
from mechanic_shop.testing.clients import bearer, customer_login
from tickets.management.commands.seed_shop import (
    DEMO_CUSTOMER_EMAIL,
    DEMO_PASSWORD,
    DEMO_STAFF_USERNAME,
)
from tickets.models import CompletedWork, LaborLine, ServiceTicket, TicketMechanic, TimeEntry
from tickets.tests.efficiency import board_from_entries

pytestmark = pytest.mark.django_db
SMALL = ["--customers=3", "--mechanics=2", "--parts=3", "--tickets=7", "--seed=1"]


def test_the_demo_customer_logs_in_like_any_customer_and_a_flush_keeps_its_login(django_user_model):
    call_command("seed_shop", *SMALL, "--demo-account")
    assert (Customer.objects.count(), ServiceTicket.objects.count()) == (3, 7)
    first = customer_authenticate(email=DEMO_CUSTOMER_EMAIL, password=DEMO_PASSWORD)
    assert first is not None
    assert not first.is_staff
    call_command("seed_shop", *SMALL, "--demo-account", "--flush")
    second = customer_authenticate(email=DEMO_CUSTOMER_EMAIL, password=DEMO_PASSWORD)
    assert second is not None
    assert second.pk == first.pk
    assert Customer.objects.get(email=DEMO_CUSTOMER_EMAIL).user_id == first.pk
    # The other customers (none had a login) are replaced; no login is left without its customer.
    assert (Customer.objects.count(), ServiceTicket.objects.count()) == (3, 7)
    assert not django_user_model.objects.filter(is_staff=False, customer=None).exists()


def test_tokens_obtained_before_a_flush_still_work_after_it(django_user_model):
    call_command("seed_shop", *SMALL, "--demo-account")
    anon = APIClient()
    credentials = {"username": DEMO_STAFF_USERNAME, "password": DEMO_PASSWORD}
    staff = anon.post(reverse("token-obtain"), credentials, format="json")
    assert staff.status_code == 200
    customer = customer_login(anon, DEMO_CUSTOMER_EMAIL, DEMO_PASSWORD)
    assert customer.status_code == 200
    staff_user = django_user_model.objects.get(username=DEMO_STAFF_USERNAME)

    call_command("seed_shop", *SMALL, "--demo-account", "--flush")

    assert django_user_model.objects.get(username=DEMO_STAFF_USERNAME).pk == staff_user.pk
    response = bearer(staff.json()["access"]).get(reverse("serviceticket-list"))
    assert response.status_code == 200
    assert response.json()["count"] == 7
    response = bearer(customer.json()["token"]).get(reverse("customer-my-tickets-list"))
    assert response.status_code == 200
    demo = Customer.objects.get(email=DEMO_CUSTOMER_EMAIL)
    assert response.json()["count"] == ServiceTicket.objects.filter(customer=demo).count()
    for body in (staff.json(), customer.json()):
        refreshed = anon.post(reverse("token-refresh"), {"refresh": body["refresh"]}, format="json")
        assert refreshed.status_code == 200


def test_a_flush_leaves_an_existing_demo_staff_account_as_it_is(django_user_model):
    kept = django_user_model.objects.create_user(DEMO_STAFF_USERNAME, password="Their-Own-Pass-2026", is_staff=True)
    call_command("seed_shop", *SMALL, "--demo-account", "--flush")
    kept.refresh_from_db()
    assert kept.check_password("Their-Own-Pass-2026")
    assert django_user_model.objects.filter(username=DEMO_STAFF_USERNAME).count() == 1


def test_help_describes_every_size_option(capsys):
    with pytest.raises(SystemExit):
        call_command("seed_shop", "--help")
    options = " ".join(capsys.readouterr().out.split("options:", 1)[1].split())  # one line, single spaces
    for option, default in (
        ("--customers", 50),
        ("--mechanics", 8),
        ("--parts", 40),
        ("--tickets", 200),
        ("--mechanics-per-ticket", 2),
        ("--parts-per-ticket", 2),
    ):
        described = options.split(f"{option} N ", 1)[1]
        assert described.startswith("How many "), option
        assert f"; default {default}." in described.split(" --", 1)[0], option


def test_every_ticket_is_on_the_vehicle_of_its_vin_whose_summary_and_rising_mileage_hold():
    call_command("seed_shop", "--customers=60", "--mechanics=3", "--parts=5", "--tickets=200", "--seed=2")
    vehicles = {vehicle.pk: vehicle for vehicle in Vehicle.objects.all()}
    history = defaultdict(list)
    for ticket in ServiceTicket.objects.order_by("service_date", "id"):
        assert ticket.vin == vehicles[ticket.vehicle_id].vin
        history[ticket.vehicle_id].append(ticket)
    assert sum(map(len, history.values())) == 200
    for vehicle in vehicles.values():
        tickets = history[vehicle.pk]
        readings = [mileage for t in tickets for mileage in (t.mileage_in, t.mileage_out) if mileage is not None]
        assert readings == sorted(readings), vehicle.vin  # never down in (service_date, id) order
        assert (vehicle.ticket_count, vehicle.last_service_date, vehicle.odometer) == (
            len(tickets),
            max((t.service_date for t in tickets), default=None),
            max(readings, default=None),
        )
        assert vehicle.vin[8] == check_digit(vehicle.vin)
        assert (vehicle.vin_check, vehicle.manufacturer, vehicle.model_year) == astuple(decode_vin(vehicle.vin))
        assert vehicle.vin_check in ("valid", "not_required")
        assert vehicle.manufacturer
        assert vehicle.year == vehicle.model_year
        assert vehicle.make
        assert vehicle.model
        assert vehicle.license_plate == "".join(vehicle.license_plate.split()).upper()
    # The shapes the demo shows: every customer with a car, some with several; cars with several tickets; a car
    # that changed hands, with tickets of its previous owner.
    cars = Counter(vehicle.customer_id for vehicle in vehicles.values())
    assert len(cars) == 60
    assert max(cars.values()) >= 2
    counts = [vehicle.ticket_count for vehicle in vehicles.values()]
    assert max(counts) >= 3
    assert any(t.customer_id != vehicles[t.vehicle_id].customer_id for tickets in history.values() for t in tickets)
    assert any(t.mileage_in is None for tickets in history.values() for t in tickets)
    assert any(t.mileage_out is not None for tickets in history.values() for t in tickets)


def test_a_flush_replaces_the_vehicles_too():
    call_command("seed_shop", *SMALL)
    first = set(Vehicle.objects.values_list("vin", flat=True))
    call_command("seed_shop", "--customers=3", "--mechanics=2", "--parts=3", "--tickets=7", "--seed=5", "--flush")
    assert Vehicle.objects.count() >= 3
    assert not first & set(Vehicle.objects.values_list("vin", flat=True))
    assert set(ServiceTicket.objects.values_list("vehicle__customer_id", flat=True)) <= set(
        Customer.objects.values_list("pk", flat=True)
    )


def test_labor_lines_and_time_entries_give_the_efficiency_leaderboard_something_to_rank(admin_client_api):
    call_command("seed_shop", "--customers=20", "--mechanics=6", "--tickets=300", "--seed=3")
    working = [ServiceTicket.Status.IN_PROGRESS, ServiceTicket.Status.COMPLETED]
    assert LaborLine.objects.exists()
    assert not LaborLine.objects.exclude(ticket__status__in=working).exists()
    assert not TimeEntry.objects.exclude(ticket__status__in=working).exists()
    assigned = set(TicketMechanic.objects.values_list("ticket_id", "mechanic_id"))
    named = LaborLine.objects.exclude(mechanic=None).values_list("ticket_id", "mechanic_id")
    assert set(named) <= assigned
    assert set(TimeEntry.objects.values_list("ticket_id", "mechanic_id")) <= assigned
    # Ended entries on completed tickets end by the ticket's completion; open ones only on tickets in progress, at
    # most one per mechanic.
    assert not TimeEntry.objects.filter(ticket__completed_at__lt=F("ended_at")).exists()
    assert not TimeEntry.objects.filter(ended_at=None).exclude(ticket__status="in_progress").exists()
    open_counts = TimeEntry.objects.filter(ended_at=None).values("mechanic").annotate(n=Count("id"))
    assert all(row["n"] == 1 for row in open_counts)
    assert TimeEntry.objects.filter(Q(ended_at=None)).exists()
    body = admin_client_api.get(reverse("mechanic-efficiency-list")).json()
    assert body["count"] >= 2
    efficiencies = [Decimal(row["efficiency"]) for row in body["results"]]
    assert efficiencies == sorted(efficiencies, reverse=True)
    assert len(set(efficiencies)) > 1
    # The board's rows are the completed tickets' entries and lines, as a completion writes them.
    assert body["results"] == board_from_entries()
    assert set(CompletedWork.objects.values_list("ticket_id", flat=True)) == set(
        ServiceTicket.objects.filter(status="completed", labor_lines__mechanic__isnull=False).values_list(
            "id", flat=True
        )
    ) | set(ServiceTicket.objects.filter(status="completed", time_entries__isnull=False).values_list("id", flat=True))
    # --flush deletes them too.
    call_command("seed_shop", "--customers=2", "--mechanics=1", "--tickets=0", "--flush")
    assert not LaborLine.objects.exists()
    assert not TimeEntry.objects.exists()
    assert not CompletedWork.objects.exists()
