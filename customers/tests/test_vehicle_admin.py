"""The vehicle admin: search, the services' rules on its forms, and the vehicles on the customer's page."""

import pytest
from django.contrib.admin import AdminSite
from django.urls import reverse

from customers.admin import CustomerAdmin, CustomerVehicleInline
from customers.models import Customer, Vehicle
from customers.services import vehicle_create

pytestmark = pytest.mark.django_db

HONDA = "1HGCM82633A004352"
HONDA_BAD_CHECK = "1HGCM82634A004352"
VW = "WVWZZZ1JZXW000001"

# The vehicle page's service-history inline (added from the tickets app): its empty formset, as the page posts it.
TICKETS = {"tickets-TOTAL_FORMS": "0", "tickets-INITIAL_FORMS": "0"}


def test_vehicles_are_searchable_by_vin_and_plate(admin_client, customer):
    vehicle_create(vin=HONDA, customer=customer, license_plate="AB12")
    vehicle_create(vin=VW, customer=customer, license_plate="ZZ99")
    url = reverse("admin:customers_vehicle_changelist")
    page = admin_client.get(url, {"q": "zz99"}).content.decode()
    assert VW in page
    assert HONDA not in page
    page = admin_client.get(url, {"q": "1hgcm"}).content.decode()
    assert HONDA in page
    assert VW not in page


def test_adding_refuses_a_wrong_check_digit_and_decodes_a_right_one(admin_client, customer):
    url = reverse("admin:customers_vehicle_add")
    form = {"customer": customer.pk, "year": "", "make": "Honda", "model": "", "license_plate": "ab 12", **TICKETS}
    response = admin_client.post(url, {**form, "vin": HONDA_BAD_CHECK})
    assert response.status_code == 200
    assert "check digit" in response.content.decode()
    assert not Vehicle.objects.exists()
    response = admin_client.post(url, {**form, "vin": HONDA.lower()})
    assert response.status_code == 302
    vehicle = Vehicle.objects.get()
    assert (vehicle.vin, vehicle.license_plate, vehicle.vin_check, vehicle.manufacturer) == (
        HONDA,
        "AB12",
        "valid",
        "Honda",
    )


def test_changing_goes_through_the_services(admin_client, customer, other_customer):
    vehicle = vehicle_create(vin=HONDA, customer=customer)
    url = reverse("admin:customers_vehicle_change", args=[vehicle.pk])
    form = {"vin": VW, "customer": other_customer.pk, "year": "1899", "make": "", "model": "", "license_plate": ""}
    form |= TICKETS
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "1900" in response.content.decode()
    response = admin_client.post(url, {**form, "year": "1999"})
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert (vehicle.vin, vehicle.customer, vehicle.year, vehicle.vin_check, vehicle.manufacturer) == (
        VW,
        other_customer,
        1999,
        "not_required",
        "Volkswagen",
    )


def test_the_customers_page_shows_its_vehicles_only_to_who_may_view_them(rf, make_staff, customer):
    """On the base customer admin (the tickets app's extension must keep its inlines: see customers/admin.py)."""
    vehicle_create(vin=HONDA, customer=customer, make="Honda")
    site = AdminSite()
    customer_admin = CustomerAdmin(Customer, site)
    request = rf.get("/")
    request.user = make_staff("customers.view_customer")
    assert customer_admin.get_inline_instances(request, customer) == []
    request.user = make_staff("customers.view_customer", "customers.view_vehicle")
    (inline,) = customer_admin.get_inline_instances(request, customer)
    assert isinstance(inline, CustomerVehicleInline)
    assert [v.vin for v in inline.get_queryset(request).filter(customer=customer)] == [HONDA]
    assert not inline.has_add_permission(request, customer)
    assert not inline.has_change_permission(request, customer)
