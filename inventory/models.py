from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from mechanic_shop.core.validators import phone_number_validator

# The most of one part the shop can hold: no path (API, admin, parts coming back from tickets) takes stock past it,
# and it leaves room below every database's 32-bit integer limit.
MAX_STOCK = 1_000_000_000

# The most of one part one purchase order line may order (as much as one adjustment may move).
MAX_ORDER_QUANTITY = 1_000_000

# Stock at or below this is low: the parts admin's filter and the front desk's index page list such parts. One level
# for every part until parts carry their own reorder level.
LOW_STOCK_LEVEL = 5


class Supplier(models.Model):
    """Where the shop buys parts."""

    name = models.CharField(max_length=100, validators=[MinLengthValidator(1)], db_index=True)
    email = models.EmailField(blank=True)
    phone_number = models.CharField(max_length=20, blank=True, validators=[phone_number_validator])
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # ?updated_after= and ?ordering=updated_at (incremental sync).
            models.Index(fields=["updated_at", "id"], name="supplier_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Part(models.Model):
    """A part the shop stocks. Its stock changes only through inventory/services.py, which writes a StockMovement
    for every change."""

    name = models.CharField(max_length=100, validators=[MinLengthValidator(1)], db_index=True)
    sku = models.CharField(max_length=40, null=True, blank=True, unique=True, verbose_name="SKU")
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)], db_index=True)
    # What the shop pays (staff only); set by each purchase order receipt. Null while unknown.
    cost = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    quantity_in_stock = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(MAX_STOCK)], db_index=True)
    reorder_level = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(MAX_STOCK)])
    reorder_quantity = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(MAX_STOCK)])
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="parts")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity_in_stock__gte=0), name="part_stock_not_negative"),
            models.CheckConstraint(
                condition=models.Q(quantity_in_stock__lte=MAX_STOCK), name="part_stock_at_most_max_stock"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="part_price_not_negative"),
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="part_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(reorder_level__lte=MAX_STOCK, reorder_quantity__lte=MAX_STOCK),
                name="part_reorder_at_most_max_stock",
            ),
        ]
        indexes = [
            # ?below_reorder_level=true and the suggested orders: parts with a level, by supplier.
            models.Index(fields=["supplier", "reorder_level"], name="part_reorder_idx"),
            # ?updated_after= and ?ordering=updated_at (incremental sync).
            models.Index(fields=["updated_at", "id"], name="part_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class StockMovement(models.Model):
    """One change of a part's stock: `delta` units, and `balance_after` the stock right after it.

    Written only by inventory/services.py, in the transaction of the change and under the part's row lock, so a
    part's movements in id order form one chain: each balance is the one before plus its delta, the first is the
    part's `initial` stock, and the last is the stock now (`manage.py check_stock` verifies it)."""

    class Reason(models.TextChoices):
        INITIAL = "initial", "initial"
        TICKET = "ticket", "ticket"
        RECEIPT = "receipt", "receipt"
        ADJUSTMENT = "adjustment", "adjustment"

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="movements")
    delta = models.IntegerField()
    balance_after = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # The ticket's number, kept after the ticket is deleted (its deletion gives the parts back: a movement of its
    # own); not a foreign key, so inventory stays independent of the tickets app.
    ticket_id = models.PositiveBigIntegerField(null=True, blank=True)
    purchase_order = models.ForeignKey(
        "PurchaseOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Only a part's first movement may move nothing (a part created with no stock).
            models.CheckConstraint(
                condition=~models.Q(delta=0) | models.Q(reason="initial"), name="stockmovement_delta_not_zero"
            ),
            models.CheckConstraint(
                condition=models.Q(balance_after__lte=MAX_STOCK), name="stockmovement_balance_in_range"
            ),
        ]
        indexes = [
            # A part's movements, newest first, and its chain in order for check_stock.
            models.Index(fields=["part", "id"], name="stockmovement_part_idx"),
            # A part's movements since a moment (`updated_at` is `created_at`: a movement never changes).
            models.Index(fields=["part", "created_at", "id"], name="stockmovement_part_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.delta:+d} {self.reason} → {self.balance_after} (part #{self.part_id})"


class PurchaseOrder(models.Model):
    """An order of parts from a supplier: drafted, ordered, received (in one receipt or several) or cancelled.
    Its moves go through inventory/purchasing.py; receiving adds stock with a `receipt` movement per line."""

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        ORDERED = "ordered", "ordered"
        PARTIALLY_RECEIVED = "partially_received", "partially received"
        RECEIVED = "received", "received"
        CANCELLED = "cancelled", "cancelled"

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    ordered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # ?status= (with or without ?supplier_id=, which the supplier's own index serves), newest first.
            models.Index(fields=["status", "id"], name="purchaseorder_status_idx"),
            models.Index(fields=["supplier", "status", "id"], name="purchaseorder_supplier_idx"),
            # ?updated_after= and ?ordering=updated_at (incremental sync).
            models.Index(fields=["updated_at", "id"], name="purchaseorder_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"PO #{self.pk} ({self.get_status_display()})"


class PurchaseOrderLine(models.Model):
    """A part on a purchase order: how many, at what unit cost, and how many have arrived."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_ORDER_QUANTITY)])
    unit_cost = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    received_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "part"], name="purchaseorderline_one_per_part"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_ORDER_QUANTITY),
                name="purchaseorderline_quantity_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(received_quantity__lte=models.F("quantity")),
                name="purchaseorderline_received_at_most_ordered",
            ),
            models.CheckConstraint(condition=models.Q(unit_cost__gte=0), name="purchaseorderline_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × part #{self.part_id} on PO #{self.order_id}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_cost
