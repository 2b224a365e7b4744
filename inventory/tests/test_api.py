"""The parts inventory through the API, and stock adjustments."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from inventory.models import MAX_STOCK, Part

pytestmark = pytest.mark.django_db
LIST = reverse("part-list")


def detail(pk):
    return reverse("part-detail", args=[pk])


def test_create_with_decimal_price(admin_client_api):
    response = admin_client_api.post(LIST, {"name": "Oil filter", "price": 8.5, "quantity_in_stock": 4}, format="json")
    assert response.status_code == 201
    assert response.json()["price"] == "8.50"
    assert response.json()["quantity_in_stock"] == 4
    assert Part.objects.get().price == Decimal("8.50")


def test_stock_defaults_to_zero(admin_client_api):
    response = admin_client_api.post(LIST, {"name": "Bolt", "price": "0.10"}, format="json")
    assert response.status_code == 201
    assert response.json()["quantity_in_stock"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", "-0.01"), ("price", "1.001"), ("price", "free"), ("price", " 1.00"), ("price", "1e2"), ("price", True),
     ("quantity_in_stock", -1), ("quantity_in_stock", 1.5), ("quantity_in_stock", "many"), ("quantity_in_stock", "5"),
     ("name", ""), ("name", "x" * 101)],
)  # fmt: skip
def test_invalid_part_is_400(admin_client_api, field, value):
    body = {"name": "Bolt", "price": "1.00", "quantity_in_stock": 1, field: value}
    response = admin_client_api.post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Part.objects.exists()


def test_patch_of_the_name_never_writes_stock(admin_client_api):
    part = baker.make(Part, name="Bolt", price=1, quantity_in_stock=10)
    stale = Part.objects.get(pk=part.pk)
    Part.objects.filter(pk=part.pk).update(quantity_in_stock=7)  # an add-part meanwhile
    from inventory.services import part_update

    part_update(part=stale, name="Hex bolt")
    part.refresh_from_db()
    assert (part.name, part.quantity_in_stock) == ("Hex bolt", 7)
    assert admin_client_api.patch(detail(part.pk), {"name": "Bolt M8"}, format="json").json()["quantity_in_stock"] == 7


def test_low_stock_filter_is_inclusive(admin_client_api):
    low, edge, high = (baker.make(Part, price=1, quantity_in_stock=q) for q in (1, 3, 9))
    ids = [p["id"] for p in admin_client_api.get(LIST, {"low_stock": 3}).json()["results"]]
    assert ids == [low.pk, edge.pk]
    assert admin_client_api.get(LIST, {"low_stock": "-1"}).status_code == 400
    assert admin_client_api.get(LIST, {"low_stock": "lots"}).status_code == 400
    # Not an integer either, though Django's IntegerField would read it as 3 (Schemathesis found it).
    response = admin_client_api.get(LIST, {"low_stock": "3.0"})
    assert response.status_code == 400
    assert "low_stock" in response.json()


def test_search_and_ordering(admin_client_api):
    baker.make(Part, name="Oil filter", price=Decimal("8.99"), quantity_in_stock=5)
    baker.make(Part, name="Air filter", price=Decimal("14.50"), quantity_in_stock=2)
    baker.make(Part, name="Battery", price=Decimal("139.00"), quantity_in_stock=1)
    names = [p["name"] for p in admin_client_api.get(LIST, {"search": "filter"}).json()["results"]]
    assert names == ["Oil filter", "Air filter"]
    by_price = [p["price"] for p in admin_client_api.get(LIST, {"ordering": "-price"}).json()["results"]]
    assert by_price == ["139.00", "14.50", "8.99"]
    by_stock = [p["quantity_in_stock"] for p in admin_client_api.get(LIST, {"ordering": "quantity_in_stock"}).json()[
        "results"]]  # fmt: skip
    assert by_stock == [1, 2, 5]


def test_part_on_a_ticket_cannot_be_deleted(admin_client_api, customer, make_ticket):
    part = baker.make(Part, price=1, quantity_in_stock=5)
    make_ticket(customer, parts=[part])
    response = admin_client_api.delete(detail(part.pk))
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Part #{part.pk} “{part.name}” is still referenced by 1 service ticket, so it cannot be deleted."
    }
    assert Part.objects.filter(pk=part.pk).exists()


def test_free_part_is_deleted(admin_client_api):
    part = baker.make(Part, price=1)
    assert admin_client_api.delete(detail(part.pk)).status_code == 204
    assert not Part.objects.exists()


@pytest.mark.parametrize(
    ("client_name", "perms", "expected"),
    [("anon_client", (), 401), ("customer_client", (), 403), ("staff", (), 403), ("staff", ("view",), 200)],
)
def test_inventory_permissions(request, staff_client, client_name, perms, expected):
    if client_name == "staff":
        client = staff_client(*(f"inventory.{p}_part" for p in perms))
    else:
        client = request.getfixturevalue(client_name)
    assert client.get(LIST).status_code == expected


def test_stock_up_to_the_maximum_is_accepted(admin_client_api):
    body = {"name": "Washer", "price": "0.01", "quantity_in_stock": MAX_STOCK}
    response = admin_client_api.post(LIST, body, format="json")
    assert response.status_code == 201
    assert response.json()["quantity_in_stock"] == MAX_STOCK == 1_000_000_000
    assert Part.objects.get().quantity_in_stock == MAX_STOCK


@pytest.mark.parametrize("method", ["post", "put", "patch"])
@pytest.mark.parametrize("stock", [MAX_STOCK + 1, 2**31, 2**63])
def test_stock_sent_over_the_maximum_is_a_400_on_the_field(admin_client_api, method, stock):
    part = baker.make(Part, name="Washer", price=Decimal("0.01"), quantity_in_stock=7)
    url = LIST if method == "post" else detail(part.pk)
    body = {"name": "Washer", "price": "0.01", "quantity_in_stock": stock}
    response = getattr(admin_client_api, method)(url, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"quantity_in_stock": ["Ensure this value is less than or equal to 1000000000."]}
    assert list(Part.objects.values_list("quantity_in_stock", flat=True)) == [7]
