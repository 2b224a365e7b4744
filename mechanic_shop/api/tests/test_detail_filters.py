"""A detail with no query string skips the list's filter backends; with one, they apply as DRF applies them."""

import pytest

from mechanic_shop.api import filters


@pytest.mark.django_db
def test_a_plain_detail_runs_no_filter_backend(staff_client, customer, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a filter backend ran on a detail without a query string")

    monkeypatch.setattr(filters.ShopSearchFilter, "filter_queryset", refuse)
    monkeypatch.setattr(filters.SyncFilter, "filter_queryset", refuse)
    client = staff_client("customers.view_customer", "customers.change_customer")

    assert client.get(f"/customers/{customer.pk}").status_code == 200
    response = client.patch(f"/customers/{customer.pk}", {"name": "Renamed"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"


@pytest.mark.django_db
def test_a_detail_with_a_query_string_is_still_filtered(staff_client, make_customer):
    customer = make_customer(name="Ada Lovelace")
    client = staff_client("customers.view_customer")

    assert client.get(f"/customers/{customer.pk}?search=Ada").json()["id"] == customer.pk
    missed = client.get(f"/customers/{customer.pk}?search=Grace")
    assert missed.status_code == 404
    assert missed.json() == {"detail": "Customer not found."}
