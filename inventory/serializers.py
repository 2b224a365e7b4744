from decimal import Decimal

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from inventory.models import MAX_ORDER_QUANTITY, MAX_STOCK, Part, PurchaseOrder, StockMovement, Supplier
from inventory.purchasing import MAX_ORDER_LINES, LineIn
from inventory.services import MAX_ADJUSTMENT
from mechanic_shop.api.fields import (
    IdRelatedField,
    MoneyField,
    ShopModelSerializer,
    StrictCharField,
    StrictIntegerField,
    iso_timestamp,
)
from mechanic_shop.api.filters import MAX_ID


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
    updated_at = serializers.DateTimeField(
        source="created_at", read_only=True, help_text="Always `created_at`: a movement never changes."
    )

    class Meta:
        model = StockMovement
        fields = ["id", "part_id", "delta", "balance_after", "reason", "ticket_id", "purchase_order_id", "user_id",
                  "note", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


# A page of movements as JSON from plain rows (decision 0039): what StockMovementSerializer gives, which stays the
# definition of the shape (the schema, a single movement); a test compares the two.
MOVEMENT_COLUMNS = ("id", "part_id", "delta", "balance_after", "reason", "ticket_id", "purchase_order_id", "user_id",
                    "note", "created_at")  # fmt: skip


def movement_rows(queryset):
    """The columns `movement_json` needs, as a lazy values() queryset: filter and paginate it before it runs."""
    return queryset.values(*MOVEMENT_COLUMNS)


def movement_json(row: dict) -> dict:
    created_at = iso_timestamp(row["created_at"])
    return {
        "id": row["id"],
        "part_id": row["part_id"],
        "delta": row["delta"],
        "balance_after": row["balance_after"],
        "reason": row["reason"],
        "ticket_id": row["ticket_id"],
        "purchase_order_id": row["purchase_order_id"],
        "user_id": row["user_id"],
        "note": row["note"],
        "created_at": created_at,
        "updated_at": created_at,
    }


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
    # Wide enough for the largest order there can be: MAX_ORDER_LINES × MAX_ORDER_QUANTITY × 99,999,999.99 < 10**17.
    total = serializers.DecimalField(
        max_digits=19, decimal_places=2, read_only=True, source="lines_total", help_text="Σ quantity × unit_cost."
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
        for number, line in enumerate(lines, start=1):
            # A PATCH validates partially, and DRF lets that reach the lines too: a line is whole all the same.
            missing = [name for name in ("part_id", "quantity") if name not in line]
            if missing:
                raise serializers.ValidationError(f"Line {number} needs {' and '.join(missing)}.")
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
