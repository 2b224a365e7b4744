"""/customers/me: the calling customer's own record, exactly as /customers/{its id}."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from customers.models import Customer
from mechanic_shop.testing.factories import CUSTOMER_PASSWORD

pytestmark = pytest.mark.django_db

ME = reverse("customer-me")


def detail(pk):
    return reverse("customer-detail", args=[pk])


def test_me_is_the_callers_own_record(customer_client, customer, other_customer):
    response = customer_client.get(ME)
    assert response.status_code == 200
    assert response.json() == customer_client.get(detail(customer.pk)).json()
    assert response.json()["id"] == customer.pk


def test_me_answers_with_and_without_trailing_slash(customer_client, customer):
    assert customer_client.get("/customers/me").json()["id"] == customer.pk
    assert customer_client.get("/customers/me/").json()["id"] == customer.pk


def test_put_me_replaces_the_own_record_only(customer_client, customer, other_customer):
    body = {"name": "Dana Renamed", "email": customer.email, "phone_number": "555-0199"}
    response = customer_client.put(ME, body, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Dana Renamed"
    assert response.json() == customer_client.get(detail(customer.pk)).json()
    customer.refresh_from_db()
    other_customer.refresh_from_db()
    assert (customer.name, customer.phone_number) == ("Dana Renamed", "555-0199")
    assert other_customer.name == "Olive Other"


def test_patch_me_changes_only_what_it_sends(customer_client, customer):
    response = customer_client.patch(ME, {"phone_number": "555-0123"}, format="json")
    assert response.status_code == 200
    assert response.json()["phone_number"] == "555-0123"
    customer.refresh_from_db()
    assert (customer.name, customer.phone_number) == ("Dana Driver", "555-0123")


def test_patch_me_validates_as_the_detail_does(customer_client, customer):
    response = customer_client.patch(ME, {"phone_number": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"phone_number"}
    customer.refresh_from_db()
    assert customer.phone_number == "555-0100"


def test_password_change_through_me_needs_the_current_password(customer_client, customer):
    missing = customer_client.patch(ME, {"password": "Brand-New-Pass-9"}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()) == {"current_password"}
    ok = customer_client.patch(
        ME, {"password": "Brand-New-Pass-9", "current_password": CUSTOMER_PASSWORD}, format="json"
    )
    assert ok.status_code == 200
    customer.user.refresh_from_db()
    assert customer.user.check_password("Brand-New-Pass-9")


def test_delete_me_deletes_the_customer_and_its_login(customer_client, customer, other_customer):
    user_pk = customer.user.pk
    response = customer_client.delete(ME)
    assert response.status_code == 204
    assert response.content == b""
    assert list(Customer.objects.values_list("pk", flat=True)) == [other_customer.pk]
    assert not get_user_model().objects.filter(pk=user_pk).exists()
    # Its token died with its login.
    assert customer_client.get(ME).status_code == 401


def test_delete_me_with_tickets_is_409(customer_client, customer, make_ticket):
    make_ticket(customer)
    response = customer_client.delete(ME)
    assert response.status_code == 409
    assert response.json()["detail"]
    assert Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options"])
def test_staff_get_403_on_me(admin_client_api, customer, method):
    response = getattr(admin_client_api, method)(ME, {"name": "Nope"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]
    customer.refresh_from_db()
    assert customer.name == "Dana Driver"
    assert Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options"])
def test_anonymous_gets_401_on_me(anon_client, customer, method):
    response = getattr(anon_client, method)(ME, {"name": "Nope"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    customer.refresh_from_db()
    assert customer.name == "Dana Driver"


def test_options_on_me_describes_the_own_record_to_its_customer(customer_client, customer):
    # OPTIONS is DRF's "metadata" action: it must still be the own-record route (it once looked up no id: a 500).
    response = customer_client.options(ME)
    assert response.status_code == 200
    assert set(response.json()["actions"]["PUT"]) >= {"name", "email", "phone_number", "password"}


def test_me_is_in_the_schema(admin_client_api):
    schema = admin_client_api.get(reverse("schema"), {"format": "json"}).json()
    operations = schema["paths"]["/customers/me"]
    assert set(operations) >= {"get", "put", "patch", "delete"}
    for method in ("get", "put", "patch", "delete"):
        assert operations[method]["security"] == [{"customerToken": []}]
        assert {"401", "403"} <= set(operations[method]["responses"])
    assert operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Customer")
    assert "204" in operations["delete"]["responses"]
