"""Inventory services: every part write, and all of the shop's stock arithmetic."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from model_bakery import baker

from inventory.models import MAX_STOCK, Part, StockMovement
from inventory.services import (
    part_adjust_stock,
    part_create,
    part_delete,
    part_return_stock,
    part_take_stock,
    part_update,
)
from mechanic_shop.core.exceptions import Conflict

pytestmark = pytest.mark.django_db


def test_create_and_update_write_only_the_fields_given():
    part = part_create(name="Bolt", price=Decimal("0.10"), quantity_in_stock=5)
    stale = Part.objects.get(pk=part.pk)
    Part.objects.filter(pk=part.pk).update(quantity_in_stock=3)  # a ticket took two meanwhile
    part_update(part=stale, price=Decimal("0.12"))
    part.refresh_from_db()
    assert (part.price, part.quantity_in_stock) == (Decimal("0.12"), 3)


def test_adjust_stock_adds_and_takes_but_never_below_zero():
    part = part_create(name="Bolt", price=Decimal("1.00"), quantity_in_stock=3)
    assert part_adjust_stock(part=part, delta=5).balance_after == 8
    assert part_adjust_stock(part=part, delta=-8, note="Dropped in the pit").balance_after == 0
    with pytest.raises(Conflict):
        part_adjust_stock(part=part, delta=-1)
    part.refresh_from_db()
    assert part.quantity_in_stock == 0
    assert list(part.movements.order_by("id").values_list("delta", "balance_after", "reason", "note")) == [
        (3, 3, "initial", ""),
        (5, 8, "adjustment", ""),
        (-8, 0, "adjustment", "Dropped in the pit"),
    ]


def test_take_stock_never_oversells():
    part = baker.make(Part, name="Bolt", price=1, quantity_in_stock=2)
    part_take_stock(part=part, quantity=2, ticket_id=7)
    with pytest.raises(Conflict) as caught:
        part_take_stock(part=part, quantity=1, ticket_id=7)
    assert caught.value.detail == "Not enough Bolt in stock: 1 asked, 0 left."
    part.refresh_from_db()
    assert part.quantity_in_stock == 0


def test_return_stock_adds_back_per_part():
    bolt, nut = (baker.make(Part, price=1, quantity_in_stock=1) for _ in range(2))
    part_return_stock(returns=[(nut.pk, 4), (bolt.pk, 2)], ticket_id=9)
    assert list(Part.objects.order_by("pk").values_list("quantity_in_stock", flat=True)) == [3, 5]
    assert list(StockMovement.objects.order_by("id").values_list("part_id", "delta", "reason", "ticket_id")) == [
        (bolt.pk, 2, "ticket", 9),  # in part order
        (nut.pk, 4, "ticket", 9),
    ]


def test_delete():
    part_delete(part=baker.make(Part, price=1))
    assert not Part.objects.exists()


def test_admin_adds_a_part_with_its_starting_stock(admin_client):
    response = admin_client.post(
        reverse("admin:inventory_part_add"), {"name": "Bolt", "price": "0.10", "quantity_in_stock": "7"}
    )
    assert response.status_code == 302
    part = Part.objects.get()
    assert (part.name, part.price, part.quantity_in_stock) == ("Bolt", Decimal("0.10"), 7)


def test_admin_change_never_writes_back_the_stock_it_showed(admin_client):
    part = baker.make(Part, name="Bolt", price=Decimal("1.00"), quantity_in_stock=5)
    url = reverse("admin:inventory_part_change", args=[part.pk])
    admin_client.get(url)  # the form is opened with 5 in stock
    Part.objects.filter(pk=part.pk).update(quantity_in_stock=2)  # a ticket took three meanwhile
    response = admin_client.post(url, {"name": "Hex bolt", "price": "1.00", "stock_change": "4"})
    assert response.status_code == 302
    part.refresh_from_db()
    assert (part.name, part.quantity_in_stock) == ("Hex bolt", 6)


def test_return_stock_up_to_the_maximum():
    part = baker.make(Part, name="Washer", price=1, quantity_in_stock=MAX_STOCK - 2)
    part_return_stock(returns=[(part.pk, 2)], ticket_id=1)
    part.refresh_from_db()
    assert part.quantity_in_stock == MAX_STOCK


def test_return_stock_past_the_maximum_is_a_conflict_and_returns_nothing():
    washer = baker.make(Part, name="Washer", price=1, quantity_in_stock=MAX_STOCK - 1)
    bolt = baker.make(Part, name="Bolt", price=1, quantity_in_stock=5)
    with pytest.raises(Conflict) as caught, transaction.atomic():
        part_return_stock(returns=[(bolt.pk, 1), (washer.pk, 2)], ticket_id=1)
    assert caught.value.detail == (
        "Giving 2 Washer back to stock would take it from 999,999,999 past the most a part can hold "
        "(1,000,000,000); nothing changed."
    )
    assert list(Part.objects.order_by("pk").values_list("quantity_in_stock", flat=True)) == [MAX_STOCK - 1, 5]
    assert not StockMovement.objects.exists()  # the bolt's went with the rollback


def test_adjust_stock_up_to_the_maximum_but_not_past_it():
    part = baker.make(Part, name="Washer", price=1, quantity_in_stock=MAX_STOCK - 3)
    assert part_adjust_stock(part=part, delta=3).balance_after == MAX_STOCK
    with pytest.raises(Conflict) as caught:
        part_adjust_stock(part=part, delta=1)
    assert caught.value.detail == (
        "Adding 1 Washer to the 1,000,000,000 in stock would pass the most a part can hold (1,000,000,000); "
        "stock not changed."
    )
    part.refresh_from_db()
    assert part.quantity_in_stock == MAX_STOCK


@pytest.mark.parametrize("stock", [-1, MAX_STOCK + 1])
def test_a_stock_level_out_of_range_is_refused_on_create_and_update(stock):
    with pytest.raises(ValidationError) as caught:
        part_create(name="Washer", price=Decimal("1.00"), quantity_in_stock=stock)
    assert list(caught.value.message_dict) == ["quantity_in_stock"]
    part = part_create(name="Washer", price=Decimal("1.00"), quantity_in_stock=MAX_STOCK)
    with pytest.raises(ValidationError):
        part_update(part=part, quantity_in_stock=stock)
    assert list(Part.objects.values_list("quantity_in_stock", flat=True)) == [MAX_STOCK]


def test_the_database_refuses_stock_past_the_maximum_whatever_writes_it():
    part = baker.make(Part, name="Washer", price=1, quantity_in_stock=MAX_STOCK)
    with pytest.raises(IntegrityError), transaction.atomic():
        Part.objects.filter(pk=part.pk).update(quantity_in_stock=MAX_STOCK + 1)
    part.refresh_from_db()
    assert part.quantity_in_stock == MAX_STOCK
