"""A detail by id alone runs the statement prepared for its viewset (mechanic_shop/core/prepared.py); every other
detail goes through DRF's get_object as before, and both answer the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.views import CustomerViewSet
from mechanic_shop.api import viewsets
from mechanic_shop.core import prepared


@pytest.fixture
def spy(monkeypatch):
    """Counts the lookups run through a prepared statement, and starts every test with none prepared."""
    runs = []
    monkeypatch.setattr(viewsets.ShopViewSetMixin, "_prepared", {})
    real_get = prepared.PreparedLookup.get

    def get(self, pk):
        runs.append(pk)
        return real_get(self, pk)

    monkeypatch.setattr(prepared.PreparedLookup, "get", get)
    return runs


@pytest.mark.django_db
def test_a_staff_detail_runs_the_prepared_statement(staff_client, make_customer, spy):
    customer = make_customer(name="Ada Lovelace")
    client = staff_client("customers.view_customer")

    response = client.get(f"/customers/{customer.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "Ada Lovelace"
    assert spy == [customer.pk]
    assert (CustomerViewSet, "default") in viewsets.ShopViewSetMixin._prepared

    # Prepared once: the next request builds no SQL and gives the same answer, in the same two queries.
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/customers/{customer.pk}")
    assert again.json() == response.json()
    assert spy == [customer.pk, customer.pk]
    assert len(queries) == 2  # the caller's user row, then the customer


@pytest.mark.django_db
def test_a_missing_id_is_the_same_404(staff_client, spy):
    response = staff_client("customers.view_customer").get("/customers/987654321")
    assert response.status_code == 404
    assert response.json() == {"detail": "Customer not found."}
    # Looked up before DRF (mechanic_shop/api/before_drf.py), then again by DRF's view, which answers every miss.
    assert spy == [987654321, 987654321]


@pytest.mark.django_db
def test_writes_and_object_permissions_go_through_it(staff_client, customer, spy):
    client = staff_client("customers.view_customer", "customers.change_customer")
    response = client.patch(f"/customers/{customer.pk}", {"name": "Renamed"}, format="json")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.name == "Renamed"
    assert spy == [customer.pk]

    # No change permission: refused before any lookup, and nothing changed.
    refused = staff_client("customers.view_customer").patch(f"/customers/{customer.pk}", {"name": "X"}, format="json")
    assert refused.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "Renamed"


@pytest.mark.django_db
def test_a_customer_s_own_narrowed_queryset_takes_the_orm(customer, other_customer, customer_client, spy):
    # visible_to_caller narrows the queryset to the caller's rows: its shape is not the class's, so no prepared SQL.
    assert customer_client.get(f"/customers/{customer.pk}").json()["id"] == customer.pk
    assert customer_client.get(f"/customers/{other_customer.pk}").status_code == 404
    assert spy == []


@pytest.mark.django_db
def test_a_query_string_takes_the_orm_and_its_filters(staff_client, make_customer, spy):
    customer = make_customer(name="Ada Lovelace")
    client = staff_client("customers.view_customer")
    assert client.get(f"/customers/{customer.pk}?search=Grace").status_code == 404
    assert client.get(f"/customers/{customer.pk}?search=Ada").status_code == 200
    assert spy == []


@pytest.mark.django_db
def test_a_queryset_that_cannot_be_prepared_falls_back(staff_client, customer, spy, monkeypatch):
    monkeypatch.setattr(viewsets, "prepare", lambda queryset: None)
    response = staff_client("customers.view_customer").get(f"/customers/{customer.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == customer.pk
    assert spy == []
    assert viewsets.ShopViewSetMixin._prepared == {(CustomerViewSet, "default"): None}  # not tried again


@pytest.mark.django_db
def test_an_id_that_is_not_digits_is_a_404_not_an_error(make_staff, customer, spy):
    # The router never lets one through; a viewset with a looser lookup_value_regex must still answer 404.
    from rest_framework.test import APIRequestFactory, force_authenticate

    from mechanic_shop.accounts.authentication import ROLE_STAFF

    request = APIRequestFactory().get("/customers/x")
    force_authenticate(request, user=make_staff("customers.view_customer"), token={"role": ROLE_STAFF})
    view = CustomerViewSet.as_view({"get": "retrieve"})
    for not_an_id in ("12a", "²"):
        response = view(request, pk=not_an_id)
        assert response.status_code == 404
    assert spy == []
