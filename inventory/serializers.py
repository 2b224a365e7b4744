from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from inventory.models import MAX_STOCK, Part, StockMovement, Supplier
from inventory.services import MAX_ADJUSTMENT
from mechanic_shop.api.fields import (
    IdRelatedField,
    MoneyField,
    ShopModelSerializer,
    StrictCharField,
    StrictIntegerField,
)


class PartSerializer(ShopModelSerializer):
    """A part the shop stocks. Stock moves onto tickets through add-part and remove-part, and by adjustments and
    purchase order receipts; setting `quantity_in_stock` here is recorded as an adjustment of the difference."""

    name = StrictCharField(max_length=100, min_length=1)
    sku = StrictCharField(
        max_length=40,
        min_length=1,
        required=False,
        allow_null=True,
        validators=[UniqueValidator(queryset=Part.objects.all(), message="Another part has this SKU.")],
        help_text="The shop's or the maker's stock-keeping unit; optional, unique.",
    )
    price = MoneyField(max_digits=10, decimal_places=2)
    cost = MoneyField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, help_text="What the shop pays (staff only)."
    )
    quantity_in_stock = StrictIntegerField(min_value=0, max_value=MAX_STOCK, required=False)
    reorder_level = StrictIntegerField(min_value=0, max_value=MAX_STOCK, required=False)
    reorder_quantity = StrictIntegerField(min_value=0, max_value=MAX_STOCK, required=False)
    supplier_id = IdRelatedField(
        source="supplier", queryset=Supplier.objects.all(), required=False, allow_null=True, help_text="Optional."
    )

    class Meta:
        model = Part
        fields = ["id", "name", "sku", "price", "cost", "quantity_in_stock", "reorder_level", "reorder_quantity",
                  "supplier_id", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_sku(self, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class StockMovementSerializer(ShopModelSerializer):
    """One change of a part's stock (newest first); `balance_after` is the stock right after it."""

    part_id = serializers.IntegerField(read_only=True)
    ticket_id = serializers.IntegerField(read_only=True, allow_null=True)
    purchase_order_id = serializers.IntegerField(read_only=True, allow_null=True)
    user_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = StockMovement
        fields = ["id", "part_id", "delta", "balance_after", "reason", "ticket_id", "purchase_order_id", "user_id",
                  "note", "created_at"]  # fmt: skip
        read_only_fields = fields


class AdjustStockSerializer(serializers.Serializer):
    """The body of POST /inventory/{id}/adjust."""

    delta = StrictIntegerField(
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text=f"Units to add, or (negative) to take away: non-zero, at most {MAX_ADJUSTMENT:,} either way.",
    )
    note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="Why (optional).")

    def validate_delta(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError("Adjust by a non-zero number of units.")
        return value
