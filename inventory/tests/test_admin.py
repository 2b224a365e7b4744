"""The parts admin: stock changes by a delta, never below zero nor past the column's range."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from inventory.models import LOW_STOCK_LEVEL, MAX_STOCK, Part

pytestmark = pytest.mark.django_db


def test_part_stock_changes_by_a_delta(admin_client):
    part = baker.make(Part, name="Bolt", price=Decimal("0.10"), quantity_in_stock=10)
    url = reverse("admin:inventory_part_change", args=[part.pk])
    # Meanwhile an API request took 4: the admin form, opened before, must not write its stale 10 back.
    Part.objects.filter(pk=part.pk).update(quantity_in_stock=6)
    response = admin_client.post(url, {"name": "Bolt", "price": "0.10", "stock_change": "5"})
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.quantity_in_stock == 11


def test_part_stock_never_goes_negative_in_admin(admin_client):
    part = baker.make(Part, name="Bolt", price=Decimal("0.10"), quantity_in_stock=2)
    admin_client.post(reverse("admin:inventory_part_change", args=[part.pk]), {"name": "Bolt", "price": "0.10",
                                                                                "stock_change": "-3"})  # fmt: skip
    part.refresh_from_db()
    assert part.quantity_in_stock == 2


def test_admin_stock_change_is_bounded(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss2", "b2@example.com", "Chief-Pass-2026"))
    part = baker.make(Part, name="Bolt", price=Decimal("1.00"), quantity_in_stock=5)
    url = reverse("admin:inventory_part_change", args=[part.pk])
    form = {"name": "Bolt", "price": "1.00", "stock_change": str(10**20)}
    response = client.post(url, form)
    assert response.status_code == 200  # the form again, with the error
    assert "less than or equal to" in response.content.decode()
    response = client.post(url, {**form, "name": "Big bolt", "stock_change": "-6"})
    assert response.status_code == 200  # would go below zero: the form again, the error on the field
    assert response.context["adminform"].form.errors == {
        "stock_change": ["Stock is 5; changing it by -6 would take it out of 0 to 1,000,000,000."]
    }
    part.refresh_from_db()
    assert (part.name, part.quantity_in_stock) == ("Bolt", 5)  # nothing saved


def test_admin_restocks_a_part_up_to_the_maximum(admin_client):
    part = baker.make(Part, name="Washer", price=Decimal("0.01"), quantity_in_stock=MAX_STOCK - 10)
    url = reverse("admin:inventory_part_change", args=[part.pk])
    response = admin_client.post(url, {"name": "Washer", "price": "0.01", "stock_change": "10"})
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.quantity_in_stock == MAX_STOCK
    response = admin_client.post(url, {"name": "Washer", "price": "0.01", "stock_change": "1"})
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["stock_change"]
    part.refresh_from_db()
    assert part.quantity_in_stock == MAX_STOCK


def test_admin_adding_a_part_over_the_maximum_shows_the_error_on_the_stock_field(admin_client):
    url = reverse("admin:inventory_part_add")
    response = admin_client.post(url, {"name": "Washer", "price": "0.01", "quantity_in_stock": str(MAX_STOCK + 1)})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "quantity_in_stock": ["Ensure this value is less than or equal to 1000000000."]
    }
    assert not Part.objects.exists()
    response = admin_client.post(url, {"name": "Washer", "price": "0.01", "quantity_in_stock": str(MAX_STOCK)})
    assert response.status_code == 302
    assert Part.objects.get().quantity_in_stock == MAX_STOCK


def test_parts_filter_by_low_stock(admin_client):
    for name, stock in [("Low", LOW_STOCK_LEVEL), ("Out", 0), ("Plenty", LOW_STOCK_LEVEL + 1)]:
        baker.make(Part, name=name, price=Decimal("1.00"), quantity_in_stock=stock)
    url = reverse("admin:inventory_part_changelist")
    page = admin_client.get(url).content.decode()
    assert f"Low (at most {LOW_STOCK_LEVEL})" in page
    low = admin_client.get(url, {"stock": "low"}).context["cl"].result_list
    assert sorted(part.name for part in low) == ["Low", "Out"]
    out = admin_client.get(url, {"stock": "out"}).context["cl"].result_list
    assert [part.name for part in out] == ["Out"]
    assert len(admin_client.get(url).context["cl"].result_list) == 3
