from decimal import Decimal

from rest_framework import serializers

from inventory.models import MAX_ORDER_QUANTITY, MAX_STOCK, Part, PurchaseOrder, Supplier
from inventory.purchasing import MAX_ORDER_LINES, LineIn
from mechanic_shop.api.fields import (
    IdRelatedField,
    MoneyField,
    ShopModelSerializer,
    StrictCharField,
    StrictIntegerField,
)
from mechanic_shop.api.filters import MAX_ID


class PartSerializer(ShopModelSerializer):
    """A part the shop stocks. Stock moves onto tickets through add-part and remove-part."""

    name = StrictCharField(max_length=100, min_length=1)
    price = MoneyField(max_digits=10, decimal_places=2)
    quantity_in_stock = StrictIntegerField(min_value=0, max_value=MAX_STOCK, required=False)

    class Meta:
        model = Part
        fields = ["id", "name", "price", "quantity_in_stock", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


# --- Purchasing -------------------------------------------------------------------------------------------------


class SupplierSerializer(ShopModelSerializer):
    """Where the shop buys parts."""

    name = StrictCharField(max_length=100, min_length=1)

    class Meta:
        model = Supplier
        fields = ["id", "name", "email", "phone_number", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class PurchaseOrderLineSerializer(serializers.Serializer):
    """A part on an order; `unit_cost` defaults to the part's cost (0.00 when unknown)."""

    part_id = IdRelatedField(queryset=Part.objects.only("id"))
    quantity = StrictIntegerField(min_value=1, max_value=MAX_ORDER_QUANTITY)
    unit_cost = MoneyField(max_digits=10, decimal_places=2, required=False)
    received_quantity = serializers.IntegerField(read_only=True)

    def to_representation(self, instance):
        return {
            "part_id": instance.part_id,
            "quantity": instance.quantity,
            "unit_cost": f"{instance.unit_cost:.2f}",
            "received_quantity": instance.received_quantity,
        }


class PurchaseOrderSerializer(serializers.ModelSerializer):
    """An order of parts from a supplier; its lines come prefetched (one query for a whole page)."""

    supplier_id = IdRelatedField(queryset=Supplier.objects.only("id"), source="supplier")
    status = serializers.CharField(read_only=True)
    lines = PurchaseOrderLineSerializer(many=True, required=False, max_length=MAX_ORDER_LINES)
    total = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, source="lines_total", help_text="Σ quantity × unit_cost."
    )

    class Meta:
        model = PurchaseOrder
        fields = ["id", "supplier_id", "status", "lines", "total", "ordered_at", "received_at", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = ["id", "status", "ordered_at", "received_at", "created_at", "updated_at"]

    def to_representation(self, instance):
        instance.lines_total = sum((line.line_total for line in instance.lines.all()), Decimal("0.00"))
        return super().to_representation(instance)

    def validate_lines(self, lines):
        seen = set()
        for line in lines:
            if line["part_id"].pk in seen:
                raise serializers.ValidationError(
                    f"Part {line['part_id'].pk} is on the order twice: one line per part."
                )
            seen.add(line["part_id"].pk)
        return [LineIn(part_id=line["part_id"].pk, quantity=line["quantity"], unit_cost=line.get("unit_cost"))
                for line in lines]  # fmt: skip


class ReceiptLineSerializer(serializers.Serializer):
    part_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_ORDER_QUANTITY)


class ReceiveSerializer(serializers.Serializer):
    """What arrived: `lines` of `{"part_id", "quantity"}`; without `lines` (or without a body) everything still due."""

    lines = ReceiptLineSerializer(many=True, required=False, allow_empty=False, max_length=MAX_ORDER_LINES)
