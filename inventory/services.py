"""Every write to parts, and all stock arithmetic of the shop, in one place.

The API, the admin, the ticket services and the management commands all move stock through these functions.
Stock changes by a conditional UPDATE, atomic on every database: it never overwrites a concurrent change and
never goes below zero or above `MAX_STOCK` however many requests arrive at once: a change that would is a
Conflict (409), and a stock level given directly out of that range a ValidationError (400).
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import MAX_STOCK, Part
from mechanic_shop.core.exceptions import Conflict


def _check_stock_level(quantity_in_stock: int) -> None:
    if not 0 <= quantity_in_stock <= MAX_STOCK:
        raise ValidationError(
            {"quantity_in_stock": [f"Stock is 0 to {MAX_STOCK:,}; {quantity_in_stock:,} is out of range."]}
        )


@transaction.atomic
def part_create(*, name: str, price: Decimal, quantity_in_stock: int = 0) -> Part:
    """Add a part to the inventory with its starting stock."""
    _check_stock_level(quantity_in_stock)
    return Part.objects.create(name=name, price=price, quantity_in_stock=quantity_in_stock)


@transaction.atomic
def part_update(*, part: Part, **changes: Any) -> Part:
    """Change a part's name, price or stock level; only the fields given are written.

    Writing only what was sent keeps a change of the name from writing back a stock level read before a
    concurrent ticket took stock. A stock level given here replaces the count (a stocktake).
    """
    if "quantity_in_stock" in changes:
        _check_stock_level(changes["quantity_in_stock"])
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
        in_stock = _stock_of(part)
        if delta > 0:
            raise Conflict(
                f"Adding {delta:,} {part.name} to the {in_stock:,} in stock would pass the most a part can hold "
                f"({MAX_STOCK:,}); stock not changed."
            )
        raise Conflict(
            f"Not enough {part.name} in stock to take away {-delta:,}: {in_stock:,} left; stock not changed."
        )
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
        raise Conflict(f"Not enough {part.name} in stock: {quantity} asked, {_stock_of(part)} left.")


def _stock_of(part: Part) -> int:
    in_stock = Part.objects.filter(pk=part.pk).values_list("quantity_in_stock", flat=True).first()
    return in_stock or 0


@transaction.atomic(savepoint=False)
def part_return_stock(*, returns: Iterable[tuple[int, int]]) -> None:
    """Put `(part id, quantity)` units back into stock (from a ticket's lines); Conflict if that would take a part's
    stock past `MAX_STOCK`.

    All or nothing, in the caller's transaction when there is one (no savepoint: a Conflict or a database error
    interrupts it, and either undoes the caller's whole transaction, which is what makes it all or nothing).
    """
    now = timezone.now()
    # In part order, so two transactions returning the same parts lock them in the same order (no deadlock).
    for part_id, quantity in sorted(returns):
        returned = Part.objects.filter(pk=part_id, quantity_in_stock__lte=MAX_STOCK - quantity).update(
            quantity_in_stock=F("quantity_in_stock") + quantity, updated_at=now
        )
        if not returned:
            part = Part.objects.only("name", "quantity_in_stock").get(pk=part_id)
            raise Conflict(
                f"Giving {quantity:,} {part.name} back to stock would take it from {part.quantity_in_stock:,} past "
                f"the most a part can hold ({MAX_STOCK:,}); nothing changed."
            )
