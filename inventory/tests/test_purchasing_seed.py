"""`manage.py seed_shop` and purchasing: suppliers, parts to reorder, orders in every status, and a stock ledger whose
chain ends at each part's stock."""

from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db.models import F

from inventory.models import Part, PurchaseOrder, PurchaseOrderLine, StockMovement, Supplier
from inventory.purchasing import below_reorder_level

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", [1, 7])
def test_seeded_purchasing_keeps_every_parts_ledger_whole(seed):
    call_command("seed_shop", "--customers=3", "--mechanics=2", "--parts=40", "--tickets=5", f"--seed={seed}")
    assert Supplier.objects.count() >= 2
    assert Part.objects.exclude(supplier=None).count() > Part.objects.filter(supplier=None).count()
    assert below_reorder_level().exclude(supplier=None).exists()
    assert Part.objects.filter(reorder_level__gt=0, quantity_in_stock__gt=F("reorder_level")).exists()
    assert set(PurchaseOrder.objects.values_list("status", flat=True)) == set(PurchaseOrder.Status.values)
    # The lines fit their order's status.
    for order in PurchaseOrder.objects.prefetch_related("lines"):
        lines = list(order.lines.all())
        assert lines, order
        assert all(line.part.supplier_id == order.supplier_id for line in lines)
        received = [line.received_quantity for line in lines]
        if order.status == "received":
            assert received == [line.quantity for line in lines]
            assert order.received_at is not None
        elif order.status == "partially_received":
            assert 0 < sum(received) < sum(line.quantity for line in lines)
            assert order.received_at is None
        else:
            assert received == [0] * len(lines)
        assert (order.ordered_at is None) == (order.status == "draft")
    # Every receipt is a movement naming its order, one per line received.
    receipts = StockMovement.objects.filter(reason="receipt")
    assert receipts.count() == PurchaseOrderLine.objects.filter(received_quantity__gt=0).count()
    assert sorted(receipts.values_list("purchase_order_id", "part_id", "delta")) == sorted(
        PurchaseOrderLine.objects.filter(received_quantity__gt=0).values_list(
            "order_id", "part_id", "received_quantity"
        )
    )
    # Each part's movements in id order: one initial first, each balance the one before plus its delta, ending at
    # the stock.
    chains = defaultdict(list)
    for movement in StockMovement.objects.order_by("id"):
        chains[movement.part_id].append(movement)
    for part in Part.objects.all():
        chain = chains[part.pk]
        assert chain[0].reason == "initial"
        assert chain[0].delta >= 0
        assert sum(m.delta for m in chain) == part.quantity_in_stock
        balance = 0
        for movement in chain:
            balance += movement.delta
            assert movement.balance_after == balance, part
        assert balance == part.quantity_in_stock


def test_flush_deletes_suppliers_and_orders_too():
    call_command("seed_shop", "--customers=2", "--mechanics=1", "--parts=10", "--tickets=2", "--seed=1")
    first = set(PurchaseOrder.objects.values_list("pk", "created_at"))
    assert first
    call_command("seed_shop", "--customers=2", "--mechanics=1", "--parts=0", "--tickets=0", "--flush")
    assert not PurchaseOrder.objects.exists()
    assert not PurchaseOrderLine.objects.exists()
    assert not Supplier.objects.exists()
    assert not StockMovement.objects.exists()
    call_command("seed_shop", "--customers=2", "--mechanics=1", "--parts=10", "--tickets=2", "--seed=2", "--flush")
    assert PurchaseOrder.objects.exists()
    assert set(PurchaseOrder.objects.values_list("pk", "created_at")) != first
