"""Purchasing: suppliers and purchase orders, for the API, the admin and the management commands alike.

An order moves `draft` → `ordered` → `partially_received` → `received`, or to `cancelled` from `draft` or `ordered`.
Its supplier and lines change only while it is a draft. Receiving adds stock through inventory/services.py
(`part_receive_stock`: a `receipt` movement per line, under the part's row lock) and sets the part's cost to the
line's unit cost.

Every function that changes an order locks the order's row first (select_for_update, re-reading its status under the
lock), then the parts in id order (`part_receive_stock` takes each part's lock), so two receipts of one order run one
after the other and cannot both receive the same due units, and two transactions never wait on each other's parts.
Bad input is a ValidationError (400) naming the field; a move the order's status does not allow is a Conflict (409).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import MAX_ORDER_QUANTITY, Part, PurchaseOrder, PurchaseOrderLine, Supplier
from inventory.services import part_receive_stock
from mechanic_shop.core.exceptions import Conflict
from mechanic_shop.events.services import record_event

Status = PurchaseOrder.Status
# Orders whose lines are still to come: what suggest counts as already on order.
OPEN_STATUSES = (Status.DRAFT, Status.ORDERED, Status.PARTIALLY_RECEIVED)
RECEIVABLE_STATUSES = (Status.ORDERED, Status.PARTIALLY_RECEIVED)
CANCELLABLE_STATUSES = (Status.DRAFT, Status.ORDERED)
# Lines one order may carry (bounds the work of one request).
MAX_ORDER_LINES = 200
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineIn:
    """A line as the API or the admin sends it: a part, how many, at what unit cost (None: the part's cost)."""

    part_id: int
    quantity: int
    unit_cost: Decimal | None = None


# --- Suppliers ---------------------------------------------------------------------------------------------------


@transaction.atomic
def supplier_create(*, name: str, email: str = "", phone_number: str = "") -> Supplier:
    supplier = Supplier(name=name, email=email, phone_number=phone_number)
    supplier.full_clean()
    supplier.save()
    return supplier


@transaction.atomic
def supplier_update(*, supplier: Supplier, **changes: Any) -> Supplier:
    """Change only the fields given (name, email, phone_number)."""
    for field, value in changes.items():
        setattr(supplier, field, value)
    if changes:
        supplier.full_clean(exclude=["created_at"])
        supplier.save(update_fields=[*changes, "updated_at"])
    return supplier


@transaction.atomic
def supplier_delete(*, supplier: Supplier) -> None:
    """Delete a supplier no part and no order names (else ProtectedError, which the API answers 409)."""
    supplier.delete()


# --- Orders: drafting --------------------------------------------------------------------------------------------


def _locked(order: PurchaseOrder) -> PurchaseOrder:
    """The order's row, locked, with its status as it is now (another request may have moved it meanwhile)."""
    locked = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    order.status, order.ordered_at, order.received_at = locked.status, locked.ordered_at, locked.received_at
    order.supplier_id = locked.supplier_id
    return order


def _check_lines(lines: Sequence[LineIn]) -> dict[int, Part]:
    """The parts of `lines`, after checking each line; a ValidationError keyed `lines` otherwise."""
    if len(lines) > MAX_ORDER_LINES:
        raise ValidationError({"lines": [f"An order has at most {MAX_ORDER_LINES} lines; this one has {len(lines)}."]})
    seen: set[int] = set()
    for line in lines:
        if line.part_id in seen:
            raise ValidationError({"lines": [f"Part {line.part_id} is on the order twice: one line per part."]})
        seen.add(line.part_id)
        if not 1 <= line.quantity <= MAX_ORDER_QUANTITY:
            raise ValidationError({"lines": [f"A line's quantity is 1 to {MAX_ORDER_QUANTITY:,}."]})
        if line.unit_cost is not None and (line.unit_cost < 0 or line.unit_cost != line.unit_cost.quantize(ZERO)):
            raise ValidationError({"lines": ["A line's unit cost is an amount of at least 0.00, with 2 decimals."]})
    parts = Part.objects.only("id", "cost").in_bulk(seen)
    missing = sorted(seen - parts.keys())
    if missing:
        raise ValidationError({"lines": [f"Part {missing[0]} does not exist."]})
    return parts


def _write_lines(order: PurchaseOrder, lines: Sequence[LineIn]) -> None:
    parts = _check_lines(lines)
    PurchaseOrderLine.objects.filter(order=order).delete()
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            order=order,
            part_id=line.part_id,
            quantity=line.quantity,
            unit_cost=line.unit_cost if line.unit_cost is not None else (parts[line.part_id].cost or ZERO),
        )
        for line in lines
    )


