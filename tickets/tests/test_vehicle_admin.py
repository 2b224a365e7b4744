"""The admin's vehicle pages show their tickets; a ticket's page links its vehicle and takes mileage through the
ticket services."""

from datetime import date

import pytest
from django.urls import reverse

from customers.models import Vehicle
from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db


def vehicle_url(vehicle):
    return reverse("admin:customers_vehicle_change", args=[vehicle.pk])


def ticket_url(ticket):
    return reverse("admin:tickets_serviceticket_change", args=[ticket.pk])


def test_vehicle_page_lists_its_tickets_newest_first(admin_client, customer, make_vehicle, make_ticket):
    vehicle = make_vehicle(customer)
    old = make_ticket(customer, vehicle=vehicle, service_date=date(2025, 5, 1), mileage_in=41_000)
    new = make_ticket(customer, vehicle=vehicle, service_date=date(2026, 5, 1), mileage_in=52_000)
    elsewhere = make_ticket(customer, service_date=date(2026, 6, 1))
    page = admin_client.get(vehicle_url(vehicle)).content.decode()
    assert "Service history" in page
    assert page.index(ticket_url(new)) < page.index(ticket_url(old))
    assert ticket_url(elsewhere) not in page
    assert "52000" in page
    assert customer.name in page


def test_vehicle_page_hides_tickets_and_names_per_permission(
    client, make_staff, customer, other_customer, make_vehicle, make_ticket
):
    vehicle = make_vehicle(other_customer)  # the ticket's customer is not the owner (the owner is the vehicle's own)
    ticket = make_ticket(customer, vehicle=vehicle)
    client.force_login(make_staff("customers.view_vehicle"))
    page = client.get(vehicle_url(vehicle)).content.decode()
    assert ticket_url(ticket) not in page
    client.force_login(make_staff("customers.view_vehicle", "tickets.view_serviceticket"))
    page = client.get(vehicle_url(vehicle)).content.decode()
    assert ticket_url(ticket) in page
    assert f"Customer #{customer.pk}" in page
    assert customer.name not in page


def test_ticket_page_links_its_vehicle(admin_client, customer, make_ticket):
    ticket = make_ticket(customer)
    page = admin_client.get(ticket_url(ticket)).content.decode()
    assert f'href="{vehicle_url(ticket.vehicle)}"' in page


def test_ticket_page_takes_a_new_vin_and_mileage_through_the_services(admin_client, customer, make_ticket):
    ticket = make_ticket(customer, service_date=date(2026, 1, 1))
    old_vehicle = ticket.vehicle
    page = admin_client.get(ticket_url(ticket))
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields if name != "assigned_mechanics"}
    data |= {
        "customer": customer.pk,
        "vin": "2HGCM82633A004352",
        "mileage_in": 12_000,
        "mileage_out": 12_010,
        "initial-status": "open",
        "status": "open",
        "lines-TOTAL_FORMS": 0,
        "lines-INITIAL_FORMS": 0,
        "labor_lines-TOTAL_FORMS": 0,
        "labor_lines-INITIAL_FORMS": 0,
        "time_entries-TOTAL_FORMS": 0,
        "time_entries-INITIAL_FORMS": 0,
        "service_date": "2026-01-01",
        "labor_cost": "0.00",
    }
    response = admin_client.post(ticket_url(ticket), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    moved = Vehicle.objects.get(vin="2HGCM82633A004352")
    assert (ticket.vehicle_id, ticket.vin, ticket.mileage_out) == (moved.pk, moved.vin, 12_010)
    moved.refresh_from_db()
    old_vehicle.refresh_from_db()
    assert (moved.ticket_count, moved.odometer) == (1, 12_010)
    assert old_vehicle.ticket_count == 0
    assert ServiceTicket.objects.count() == 1
