"""The efficiency leaderboard: billed hours against clocked hours, per mechanic, over tickets completed in a range.

One query over CompletedWork: a row per mechanic and completed ticket with the seconds they clocked and the
hundredths of an hour they billed on it, written once as the ticket completes (`record_completed_work`). The rows
completed in the range are summed per mechanic from one index, in its order (mechanic, completed_at, both sums), and
the active mechanics are joined to the sums with the ranking computed in the same statement. The result is one row
per mechanic with clocked time: a shop's few dozen, paginated in memory. Summing the tickets' time entries and labor
lines themselves took ten times as long (docs/decisions/0040-the-efficiency-board-kept-as-tickets-complete.md).

The endpoint reads it through `cached_efficiency_leaderboard`: kept in the cache per range until a ticket is
completed or a mechanic changes. Nothing else can change it: a completed ticket never changes status again, is never
deleted, and its labor lines and time entries are closed to every change (tickets/services.py), so only completing a
ticket adds to the sums, and only a mechanic's own row (name, active) changes what is shown beside them
(docs/decisions/0030-efficiency-leaderboard-kept-until-a-ticket-completes.md). Rows written behind the services' and
the models' backs (`loaddata`, SQL, a data migration, a queryset `update()` of mechanics) bump nothing: call
`leaderboard_changed()` after them, or the board can be a minute late; a ticket completed that way has no rows
until `manage.py fill_completed_work` writes them.

Both sums are integers (whole seconds, as `TimeEntry.seconds` stores them, and hundredths of an hour), so the
ranking is integer arithmetic on every database. The efficiency is ranked at the two decimals it is shown with
(rounded half up), so mechanics showing the same efficiency are ordered by id, as the clients see them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from mechanic_shop.core.generations import bump_generation, current_generation, in_own_transaction
from mechanics.models import Mechanic
from tickets.clock import SECONDS_PER_HOUR, clocked_hours
from tickets.models import CompletedWork, LaborLine, ServiceTicket, TimeEntry

HUNDREDTH = Decimal("0.01")
# Bumped when a ticket is completed (tickets/services.py) and when a mechanic is saved or deleted (tickets/apps.py).
GENERATION_KEY = "leaderboard:efficiency:generation"
# Bounds how long a result could stay wrong if a bump were ever lost (a Redis blip, rows loaded behind the services'
# back), as for the cached ticket count; a miss costs one query (19 ms over 50,000 completed tickets on SQLite).
CACHE_TIMEOUT = 60
# Tickets per read (their ids are the query's parameters) and rows per insert in `record_completed_work`.
BATCH = 1000


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


def _completed_between(after: date | None, before: date | None) -> dict[str, object]:
    """Lookups for "completed on a date from `after` to `before`, both inclusive", as a range on `completed_at` (so
    the board's index serves it) rather than a date cast of the column."""
    lookups: dict[str, object] = {}
    if after is not None:
        lookups["completed_at__gte"] = timezone.make_aware(datetime.combine(after, time.min))
    if before is not None and before < date.max:
        next_day = datetime.combine(before + timedelta(days=1), time.min)
        lookups["completed_at__lt"] = timezone.make_aware(next_day)
    return lookups


def efficiency_leaderboard(
    *, completed_after: date | None = None, completed_before: date | None = None
) -> list[Standing]:
    """Active mechanics with clocked time on tickets completed in the range, highest efficiency first, ties by id:
    a list of Standing, from one query."""
    work = (
        CompletedWork.objects.filter(**_completed_between(completed_after, completed_before))
        .order_by()
        .values("mechanic_id")
        .annotate(clocked=Sum("clocked_seconds"), billed=Sum("billed_cents"))
        .values_list("mechanic_id", "clocked", "billed")
    )
    work_sql, work_params = work.query.sql_with_params()
    q = connection.ops.quote_name
    mechanic, m_id, m_name, m_active = q(Mechanic._meta.db_table), q("id"), q("name"), q("is_active")
    # `/` on integers rounds down on SQLite; MariaDB's `/` answers a decimal rounded to four places (which can round
    # 2.99999 up to 3), so there it is `DIV`.
    div = "DIV" if connection.vendor == "mysql" else "/"
    # x = billed ÷ clocked × 100 = billed_cents × 3600 ÷ clocked_seconds, rounded half up: k = ⌊2x⌋, then
    # ⌊(k + 1) ÷ 2⌋. Integers throughout, far below 2^63.
    sql = f"""
        SELECT m.{m_id}, m.{m_name}, w.clocked, w.billed,
               ((w.billed * {2 * SECONDS_PER_HOUR}) {div} w.clocked + 1) {div} 2 AS efficiency_pct
        FROM {mechanic} m
        INNER JOIN ({work_sql}) w ON w.mechanic_id = m.{m_id}
        WHERE m.{m_active} = %s AND w.clocked > 0
        ORDER BY efficiency_pct DESC, m.{m_id}
    """  # noqa: S608 - the tables and expressions are Django's, every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, (*work_params, True))
        rows = cursor.fetchall()
    # MariaDB answers its sums as decimals: whole numbers all the same.
    return [
        Standing(id=pk, name=name, clocked_seconds=int(clocked), billed_cents=int(billed), efficiency_pct=int(pct))
        for pk, name, clocked, billed, pct in rows
    ]


def record_completed_work(completed_at: Mapping[int, datetime]) -> int:
    """Write the CompletedWork rows of the tickets in `completed_at` (ticket id → the moment it completed): per
    mechanic, the seconds of their time entries and the hundredths of an hour of their labor lines on the ticket
    (lines without a mechanic count for no one). Run as a ticket completes, after its open entries are ended, in the
    completing transaction; `seed_shop` runs it for every ticket it seeds completed. One read and one insert per
    `BATCH` tickets. Returns the number of rows written."""
    written = 0
    ids = list(completed_at)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        clocked = (
            TimeEntry.objects.filter(ticket_id__in=batch)
            .order_by()
            .values_list("ticket_id", "mechanic_id")
            .annotate(clocked=Coalesce(Sum("seconds"), 0), billed=Value(0))
        )
        billed = (
            LaborLine.objects.filter(ticket_id__in=batch, mechanic__isnull=False)
            .order_by()
            .values_list("ticket_id", "mechanic_id")
            .annotate(clocked=Value(0), billed=Sum(Cast(Round(F("hours") * 100), BigIntegerField())))
        )
        work: dict[tuple[int, int], list[int]] = {}
        for ticket_id, mechanic_id, seconds, hundredths in clocked.union(billed, all=True):
            sums = work.setdefault((ticket_id, mechanic_id), [0, 0])
            sums[0] += int(seconds)
            sums[1] += int(hundredths)
        written += len(work)
        CompletedWork.objects.bulk_create(
            CompletedWork(
                ticket_id=ticket_id,
                mechanic_id=mechanic_id,
                completed_at=completed_at[ticket_id],
                clocked_seconds=seconds,
                billed_cents=hundredths,
            )
            for (ticket_id, mechanic_id), (seconds, hundredths) in work.items()
        )
    return written


def fill_completed_work() -> tuple[int, int]:
    """Write the CompletedWork rows of every completed ticket that has none (a ticket completed behind the services'
    backs, or by the previous release while `migrate` ran), then retire the cached boards. Idempotent: a ticket
    with rows is left alone, and one with no work on it has none to write. Returns (tickets read, rows written)."""
    missing = (
        ServiceTicket.objects.filter(status=ServiceTicket.Status.COMPLETED, completed_work__isnull=True)
        # A completed ticket always has its `completed_at`; should one have none, the moment it took its status.
        .values_list("id", Coalesce("completed_at", "status_since"))
        .order_by("id")
    )
    with transaction.atomic():
        completed_at = dict(missing)
        written = record_completed_work(completed_at)
        leaderboard_changed()
    return len(completed_at), written


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
