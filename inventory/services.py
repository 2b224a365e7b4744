"""Stock rules for parts outside of tickets (restocks and adjustments from the admin)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import Part
from mechanic_shop.core.exceptions import Conflict

# The stock column's upper bound on every database (a positive 32-bit integer).
MAX_STOCK = 2**31 - 1


@transaction.atomic
def part_adjust_stock(*, part: Part, delta: int) -> int:
    """Add `delta` (negative to take away) to the stock of `part`; never below zero. Returns the new stock."""
    if delta == 0:
        part.refresh_from_db(fields=["quantity_in_stock"])
        return part.quantity_in_stock
    # A conditional UPDATE is atomic on every database: it never overwrites a concurrent change.
    changed = Part.objects.filter(
        pk=part.pk, quantity_in_stock__gte=max(0, -delta), quantity_in_stock__lte=MAX_STOCK - max(0, delta)
    ).update(quantity_in_stock=F("quantity_in_stock") + delta, updated_at=timezone.now())
    if not changed:
        if delta > 0:
            raise Conflict(f"Stock of {part.name} cannot go above {MAX_STOCK}.")
        raise Conflict(f"Not enough {part.name} in stock to take away {-delta}.")
    part.refresh_from_db(fields=["quantity_in_stock"])
    return part.quantity_in_stock
