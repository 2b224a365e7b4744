"""Page number and page size, as every list reads them (mechanic_shop.api.pagination)."""

import pytest
from django.urls import reverse

from customers.models import Customer

pytestmark = pytest.mark.django_db
LIST = reverse("customer-list")


@pytest.fixture
def customers():
    Customer.objects.bulk_create(
        Customer(name=f"C{i}", email=f"page{i}@example.com", phone_number="5550100") for i in range(12)
    )


@pytest.mark.parametrize("name", ["page_size", "per_page"])
@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", " 5", "+5", "٥"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_400(admin_client_api, customers, name, value):
    response = admin_client_api.get(LIST, {name: value})
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_page_size_wins_over_per_page_but_both_must_be_valid(admin_client_api, customers):
    assert len(admin_client_api.get(LIST, {"page_size": 3, "per_page": 5}).json()["results"]) == 3
    assert len(admin_client_api.get(LIST, {"page_size": "", "per_page": 5}).json()["results"]) == 5
    response = admin_client_api.get(LIST, {"page_size": 3, "per_page": "null"})
    assert response.status_code == 400
    assert list(response.json()) == ["per_page"]


def test_an_empty_page_size_is_the_default(admin_client_api, customers):
    body = admin_client_api.get(LIST, {"page_size": "", "per_page": ""}).json()
    assert len(body["results"]) == 10


@pytest.mark.parametrize("value", ["abc", " 1", "+1", "١", "0", "3"])
def test_a_page_that_is_not_there_is_404(admin_client_api, customers, value):
    response = admin_client_api.get(LIST, {"page": value})
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(("value", "count"), [("", 10), ("1", 10), ("2", 2), ("last", 2)])
def test_page_numbers_and_last(admin_client_api, customers, value, count):
    assert len(admin_client_api.get(LIST, {"page": value}).json()["results"]) == count
