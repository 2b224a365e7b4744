"""Every write to parts, and all stock arithmetic of the shop, in one place.

The API, the admin, the ticket services, purchasing and the management commands all move stock through these
functions, and every change of a part's stock is written here as a StockMovement, in the same transaction:
`_move()` takes the part's row lock, checks the new stock is within 0 to `MAX_STOCK` (else Conflict, 409; a stock
level given directly out of that range is a ValidationError, 400), writes the stock and the movement with its
`balance_after`. Under the lock, two changes of one part run one after the other, so its movements in id order
form one chain (on SQLite every write transaction starts by taking the database's write lock, decision 0011).
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inventory.models import MAX_STOCK, Part, PurchaseOrder, StockMovement
from mechanic_shop.core.exceptions import Conflict
from mechanic_shop.events.services import record_event

Reason = StockMovement.Reason
# As much as one adjustment may move, either way.
MAX_ADJUSTMENT = 1_000_000


def _check_stock_level(quantity_in_stock: int) -> None:
    if not 0 <= quantity_in_stock <= MAX_STOCK:
        raise ValidationError(
            {"quantity_in_stock": [f"Stock is 0 to {MAX_STOCK:,}; {quantity_in_stock:,} is out of range."]}
        )


def _acting(user: Any) -> Any:
    """The user a movement records: a signed-in account, else nobody (a command, a customer's token)."""
    return user if user is not None and getattr(user, "is_authenticated", False) and user.pk else None


def _move(
    part_id: int,
    delta: int,
    reason: str,
    *,
    refusal: str,
    ticket_id: int | None = None,
    purchase_order: PurchaseOrder | None = None,
    by: Any = None,
    note: str = "",
    also: dict[str, Any] | None = None,
) -> StockMovement:
    """Move the part's stock by `delta` and record it; Conflict (with `refusal`, formatted with the part's `name`,
    the stock `left` and the `delta`) when the stock would leave 0 to MAX_STOCK; `also`: other fields of the part
    written in the same UPDATE (a receipt's cost). Runs in the caller's transaction, which it requires: the row lock
    lasts until that commits."""
    assert transaction.get_connection().in_atomic_block, "stock moves run inside a transaction"
    try:
        part = Part.objects.select_for_update().only("name", "quantity_in_stock", "reorder_level").get(pk=part_id)
    except Part.DoesNotExist as exc:
        raise ValidationError({"part_id": [f"Part {part_id} does not exist."]}) from exc
    balance = part.quantity_in_stock + delta
    if not 0 <= balance <= MAX_STOCK:
        raise Conflict(refusal.format(name=part.name, left=part.quantity_in_stock, delta=delta, most=MAX_STOCK))
    Part.objects.filter(pk=part_id).update(quantity_in_stock=balance, updated_at=timezone.now(), **(also or {}))
    level = part.reorder_level
    if level > 0 and balance <= level < part.quantity_in_stock:
        # The stock has just fallen to or below the part's reorder level (once per fall, not on every take below it).
        record_event(
            type="part.low_stock",
            data={"part_id": part_id, "quantity_in_stock": balance, "reorder_level": level, "ticket_id": ticket_id},
        )
    return StockMovement.objects.create(
        part_id=part_id,
        delta=delta,
        balance_after=balance,
        reason=reason,
        ticket_id=ticket_id,
        purchase_order=purchase_order,
        user=_acting(by),
        note=note,
    )


@transaction.atomic
def part_create(*, name: str, price: Decimal, quantity_in_stock: int = 0, by: Any = None, **fields: Any) -> Part:
    """Add a part to the inventory with its starting stock: its `initial` movement (also when it starts at 0, so every
    part's chain starts with one). `fields`: sku, cost, reorder_level, reorder_quantity, supplier."""
    _check_stock_level(quantity_in_stock)
    part = Part.objects.create(name=name, price=price, quantity_in_stock=quantity_in_stock, **fields)
    StockMovement.objects.create(
        part=part, delta=quantity_in_stock, balance_after=quantity_in_stock, reason=Reason.INITIAL, user=_acting(by)
    )
    return part


@transaction.atomic
def part_update(*, part: Part, by: Any = None, **changes: Any) -> Part:
    """Change a part's fields; only the fields given are written.

    Writing only what was sent keeps a change of the name from writing back a stock level read before a
    concurrent ticket took stock. A stock level given here replaces the count (a stocktake): an `adjustment` of the
    difference from the stock on the locked row, none when it is already that.
    """
    stock = changes.pop("quantity_in_stock", None)
    if stock is not None:
        _check_stock_level(stock)
    for field, value in changes.items():
        setattr(part, field, value)
    if changes:
        part.save(update_fields=[*changes, "updated_at"])
    if stock is not None:
        current = Part.objects.select_for_update().values_list("quantity_in_stock", flat=True).get(pk=part.pk)
        if stock != current:
            _move(part.pk, stock - current, Reason.ADJUSTMENT, refusal="", by=by, note=f"Stock set to {stock:,}")
        part.refresh_from_db(fields=["quantity_in_stock", "updated_at"])
    return part


@transaction.atomic
def part_delete(*, part: Part) -> None:
    """Delete a part no ticket has used (a used part is the tickets' history: ProtectedError, answered 409)."""
    part.delete()


@transaction.atomic
def part_adjust_stock(*, part: Part, delta: int, note: str = "", by: Any = None) -> StockMovement:
    """Add `delta` (negative to take away) to the stock of `part` (a count, damage, a correction): an `adjustment`
    movement. Zero or more than MAX_ADJUSTMENT either way is a ValidationError; below zero a Conflict."""
    if delta == 0 or abs(delta) > MAX_ADJUSTMENT:
        raise ValidationError(
            {"delta": [f"Adjust by a non-zero number of units, at most {MAX_ADJUSTMENT:,} either way."]}
        )
    if delta > 0:
        refusal = (
            "Adding {delta:,} {name} to the {left:,} in stock would pass the most a part can hold ({most:,}); "
            "stock not changed."
        )
    else:
        refusal = "Not enough {name} in stock to take away " + f"{-delta:,}" + ": {left:,} left; stock not changed."
    movement = _move(part.pk, delta, Reason.ADJUSTMENT, refusal=refusal, by=by, note=note)
    part.quantity_in_stock = movement.balance_after
    return movement


def part_take_stock(*, part: Part, quantity: int, ticket_id: int, by: Any = None) -> StockMovement:
    """Take `quantity` units of `part` out of stock onto ticket `ticket_id`; Conflict if fewer are left. In the
    caller's transaction (the ticket services')."""
    refusal = "Not enough {name} in stock: " + f"{quantity}" + " asked, {left} left."
    return _move(part.pk, -quantity, Reason.TICKET, refusal=refusal, ticket_id=ticket_id, by=by)


def part_return_stock(*, returns: Iterable[tuple[int, int]], ticket_id: int, by: Any = None) -> None:
    """Put `(part id, quantity)` units back into stock from ticket `ticket_id`'s lines; Conflict if that would take a
    part's stock past `MAX_STOCK`.

    In the caller's transaction (a Conflict undoes all of it: all or nothing). In part order, so two transactions
    returning the same parts lock them in the same order (no deadlock).
    """
    refusal = (
        "Giving {delta:,} {name} back to stock would take it from {left:,} past the most a part can hold ({most:,}); "
        "nothing changed."
    )
    for part_id, quantity in sorted(returns):
        if quantity:
            _move(part_id, quantity, Reason.TICKET, refusal=refusal, ticket_id=ticket_id, by=by)


def part_receive_stock(
    *, part_id: int, quantity: int, purchase_order: PurchaseOrder, cost: Decimal | None = None, by: Any = None
) -> StockMovement:
    """Add `quantity` units received on `purchase_order` to the part's stock: a `receipt` movement; `cost` (what
    the shop paid for each) becomes the part's cost in the same write. In the caller's transaction (purchasing's)."""
    refusal = (
        "Receiving {delta:,} {name} would take its stock from {left:,} past the most a part can hold ({most:,}); "
        "nothing received."
    )
    also = {"cost": cost} if cost is not None else None
    return _move(part_id, quantity, Reason.RECEIPT, refusal=refusal, purchase_order=purchase_order, by=by, also=also)
