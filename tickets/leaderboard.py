"""The efficiency leaderboard: billed hours against clocked hours, per mechanic, over tickets completed in a range.

One query: each active mechanic gets two correlated subqueries (its ended time entries' duration and its labor lines'
hours, both on the tickets completed in the range), and the ranking is computed from them in the database. Durations
are summed as whole microseconds: Django turns `ended_at - started_at` into `django_timestamp_diff()` on SQLite and
`TIMESTAMPDIFF(MICROSECOND, …)` on MariaDB, both integers, so the arithmetic below is integer arithmetic on both.
The efficiency is ranked at the two decimals it is shown with (rounded half up), so mechanics showing the same
efficiency are ordered by id, as the clients see them.
"""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import BigIntegerField, ExpressionWrapper, F, Func, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone

from mechanics.models import Mechanic
from tickets.models import LaborLine, ServiceTicket, TimeEntry

MICROSECONDS_PER_HOUR = 3_600_000_000
HUNDREDTH = Decimal("0.01")


class IntegerDivision(Func):
    """`a ÷ b` rounded down, for non-negative integers: SQLite's `/` on integers already is; MariaDB's `/` answers a
    decimal rounded to 4 places (which can round 2.99999 up to 3), so there it is `DIV`."""

    arg_joiner = " / "
    template = "(%(expressions)s)"
    output_field = BigIntegerField()

    def as_mysql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, arg_joiner=" DIV ", **extra_context)


def _completed_between(prefix: str, after: date | None, before: date | None) -> dict[str, object]:
    """Lookups for "the ticket was completed on a date from `after` to `before`, both inclusive", as a range on
    `completed_at` (so the (status, completed_at) index serves it) rather than a date cast of the column."""
    lookups: dict[str, object] = {f"{prefix}status": ServiceTicket.Status.COMPLETED}
    if after is not None:
        lookups[f"{prefix}completed_at__gte"] = timezone.make_aware(datetime.combine(after, time.min))
    if before is not None and before < date.max:
        next_day = datetime.combine(before + timedelta(days=1), time.min)
        lookups[f"{prefix}completed_at__lt"] = timezone.make_aware(next_day)
    return lookups


def efficiency_leaderboard(*, completed_after: date | None = None, completed_before: date | None = None) -> QuerySet:
    """Active mechanics with clocked time on tickets completed in the range, highest efficiency first, ties by id.

    Each row is a Mechanic with `clocked_us` (microseconds), `billed_cents` (hundredths of an hour) and
    `efficiency_pct` (billed ÷ clocked in hundredths, rounded half up); `leaderboard_row()` formats one."""
    in_range = _completed_between("ticket__", completed_after, completed_before)
    duration = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=BigIntegerField())
    clocked = (
        TimeEntry.objects.filter(mechanic=OuterRef("pk"), ended_at__isnull=False, **in_range)
        .order_by()
        .values("mechanic")
        .annotate(total=Sum(duration))
        .values("total")
    )
    billed = (
        LaborLine.objects.filter(mechanic=OuterRef("pk"), **in_range)
        .order_by()
        .values("mechanic")
        # Hours have two decimals: as whole hundredths the sums stay exact on SQLite too.
        .annotate(total=Sum(Cast(Round(F("hours") * 100), BigIntegerField())))
        .values("total")
    )
    rows = Mechanic.objects.filter(is_active=True).annotate(
        clocked_us=Subquery(clocked, output_field=BigIntegerField()),
        billed_cents=Coalesce(Subquery(billed, output_field=BigIntegerField()), Value(0)),
    )
    # x = billed ÷ clocked × 100 = billed_cents × 3.6e9 ÷ clocked_us, rounded half up: k = ⌊2x⌋, then ⌊(k + 1) ÷ 2⌋.
    # Integers throughout (bounded far below 2^63: 7.2e9 × a million hours of lines), and the clocked subquery named
    # once here (SQLite evaluates each mention again).
    twice = IntegerDivision(F("billed_cents") * Value(2 * MICROSECONDS_PER_HOUR), F("clocked_us"))
    rows = rows.filter(clocked_us__gt=0).annotate(efficiency_pct=IntegerDivision(twice + Value(1), Value(2)))
    return rows.order_by("-efficiency_pct", "id").only("id", "name")


def leaderboard_row(mechanic: Mechanic) -> dict[str, object]:
    """One mechanic as the endpoint shows it: hours and efficiency as decimal strings with two places."""
    clocked = (Decimal(mechanic.clocked_us) / MICROSECONDS_PER_HOUR).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return {
        "id": mechanic.pk,
        "name": mechanic.name,
        "billed_hours": str((Decimal(mechanic.billed_cents) / 100).quantize(HUNDREDTH)),
        "clocked_hours": str(clocked),
        "efficiency": str((Decimal(mechanic.efficiency_pct) / 100).quantize(HUNDREDTH)),
    }
