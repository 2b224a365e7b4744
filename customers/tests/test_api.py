"""Customers through the API: registration, CRUD, validation, pagination, search and ordering."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from customers.models import Customer
from mechanic_shop.testing.factories import CUSTOMER_PASSWORD

pytestmark = pytest.mark.django_db

LIST = reverse("customer-list")


def detail(pk):
    return reverse("customer-detail", args=[pk])


def registration(**overrides):
    body = {"name": "Rita Racer", "email": "Rita@Example.com", "phone_number": "+1 (555) 010-2030"}
    body["password"] = CUSTOMER_PASSWORD
    body.update(overrides)
    return body


def test_anonymous_registration_creates_customer_with_login(anon_client):
    response = anon_client.post(LIST, registration(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "email", "phone_number", "notify_by_email", "created_at", "updated_at"}
    assert body["notify_by_email"] is True
    assert body["email"] == "rita@example.com"
    customer = Customer.objects.get(pk=body["id"])
    assert customer.email == "rita@example.com"
    assert customer.user is not None
    assert not customer.user.is_staff
    assert customer.user.check_password(CUSTOMER_PASSWORD)


def test_registration_without_password_is_refused(anon_client):
    body = registration()
    del body["password"]
    response = anon_client.post(LIST, body, format="json")
    assert response.status_code == 400
    assert "password" in response.json()
    assert not Customer.objects.exists()


@pytest.mark.parametrize("password", ["short1!", "12345678901", "password123", "rita@example.com"])
def test_weak_passwords_are_refused(anon_client, password):
    response = anon_client.post(LIST, registration(password=password), format="json")
    assert response.status_code == 400
    assert response.json()["password"]
    assert not Customer.objects.exists()


def test_staff_may_create_customer_without_password(staff_client):
    client = staff_client("customers.add_customer")
    body = registration()
    del body["password"]
    response = client.post(LIST, body, format="json")
    assert response.status_code == 201
    assert Customer.objects.get(pk=response.json()["id"]).user is None


def test_email_is_unique_regardless_of_case(anon_client, make_customer):
    make_customer(email="rita@example.com")
    response = anon_client.post(LIST, registration(email="RITA@EXAMPLE.COM"), format="json")
    assert response.status_code == 400
    assert "email" in response.json()
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 101),
        ("email", "not-an-email"),
        ("phone_number", "123"),
        ("phone_number", "1" * 21),
        ("phone_number", "555-CALL-NOW"),
        ("name", 12),
    ],
)
def test_invalid_fields_are_refused(anon_client, field, value):
    response = anon_client.post(LIST, registration(**{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Customer.objects.exists()


def test_missing_phone_number_is_refused(anon_client):
    body = registration()
    del body["phone_number"]
    response = anon_client.post(LIST, body, format="json")
    assert response.status_code == 400
    assert response.json()["phone_number"] == ["This field is required."]


def test_read_only_fields_are_ignored(anon_client):
    response = anon_client.post(LIST, registration(id=999, created_at="2000-01-01T00:00:00Z"), format="json")
    assert response.status_code == 201
    assert response.json()["id"] != 999
    assert not response.json()["created_at"].startswith("2000")


def test_customer_reads_own_record(customer_client, customer):
    response = customer_client.get(detail(customer.pk))
    assert response.status_code == 200
    assert response.json()["email"] == customer.email
    assert "password" not in response.json()


def test_customer_patch_changes_only_what_it_sends(customer_client, customer):
    response = customer_client.patch(detail(customer.pk), {"name": "New Name"}, format="json")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.phone_number) == ("New Name", "555-0100")


def test_put_needs_every_create_field_but_the_password(customer_client, customer):
    response = customer_client.put(detail(customer.pk), {"name": "Only Name"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "phone_number"}
    # A new email is a change of the login's name: the customer proves it knows the password.
    body = {"name": "N", "email": "n@example.com", "phone_number": "5551234", "current_password": CUSTOMER_PASSWORD}
    response = customer_client.put(detail(customer.pk), body, format="json")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.email == "n@example.com"


def test_customer_deletes_itself_and_its_login(customer_client, customer):
    user_id = customer.user_id
    response = customer_client.delete(detail(customer.pk))
    assert response.status_code == 204
    assert response.content == b""
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not get_user_model().objects.filter(pk=user_id).exists()


def test_customer_with_tickets_cannot_be_deleted(admin_client_api, customer, make_ticket):
    make_ticket(customer)
    response = admin_client_api.delete(detail(customer.pk))
    assert response.status_code == 409
    assert response.json()["detail"].endswith("is still referenced by 1 service ticket, so it cannot be deleted.")
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert customer.user is not None


def test_unknown_customer_is_404(admin_client_api):
    response = admin_client_api.get(detail(424242))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_list_is_paginated_in_id_order(admin_client_api, make_customer):
    made = [make_customer(with_login=False) for _ in range(12)]
    response = admin_client_api.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 12
    assert len(body["results"]) == 10
    assert body["previous"] is None
    assert [c["id"] for c in body["results"]] == [c.pk for c in made[:10]]
    second = admin_client_api.get(body["next"]).json()
    assert [c["id"] for c in second["results"]] == [c.pk for c in made[10:]]


def test_per_page_is_an_alias_of_page_size(admin_client_api, make_customer):
    for _ in range(5):
        make_customer(with_login=False)
    assert len(admin_client_api.get(LIST, {"per_page": 2}).json()["results"]) == 2
    assert len(admin_client_api.get(LIST, {"page_size": 3}).json()["results"]) == 3


def test_page_size_is_capped_at_100(admin_client_api):
    Customer.objects.bulk_create(
        Customer(name=f"C{i}", email=f"bulk{i}@example.com", phone_number="5550100") for i in range(105)
    )
    response = admin_client_api.get(LIST, {"page_size": 500})
    assert len(response.json()["results"]) == 100


def test_page_past_the_end_is_404(admin_client_api, customer):
    response = admin_client_api.get(LIST, {"page": 5})
    assert response.status_code == 404
    assert "detail" in response.json()


def test_search_matches_name_email_and_phone(admin_client_api, make_customer):
    rita = make_customer(name="Rita Racer", email="rita@example.com", phone_number="555-7777")
    make_customer(name="Bob Brakes", email="bob@example.com", phone_number="555-1111")
    for term in ("rita", "RITA@", "7777"):
        results = admin_client_api.get(LIST, {"search": term}).json()["results"]
        assert [c["id"] for c in results] == [rita.pk]


def test_ordering_by_name_descending(admin_client_api, make_customer):
    make_customer(name="Alice")
    make_customer(name="Carol")
    make_customer(name="Bob")
    names = [c["name"] for c in admin_client_api.get(LIST, {"ordering": "-name"}).json()["results"]]
    assert names == ["Carol", "Bob", "Alice"]


def test_ordering_by_a_field_not_offered_is_ignored(admin_client_api, make_customer):
    first, second = make_customer(phone_number="5559999"), make_customer(phone_number="5550000")
    ids = [c["id"] for c in admin_client_api.get(LIST, {"ordering": "phone_number"}).json()["results"]]
    assert ids == [first.pk, second.pk]


@pytest.mark.parametrize("path", ["/customers", "/customers/"])
def test_trailing_slash_is_optional_without_redirect(admin_client_api, customer, path):
    response = admin_client_api.get(path)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_post_without_trailing_slash_keeps_its_body(anon_client):
    response = anon_client.post("/customers", registration(), format="json")
    assert response.status_code == 201
    assert Customer.objects.filter(email="rita@example.com").exists()


def test_detail_without_trailing_slash(admin_client_api, customer):
    assert admin_client_api.get(f"/customers/{customer.pk}").status_code == 200
    assert admin_client_api.get(f"/customers/{customer.pk}/").status_code == 200


def test_list_queries_do_not_grow_with_page_size(admin_client_api, make_customer, django_assert_max_num_queries):
    for _ in range(30):
        make_customer(with_login=False)
    with django_assert_max_num_queries(4):
        assert len(admin_client_api.get(LIST, {"page_size": 5, "x": 1}).json()["results"]) == 5
    with django_assert_max_num_queries(4):
        assert len(admin_client_api.get(LIST, {"page_size": 30, "x": 2}).json()["results"]) == 30


def test_null_bytes_are_refused(anon_client):
    body = {"name": "Nul\x00l", "email": "n@example.com", "phone_number": "5550100", "password": "Tr1cky-Gear-42"}
    response = anon_client.post(reverse("customer-list"), body, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_another_scheme_on_registration_is_401_not_anonymous():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token abc")
    body = {"name": "Rita", "email": "rita@example.com", "phone_number": "5550100", "password": "Tr1cky-Gearbox-42"}
    response = client.post(reverse("customer-list"), body, format="json")
    assert response.status_code == 401
    assert not Customer.objects.exists()


LONG_EMAIL = "a" * 100_000 + "@example.com"


def no_query_mentions(captured, text):
    return not any(text in query["sql"] for query in captured)


def test_over_long_email_is_400_before_any_query_uses_it(staff_client, customer_client, customer):
    staff = staff_client("customers.add_customer", "customers.change_customer")
    with CaptureQueriesContext(connection) as captured:
        responses = [
            staff.post(LIST, registration(email=LONG_EMAIL), format="json"),
            APIClient().post(LIST, registration(email=LONG_EMAIL), format="json"),
            staff.patch(detail(customer.pk), {"email": LONG_EMAIL}, format="json"),
            customer_client.patch(detail(customer.pk), {"email": LONG_EMAIL}, format="json"),
        ]
    for response in responses:
        assert response.status_code == 400
        assert set(response.json()) == {"email"}
    assert no_query_mentions(captured.captured_queries, "a" * 1000)
    assert list(Customer.objects.values_list("email", flat=True)) == [customer.email]
