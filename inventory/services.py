"""Every write to parts, and all stock arithmetic of the shop, in one place.

The API, the admin, the ticket services and the management commands all move stock through these functions.
Stock changes by a conditional UPDATE, atomic on every database: it never overwrites a concurrent change and
never goes below zero (or above the column's limit) however many requests arrive at once.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import Part
from mechanic_shop.core.exceptions import Conflict

# The stock column's upper bound on every database (a positive 32-bit integer).
MAX_STOCK = 2**31 - 1


@transaction.atomic
def part_create(*, name: str, price: Decimal, quantity_in_stock: int = 0) -> Part:
    """Add a part to the inventory with its starting stock."""
    return Part.objects.create(name=name, price=price, quantity_in_stock=quantity_in_stock)


@transaction.atomic
def part_update(*, part: Part, **changes: Any) -> Part:
    """Change a part's name, price or stock level; only the fields given are written.

    Writing only what was sent keeps a change of the name from writing back a stock level read before a
    concurrent ticket took stock. A stock level given here replaces the count (a stocktake).
    """
    for field, value in changes.items():
        setattr(part, field, value)
    part.save(update_fields=[*changes, "updated_at"])
    return part


@transaction.atomic
def part_delete(*, part: Part) -> None:
    """Delete a part no ticket has used (a used part is the tickets' history: ProtectedError, answered 409)."""
    part.delete()


@transaction.atomic
def part_adjust_stock(*, part: Part, delta: int) -> int:
    """Add `delta` (negative to take away) to the stock of `part`; never below zero. Returns the new stock."""
    if delta == 0:
        part.refresh_from_db(fields=["quantity_in_stock"])
        return part.quantity_in_stock
    changed = Part.objects.filter(
        pk=part.pk, quantity_in_stock__gte=max(0, -delta), quantity_in_stock__lte=MAX_STOCK - max(0, delta)
    ).update(quantity_in_stock=F("quantity_in_stock") + delta, updated_at=timezone.now())
    if not changed:
        if delta > 0:
            raise Conflict(f"Stock of {part.name} cannot go above {MAX_STOCK}.")
        raise Conflict(f"Not enough {part.name} in stock to take away {-delta}.")
    part.refresh_from_db(fields=["quantity_in_stock"])
    return part.quantity_in_stock


def part_take_stock(*, part: Part, quantity: int) -> None:
    """Take `quantity` units of `part` out of stock (onto a ticket); Conflict if fewer are left.

    One conditional UPDATE, atomic by itself: it needs no transaction (nor a savepoint inside the caller's) of its
    own.
    """
    taken = Part.objects.filter(pk=part.pk, quantity_in_stock__gte=quantity).update(
        quantity_in_stock=F("quantity_in_stock") - quantity, updated_at=timezone.now()
    )
    if not taken:
        in_stock = Part.objects.filter(pk=part.pk).values_list("quantity_in_stock", flat=True).first()
        raise Conflict(f"Not enough {part.name} in stock: {quantity} asked, {in_stock or 0} left.")


@transaction.atomic(savepoint=False)
def part_return_stock(*, returns: Iterable[tuple[int, int]]) -> None:
    """Put `(part id, quantity)` units back into stock (from a ticket's lines).

    All or nothing, in the caller's transaction when there is one (no savepoint: only a database error can
    interrupt it, and that dooms the caller's transaction anyway).
    """
    now = timezone.now()
    # In part order, so two transactions returning the same parts lock them in the same order (no deadlock).
    for part_id, quantity in sorted(returns):
        Part.objects.filter(pk=part_id).update(quantity_in_stock=F("quantity_in_stock") + quantity, updated_at=now)