@transaction.atomic
def purchase_order_create(*, supplier: Supplier, lines: Sequence[LineIn] = ()) -> PurchaseOrder:
    """A draft order from `supplier` with `lines` (none is fine: they can be added while it is a draft)."""
    order = PurchaseOrder.objects.create(supplier=supplier)
    _write_lines(order, lines)
    return order


@transaction.atomic
def purchase_order_update(
    *, order: PurchaseOrder, supplier: Supplier | None = None, lines: Sequence[LineIn] | None = None
) -> PurchaseOrder:
    """Change a draft's supplier and/or replace all its lines; Conflict once the order is no longer a draft."""
    _locked(order)
    if order.status != Status.DRAFT:
        raise Conflict(f"Purchase order #{order.pk} is {order.get_status_display()}: only a draft's supplier and "
                       "lines change.")  # fmt: skip
    if supplier is not None and supplier.pk != order.supplier_id:
        order.supplier = supplier
        order.save(update_fields=["supplier", "updated_at"])
    if lines is not None:
        _write_lines(order, lines)
        PurchaseOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    return order


@transaction.atomic
def purchase_order_delete(*, order: PurchaseOrder) -> None:
    """Delete an order nothing has been received on; a received or partially received order is the history of the
    stock its receipts added (Conflict)."""
    _locked(order)
    if order.status in (Status.PARTIALLY_RECEIVED, Status.RECEIVED):
        raise Conflict(f"Purchase order #{order.pk} is {order.get_status_display()}: its receipts are the stock's "
                       "history, so it cannot be deleted.")  # fmt: skip
    PurchaseOrderLine.objects.filter(order=order).delete()
    order.delete()


# --- Orders: moving through their statuses ---------------------------------------------------------------------


@transaction.atomic
def purchase_order_mark_ordered(*, order: PurchaseOrder) -> PurchaseOrder:
    """draft → ordered, with `ordered_at`; a draft without lines cannot be ordered."""
    _locked(order)
    if order.status != Status.DRAFT:
        raise Conflict(f"Purchase order #{order.pk} is {order.get_status_display()}: only a draft can be ordered.")
    if not PurchaseOrderLine.objects.filter(order=order).exists():
        raise Conflict(f"Purchase order #{order.pk} has no lines: add the parts to order first.")
    order.status, order.ordered_at = Status.ORDERED, timezone.now()
    order.save(update_fields=["status", "ordered_at", "updated_at"])
    return order


@transaction.atomic
def purchase_order_cancel(*, order: PurchaseOrder) -> PurchaseOrder:
    """draft or ordered → cancelled (nothing has arrived, so no stock moves)."""
    _locked(order)
    if order.status not in CANCELLABLE_STATUSES:
        raise Conflict(
            f"Purchase order #{order.pk} is {order.get_status_display()}: only a draft or an ordered order can be "
            "cancelled."
        )
    order.status = Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    return order


@transaction.atomic
def purchase_order_receive(
    *, order: PurchaseOrder, lines: Iterable[tuple[int, int]] | None = None, by: Any = None
) -> PurchaseOrder:
    """Receive `(part id, quantity)` units on an ordered or partially received order; None: everything still due.

    Each received line adds its units to stock (a `receipt` movement naming the order) and sets the part's cost to
    the line's unit cost. The order becomes `received` (with `received_at`) when nothing is due any more, else
    `partially_received`. More than is due on a line, a part not on the order or a part named twice is a
    ValidationError keyed `lines`, and nothing is received.
    """
    _locked(order)
    if order.status not in RECEIVABLE_STATUSES:
        raise Conflict(
            f"Purchase order #{order.pk} is {order.get_status_display()}: only an ordered or partially received "
            "order can be received."
        )
    on_order = {line.part_id: line for line in PurchaseOrderLine.objects.select_for_update().filter(order=order)}
    if lines is None:
        wanted = {part_id: line.quantity - line.received_quantity for part_id, line in on_order.items()}
        wanted = {part_id: quantity for part_id, quantity in wanted.items() if quantity > 0}
    else:
        wanted = {}
        for part_id, quantity in lines:
            line = on_order.get(part_id)
            if line is None:
                raise ValidationError({"lines": [f"Part {part_id} is not on purchase order #{order.pk}."]})
            if part_id in wanted:
                raise ValidationError({"lines": [f"Part {part_id} is named twice: one entry per part."]})
            due = line.quantity - line.received_quantity
            if not 1 <= quantity <= due:
                raise ValidationError(
                    {"lines": [f"Part {part_id}: {quantity:,} received, but {due:,} of it are still due."]}
                )
            wanted[part_id] = quantity
        if not wanted:
            raise ValidationError({"lines": ["Name at least one line to receive, or send no body for all of them."]})
    for part_id in sorted(wanted):  # parts in id order (part_receive_stock locks each)
        line = on_order[part_id]
        part_receive_stock(part_id=part_id, quantity=wanted[part_id], purchase_order=order, cost=line.unit_cost, by=by)
        line.received_quantity += wanted[part_id]
    PurchaseOrderLine.objects.bulk_update([on_order[part_id] for part_id in wanted], ["received_quantity"])
    if all(line.received_quantity == line.quantity for line in on_order.values()):
        order.status, order.received_at = Status.RECEIVED, timezone.now()
    else:
        order.status = Status.PARTIALLY_RECEIVED
    order.save(update_fields=["status", "received_at", "updated_at"])
    record_event(
        type="purchase_order.received",
        data={
            "purchase_order_id": order.pk,
            "status": order.status,
            "lines": [{"part_id": part_id, "quantity": wanted[part_id]} for part_id in sorted(wanted)],
        },
    )
    return order


