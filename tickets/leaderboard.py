"""The efficiency leaderboard: billed hours against clocked hours, per mechanic, over tickets completed in a range.

One query. Two aggregates, each a GROUP BY over the tickets completed in the range (found through the
(status, completed_at) index) and their rows (through covering indexes): the seconds clocked per mechanic and the
hundredths of an hour billed per mechanic. The active mechanics are joined to both as derived tables, and the
ranking is computed from their columns in the same statement, so each aggregate runs once (a correlated subquery
named in the SELECT, the ranking and the WHERE ran up to three times per mechanic, and the paginator's count ran it
all again). The result is one row per mechanic with clocked time: a shop's few dozen, paginated in memory.

The endpoint reads it through `cached_efficiency_leaderboard`: kept in the cache per range until a ticket is
completed or a mechanic changes. Nothing else can change it: a completed ticket never changes status again, is never
deleted, and its labor lines and time entries are closed to every change (tickets/services.py), so only completing a
ticket adds to the sums, and only a mechanic's own row (name, active) changes what is shown beside them
(docs/decisions/0030-efficiency-leaderboard-kept-until-a-ticket-completes.md). Rows written behind the services' and
the models' backs (`loaddata`, SQL, a data migration, a queryset `update()` of mechanics) bump nothing: call
`leaderboard_changed()` after them, or the board can be a minute late.

Both sums are integers (whole seconds, as `TimeEntry.seconds` stores them, and hundredths of an hour), so the
ranking is integer arithmetic on every database. The efficiency is ranked at the two decimals it is shown with
(rounded half up), so mechanics showing the same efficiency are ordered by id, as the clients see them.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, F, Sum
from django.db.models.functions import Cast, Round
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from mechanic_shop.core.generations import bump_generation, current_generation, in_own_transaction
from mechanics.models import Mechanic
from tickets.clock import SECONDS_PER_HOUR, clocked_hours
from tickets.models import LaborLine, ServiceTicket, TimeEntry

if TYPE_CHECKING:
    from django.db.models import QuerySet

HUNDREDTH = Decimal("0.01")
# Bumped when a ticket is completed (tickets/services.py) and when a mechanic is saved or deleted (tickets/apps.py).
GENERATION_KEY = "leaderboard:efficiency:generation"
# Bounds how long a result could stay wrong if a bump were ever lost (a Redis blip, rows loaded behind the services'
# back), as for the cached ticket count; a miss costs one query (0.5 s over 50,000 completed tickets on SQLite).
CACHE_TIMEOUT = 60


@dataclass(frozen=True)
class Standing:
    """One mechanic's place: `clocked_seconds`, `billed_cents` (hundredths of an hour) and `efficiency_pct`
    (billed ÷ clocked in hundredths, rounded half up)."""

    id: int
    name: str
    clocked_seconds: int
    billed_cents: int
    efficiency_pct: int

    def as_row(self) -> dict[str, object]:
        """As the endpoint shows it: hours and efficiency as decimal strings with two places."""
        return {
            "id": self.id,
            "name": self.name,
            "billed_hours": str((Decimal(self.billed_cents) / 100).quantize(HUNDREDTH)),
            "clocked_hours": str(clocked_hours(self.clocked_seconds)),
            "efficiency": str((Decimal(self.efficiency_pct) / 100).quantize(HUNDREDTH)),
        }


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


def _per_mechanic(queryset: "QuerySet[Any]", total: Sum) -> tuple[str, tuple[Any, ...]]:
    """`SELECT mechanic_id, <total> AS total … GROUP BY mechanic_id` as SQL and parameters, compiled by Django (so
    its expressions are right for the database in use)."""
    grouped = queryset.order_by().values("mechanic_id").annotate(total=total).values_list("mechanic_id", "total")
    sql, params = grouped.query.sql_with_params()
    return sql, tuple(params)


def efficiency_leaderboard(
    *, completed_after: date | None = None, completed_before: date | None = None
) -> list[Standing]:
    """Active mechanics with clocked time on tickets completed in the range, highest efficiency first, ties by id:
    a list of Standing, from one query."""
    in_range = _completed_between("ticket__", completed_after, completed_before)
    # An open entry has no seconds yet (SUM skips it), so no `ended_at` condition: the covering index serves it.
    clocked_sql, clocked_params = _per_mechanic(TimeEntry.objects.filter(**in_range), Sum("seconds"))
    # Hours have two decimals: as whole hundredths the sums stay exact on SQLite too.
    hundredths = Sum(Cast(Round(F("hours") * 100), BigIntegerField()))
    billed_sql, billed_params = _per_mechanic(LaborLine.objects.filter(mechanic__isnull=False, **in_range), hundredths)
    q = connection.ops.quote_name
    mechanic, m_id, m_name, m_active = q(Mechanic._meta.db_table), q("id"), q("name"), q("is_active")
    # `/` on integers rounds down on SQLite; MariaDB's `/` answers a decimal rounded to four places (which can round
    # 2.99999 up to 3), so there it is `DIV`.
    div = "DIV" if connection.vendor == "mysql" else "/"
    # x = billed ÷ clocked × 100 = billed_cents × 3600 ÷ clocked_seconds, rounded half up: k = ⌊2x⌋, then
    # ⌊(k + 1) ÷ 2⌋. Integers throughout, far below 2^63.
    sql = f"""
        SELECT m.{m_id}, m.{m_name}, c.total, COALESCE(b.total, 0),
               ((COALESCE(b.total, 0) * {2 * SECONDS_PER_HOUR}) {div} c.total + 1) {div} 2 AS efficiency_pct
        FROM {mechanic} m
        INNER JOIN ({clocked_sql}) c ON c.mechanic_id = m.{m_id}
        LEFT JOIN ({billed_sql}) b ON b.mechanic_id = m.{m_id}
        WHERE m.{m_active} = %s AND c.total > 0
        ORDER BY efficiency_pct DESC, m.{m_id}
    """  # noqa: S608 - the tables and expressions are Django's, every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, (*clocked_params, *billed_params, True))
        rows = cursor.fetchall()
    # MariaDB answers its sums as decimals: whole numbers all the same.
    return [
        Standing(id=pk, name=name, clocked_seconds=int(clocked), billed_cents=int(billed), efficiency_pct=int(pct))
        for pk, name, clocked, billed, pct in rows
    ]


def cached_efficiency_leaderboard(
    *, completed_after: date | None = None, completed_before: date | None = None
) -> list[Standing]:
    """`efficiency_leaderboard` for the range, kept in the cache until `leaderboard_changed()` (read afresh inside a
    transaction, which may have completed a ticket and may yet roll back)."""
    if in_own_transaction():
        return efficiency_leaderboard(completed_after=completed_after, completed_before=completed_before)
    # `v1`: the shape of the stored rows; change it with Standing's fields, so a rolling deploy never reads the other's.
    key = f"leaderboard:efficiency:v1:{current_generation(GENERATION_KEY)}:{completed_after}:{completed_before}"
    rows = cache.get(key)
    if rows is None:
        standings = efficiency_leaderboard(completed_after=completed_after, completed_before=completed_before)
        # Plain tuples in the cache, not the dataclass: a stored entry never depends on this module's classes.
        rows = [(s.id, s.name, s.clocked_seconds, s.billed_cents, s.efficiency_pct) for s in standings]
        cache.set(key, rows, timeout=CACHE_TIMEOUT)
    return [Standing(*row) for row in rows]


def leaderboard_changed(**_: object) -> None:
    """Retire every cached leaderboard (now and when the transaction commits): a ticket was completed, or a mechanic
    was saved or deleted. Also a receiver for the mechanic's post_save and post_delete."""
    bump_generation(GENERATION_KEY)


def connect_receivers() -> None:
    """A mechanic's save or delete, from the API, the admin or the shell, calls `leaderboard_changed`."""
    post_save.connect(leaderboard_changed, sender=Mechanic, dispatch_uid="tickets.leaderboard_mechanic_saved")
    post_delete.connect(leaderboard_changed, sender=Mechanic, dispatch_uid="tickets.leaderboard_mechanic_deleted")
