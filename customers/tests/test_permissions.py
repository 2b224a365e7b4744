"""Who may do what on /customers."""

import pytest
from django.urls import reverse

from customers.models import Customer

pytestmark = pytest.mark.django_db

LIST = reverse("customer-list")
NEW = {"name": "Nia New", "email": "nia@example.com", "phone_number": "5550199"}


def detail(pk):
    return reverse("customer-detail", args=[pk])


def test_anonymous_cannot_list_or_read(anon_client, customer):
    for url in (LIST, detail(customer.pk)):
        response = anon_client.get(url)
        assert response.status_code == 401
        assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_customer_cannot_list(customer_client):
    response = customer_client.get(LIST)
    assert response.status_code == 403
    assert "detail" in response.json()


def test_customer_cannot_register_another(customer_client):
    response = customer_client.post(LIST, NEW | {"password": "Another-Pass-77"}, format="json")
    assert response.status_code == 403
    assert not Customer.objects.filter(email="nia@example.com").exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_customers_record_is_404(customer_client, other_customer, method):
    response = getattr(customer_client, method)(detail(other_customer.pk), NEW, format="json")
    assert response.status_code == 404
    other_customer.refresh_from_db()
    assert other_customer.name == "Olive Other"


def test_staff_without_view_permission_is_403_on_list_and_detail(staff_client, customer):
    client = staff_client("customers.change_customer")
    assert client.get(LIST).status_code == 403
    assert client.get(detail(customer.pk)).status_code == 403


@pytest.mark.parametrize(
    ("perm", "method", "url_kind", "body", "expected"),
    [
        ("customers.view_customer", "get", "list", None, 200),
        ("customers.view_customer", "get", "detail", None, 200),
        ("customers.add_customer", "post", "list", NEW, 201),
        ("customers.change_customer", "patch", "detail", {"name": "Changed"}, 200),
        ("customers.change_customer", "put", "detail", NEW, 200),
        ("customers.delete_customer", "delete", "detail", None, 204),
    ],
)
def test_staff_with_the_permission_may(staff_client, customer, perm, method, url_kind, body, expected):
    client = staff_client(perm)
    url = LIST if url_kind == "list" else detail(customer.pk)
    assert getattr(client, method)(url, body, format="json").status_code == expected
    others = {p for p in ("view", "add", "change", "delete") if f"{p}_customer" not in perm}
    for action in others:
        verb = {"view": "get", "add": "post", "change": "patch", "delete": "delete"}[action]
        target = LIST if action == "add" else detail(customer.pk)
        if expected == 204 and target != LIST:
            continue  # the record is gone
        assert getattr(client, verb)(target, {"name": "X"}, format="json").status_code == 403


def test_non_staff_account_with_permissions_gets_nothing(make_staff, customer):
    from mechanic_shop.accounts.authentication import ROLE_STAFF
    from mechanic_shop.testing.clients import client_with_token

    user = make_staff("customers.view_customer", is_staff=False)
    assert client_with_token(user, ROLE_STAFF).get(LIST).status_code == 403
