"""/vehicles and /customers/my-vehicles: who may do what, the fields, bad input, and the database left behind."""

import datetime

import pytest
from django.urls import reverse

from customers.models import Vehicle
from customers.services import vehicle_create, vehicle_for_ticket
from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db

LIST = reverse("vehicle-list")
MINE = reverse("customer-my-vehicles-list")
HONDA = "1HGCM82633A004352"
HONDA_BAD_CHECK = "1HGCM82634A004352"
VW = "WVWZZZ1JZXW000001"
TESLA = "5YJ3E1EA2KF317000"


def detail(pk):
    return reverse("vehicle-detail", args=[pk])


@pytest.fixture
def car(customer):
    return vehicle_create(vin=HONDA, customer=customer, year=2003, make="Honda", model="Accord", license_plate="AB12")


@pytest.fixture
def other_car(other_customer):
    return vehicle_create(vin=VW, customer=other_customer)


def test_staff_creates_a_vehicle_with_every_field_of_the_contract(staff_client, customer):
    client = staff_client("customers.add_vehicle")
    body = {"vin": HONDA.lower(), "customer_id": customer.pk, "year": 2003, "make": "Honda", "model": "Accord"}
    response = client.post(LIST, {**body, "license_plate": "ab 12 cd", "odometer": 5, "ticket_count": 9}, format="json")
    assert response.status_code == 201, response.json()
    vehicle = Vehicle.objects.get()
    data = response.json()
    assert set(data) == {
        "id", "vin", "customer_id", "year", "make", "model", "license_plate", "odometer", "vin_check",
        "manufacturer", "model_year", "ticket_count", "last_service_date", "created_at", "updated_at",
    }  # fmt: skip
    assert data | {"created_at": None, "updated_at": None} == {
        "id": vehicle.pk,
        "vin": HONDA,
        "customer_id": customer.pk,
        "year": 2003,
        "make": "Honda",
        "model": "Accord",
        "license_plate": "AB12CD",
        "odometer": None,
        "vin_check": "valid",
        "manufacturer": "Honda",
        "model_year": 2003,
        "ticket_count": 0,
        "last_service_date": None,
        "created_at": None,
        "updated_at": None,
    }
    assert (vehicle.vin, vehicle.license_plate, vehicle.odometer, vehicle.ticket_count) == (HONDA, "AB12CD", None, 0)