# --- Suggested orders -----------------------------------------------------------------------------------------------


def below_reorder_level(parts: "QuerySet[Part] | None" = None) -> "QuerySet[Part]":
    """Parts with a reorder level whose stock is at or below it."""
    parts = Part.objects.all() if parts is None else parts
    return parts.filter(reorder_level__gt=0, quantity_in_stock__lte=F("reorder_level"))


def suggested_quantity(*, stock: int, level: int, reorder_quantity: int, due: int) -> int:
    """How many of a part to order, 0 for none: the part's reorder quantity, and at least enough to bring its stock
    and what is already due on open orders up to its reorder level; nothing when what is due reaches the level."""
    if stock > level or level <= 0:
        return 0
    short = level - stock - due
    if due and short <= 0:
        return 0  # the open orders bring it up to its level already
    return min(max(reorder_quantity, short, 1), MAX_ORDER_QUANTITY)


@transaction.atomic
def purchase_orders_suggest() -> list[PurchaseOrder]:
    """One draft order per supplier for its parts at or below their reorder level (suggested_quantity() of each,
    at the part's cost, 0.00 when unknown); [] when none is needed.

    One query reads the parts with what is still due on open orders (drafts included, so running it twice drafts
    nothing new); the orders and their lines are written in bulk. That read locks the parts it reads (FOR UPDATE),
    so two suggests at once run one after the other and the second sees the first's drafts (a locking read reads
    the latest committed rows; on SQLite the write lock taken at the start does the same).
    """
    due = (
        PurchaseOrderLine.objects.filter(part=OuterRef("pk"), order__status__in=OPEN_STATUSES)
        .order_by()
        .values("part")
        .annotate(due=Sum(F("quantity") - F("received_quantity")))
        .values("due")
    )
    parts = (
        below_reorder_level(Part.objects.filter(supplier__isnull=False))
        .annotate(due=Coalesce(Subquery(due), 0))
        .only("id", "supplier_id", "cost", "quantity_in_stock", "reorder_level", "reorder_quantity")
        .order_by("supplier_id", "id")
        .select_for_update()
    )
    by_supplier: dict[int, list[PurchaseOrderLine]] = {}
    for part in parts:
        quantity = suggested_quantity(
            stock=part.quantity_in_stock, level=part.reorder_level, reorder_quantity=part.reorder_quantity,
            due=part.due,
        )  # fmt: skip
        if quantity:
            line = PurchaseOrderLine(part_id=part.pk, quantity=quantity, unit_cost=part.cost or ZERO)
            by_supplier.setdefault(part.supplier_id, []).append(line)  # type: ignore[arg-type]
    if not by_supplier:
        return []
    orders = [PurchaseOrder(supplier_id=supplier_id) for supplier_id in by_supplier]
    if connection.features.can_return_rows_from_bulk_insert:
        PurchaseOrder.objects.bulk_create(orders)
    else:
        for order in orders:
            order.save()
    for order in orders:
        for line in by_supplier[order.supplier_id]:
            line.order = order
    PurchaseOrderLine.objects.bulk_create([line for order in orders for line in by_supplier[order.supplier_id]])
    return orders