def test_an_unknown_maker_is_null(staff_client, customer):
    response = staff_client("customers.add_vehicle").post(
        LIST, {"vin": "11111111111111111", "customer_id": customer.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["manufacturer"] is None
    assert Vehicle.objects.get().manufacturer == ""


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vin": HONDA_BAD_CHECK}, "vin"),
        ({"vin": "1HGCM82633A00435"}, "vin"),
        ({"vin": "1HGCM82633A00435I"}, "vin"),
        ({"vin": 12345678901234567}, "vin"),
        ({"customer_id": 999999}, "customer_id"),
        ({"customer_id": None}, "customer_id"),
        ({"year": 1899}, "year"),
        ({"year": datetime.date.today().year + 2}, "year"),
        ({"year": "2003"}, "year"),
        ({"make": "x" * 51}, "make"),
        ({"model": "x" * 51}, "model"),
        ({"license_plate": "ABCDEFGH 12345678"}, "license_plate"),
        ({"license_plate": "AB_12"}, "license_plate"),
        ({"license_plate": 12}, "license_plate"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(staff_client, customer, change, field):
    body = {"vin": HONDA, "customer_id": customer.pk, **change}
    response = staff_client("customers.add_vehicle").post(LIST, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Vehicle.objects.exists()


def test_a_vin_taken_is_400_on_vin(staff_client, car, other_customer):
    response = staff_client("customers.add_vehicle").post(
        LIST, {"vin": HONDA.lower(), "customer_id": other_customer.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["vin"]
    assert Vehicle.objects.get().customer_id == car.customer_id


def test_staff_patch_changes_the_vin_and_the_owner_and_moves_the_tickets_vin(
    staff_client, car, other_customer, make_ticket
):
    ticket = make_ticket(car.customer, vin=HONDA)
    ServiceTicket.objects.filter(pk=ticket.pk).update(vehicle=car)
    client = staff_client("customers.change_vehicle")
    response = client.patch(detail(car.pk), {"vin": HONDA_BAD_CHECK}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["vin"]
    response = client.patch(detail(car.pk), {"vin": TESLA, "customer_id": other_customer.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["vin"] == TESLA
    assert (response.json()["manufacturer"], response.json()["customer_id"]) == ("Tesla", other_customer.pk)
    car.refresh_from_db()
    ticket.refresh_from_db()
    assert (car.vin, car.customer, car.manufacturer, ticket.vin) == (TESLA, other_customer, "Tesla", TESLA)


def test_staff_put_needs_the_fields_of_create(staff_client, car):
    client = staff_client("customers.change_vehicle")
    response = client.put(detail(car.pk), {"make": "Acura"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"vin", "customer_id"}
    body = {"vin": HONDA, "customer_id": car.customer_id, "make": "Acura", "year": None}
    response = client.put(detail(car.pk), body, format="json")
    assert response.status_code == 200
    car.refresh_from_db()
    assert (car.make, car.model, car.year) == ("Acura", "Accord", None)


def test_delete_without_tickets_is_204(staff_client, car):
    response = staff_client("customers.delete_vehicle").delete(detail(car.pk))
    assert response.status_code == 204
    assert not Vehicle.objects.exists()


def test_delete_with_tickets_is_409_naming_the_vehicle(staff_client, car, make_ticket):
    ticket = make_ticket(car.customer, vin=HONDA)
    ServiceTicket.objects.filter(pk=ticket.pk).update(vehicle=car)
    response = staff_client("customers.delete_vehicle").delete(detail(car.pk))
    assert response.status_code == 409
    assert response.json() == {"detail": f"Vehicle {HONDA} has 1 service ticket; it cannot be deleted."}
    assert Vehicle.objects.filter(pk=car.pk).exists()


# Who may do what ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_401(anon_client, car, method):
    for url in (LIST, detail(car.pk), MINE):
        response = getattr(anon_client, method)(url, {}, format="json")
        assert response.status_code == 401
        assert "detail" in response.json()


def test_a_customer_lists_and_reads_only_its_own(customer_client, car, other_car):
    for url in (LIST, MINE):
        response = customer_client.get(url)
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["results"]] == [car.pk]
    assert customer_client.get(detail(car.pk)).json()["vin"] == HONDA
    assert customer_client.get(detail(other_car.pk)).status_code == 404


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_customers_vehicle_is_404(customer_client, other_car, method):
    response = getattr(customer_client, method)(detail(other_car.pk), {"make": "Stolen"}, format="json")
    assert response.status_code == 404
    other_car.refresh_from_db()
    assert other_car.make == ""


def test_a_customer_adds_its_own_car_whatever_customer_id_it_sends(customer_client, customer, other_customer):
    body = {"vin": HONDA, "customer_id": other_customer.pk, "make": "Honda"}
    response = customer_client.post(LIST, body, format="json")
    assert response.status_code == 201
    assert response.json()["customer_id"] == customer.pk
    assert Vehicle.objects.get().customer == customer


def test_a_customer_adding_a_car_still_needs_a_right_check_digit(customer_client):
    response = customer_client.post(LIST, {"vin": HONDA_BAD_CHECK}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["vin"]
    assert not Vehicle.objects.exists()


def test_the_owner_changes_only_what_describes_the_car(customer_client, car, other_customer):
    body = {"vin": TESLA, "customer_id": other_customer.pk, "year": 2004, "make": "Acura", "license_plate": "zz 9"}
    response = customer_client.patch(detail(car.pk), body, format="json")
    assert response.status_code == 200
    assert (response.json()["vin"], response.json()["customer_id"]) == (HONDA, car.customer_id)
    car.refresh_from_db()
    assert (car.vin, car.customer_id, car.year, car.make, car.model, car.license_plate) == (
        HONDA,
        car.customer_id,
        2004,
        "Acura",
        "Accord",
        "ZZ9",
    )
    response = customer_client.put(detail(car.pk), {"model": "Integra"}, format="json")
    assert response.status_code == 200
    car.refresh_from_db()
    assert (car.vin, car.model) == (HONDA, "Integra")


def test_a_customer_cannot_delete_even_its_own(customer_client, car):
    response = customer_client.delete(detail(car.pk))
    assert response.status_code == 403
    assert response.json() == {"detail": "A customer cannot delete a vehicle; ask the shop."}
    assert Vehicle.objects.filter(pk=car.pk).exists()


def test_staff_cannot_use_my_vehicles(staff_client):
    assert staff_client("customers.view_vehicle").get(MINE).status_code == 403


def test_staff_without_view_permission_is_403_on_list_and_detail(staff_client, car):
    client = staff_client("customers.change_vehicle", "customers.add_vehicle", "customers.delete_vehicle")
    assert client.get(LIST).status_code == 403
    assert client.get(detail(car.pk)).status_code == 403


NEW = {"vin": TESLA, "make": "Tesla"}


@pytest.mark.parametrize(
    ("perm", "method", "url_kind", "body", "expected"),
    [
        ("customers.view_vehicle", "get", "list", None, 200),
        ("customers.view_vehicle", "get", "detail", None, 200),
        ("customers.add_vehicle", "post", "list", NEW, 201),
        ("customers.change_vehicle", "patch", "detail", {"make": "Changed"}, 200),
        ("customers.change_vehicle", "put", "detail", NEW, 200),
        ("customers.delete_vehicle", "delete", "detail", None, 204),
    ],
)
def test_each_staff_operation_needs_its_permission(staff_client, car, perm, method, url_kind, body, expected):
    url = LIST if url_kind == "list" else detail(car.pk)
    if body is not None:
        body = {**body, "customer_id": car.customer_id}
    before = list(Vehicle.objects.values_list("pk", "vin", "make"))
    others = {"customers.view_vehicle", "customers.add_vehicle", "customers.change_vehicle", "customers.delete_vehicle"}
    denied = getattr(staff_client(*(others - {perm})), method)(url, body, format="json")
    assert denied.status_code == 403
    assert list(Vehicle.objects.values_list("pk", "vin", "make")) == before
    allowed = getattr(staff_client(perm), method)(url, body, format="json")
    assert allowed.status_code == expected
    after = list(Vehicle.objects.values_list("pk", "vin", "make"))
    if method == "get":
        assert after == before
    else:
        assert after != before


# Filters, search, order, query counts ------------------------------------------------------------------------------


def test_filters_search_and_order(staff_client, customer, other_customer):
    a = vehicle_create(vin=HONDA, customer=customer, make="Honda", model="Accord", license_plate="AB12")
    b = vehicle_create(vin=VW, customer=other_customer, make="Volkswagen", model="Golf")
    c = vehicle_for_ticket(vin=HONDA_BAD_CHECK, customer=customer)
    client = staff_client("customers.view_vehicle")

    def ids(query):
        response = client.get(LIST, query)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    assert ids({}) == [a.pk, b.pk, c.pk]
    assert ids({"ordering": "-id"}) == [c.pk, b.pk, a.pk]
    assert ids({"customer_id": customer.pk}) == [a.pk, c.pk]
    assert ids({"vin": VW.lower()}) == [b.pk]
    assert ids({"search": "golf"}) == [b.pk]
    assert ids({"search": "ab12"}) == [a.pk]
    assert ids({"search": "1HGCM"}) == [a.pk, c.pk]
    assert ids({"search": "honda accord"}) == [a.pk]
    for bad in ({"customer_id": "x"}, {"vin": "V" * 18}, {"search": "a " * 11}, {"ordering": "manufacturer"}):
        response = client.get(LIST, bad)
        if "ordering" in bad:  # DRF ignores an ordering it does not offer
            assert ids(bad) == [a.pk, b.pk, c.pk]
        else:
            assert response.status_code == 400
            assert list(response.json()) == list(bad)


@pytest.mark.parametrize(("url", "queries"), [(LIST, 3), (MINE, 4)])
def test_lists_take_a_constant_number_of_queries(
    url, queries, staff_client, customer_client, customer, django_assert_num_queries
):
    client = staff_client("customers.view_vehicle") if url == LIST else customer_client
    for n in range(30):
        vehicle_create(vin=f"WVWZZZ1JZXW{n:06d}", customer=customer)
    assert client.get(url).status_code == 200  # the caller's account and permissions are then cached
    for size in (2, 25):
        with django_assert_num_queries(queries):
            response = client.get(url, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
