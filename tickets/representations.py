"""Tickets as JSON on the hot read paths (list, detail, my-tickets, and the answer to every ticket change).

DRF's nested serializers were most of a ticket-list request's time (docs/decisions/0006-hand-built-representations.md):
field objects copied per serializer, and a model instance for every mechanic and part line. These functions give
exactly what ServiceTicketSerializer gives — tests compare the two on the same tickets — from plain rows: the
page's tickets, then one query for their mechanics, one for their part lines, one for their labor lines and
one for their clocked time, whatever the page size.
ServiceTicketSerializer stays the definition of the shape: it validates input and documents the schema.
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum

from mechanic_shop.api.fields import iso_timestamp
from mechanic_shop.core.prepared import PreparedRows
from tickets.clock import clocked_hours
from tickets.links import NO_APPROVAL, approval_summaries, tracking_urls
from tickets.models import LaborLine, ServiceTicket, TicketMechanic, TicketPart, TimeEntry

TICKET_COLUMNS = (
    "id",
    "vin",
    "vehicle_id",
    "service_date",
    "mileage_in",
    "mileage_out",
    "description",
    "customer_id",
    "status",
    "pickup_date",
    "labor_cost",
    "created_at",
    "updated_at",
    "completed_at",
    "approval_required",
    "tracking_version",
    "status_since",
    "stage_durations",
)
CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


# The page's related rows, each one query for every ticket of the page, with SQL built once per page size
# (mechanic_shop/core/prepared.py).
MECHANIC_ROWS = PreparedRows(
    lambda: TicketMechanic.objects.order_by("mechanic_id").values_list("ticket_id", "mechanic_id", "mechanic__name"),
    "ticket_id",
)
PART_ROWS = PreparedRows(
    lambda: TicketPart.objects.order_by("id").values_list(
        "ticket_id", "part_id", "part__name", "quantity", "unit_price"
    ),
    "ticket_id",
)
LABOR_ROWS = PreparedRows(
    lambda: LaborLine.objects.order_by("id").values_list(
        "ticket_id", "id", "description", "hours", "rate", "mechanic_id"
    ),
    "ticket_id",
)
# The tickets' clocked seconds (their ended entries), summed in the database.
CLOCKED_ROWS = PreparedRows(
    lambda: (
        TimeEntry.objects.filter(ended_at__isnull=False)
        .order_by()
        .values("ticket_id")
        .annotate(total=Sum("seconds"))
        .values_list("ticket_id", "total")
    ),
    "ticket_id",
)


def ticket_rows(queryset):
    """The columns a representation needs, as a lazy values() queryset: paginate it before it runs."""
    return queryset.values(*TICKET_COLUMNS)


def _labor(ids: list[int]) -> dict[int, tuple[list[dict], Decimal, Decimal]]:
    """Each ticket's labor lines as JSON, the lines' total and their hours: one query for all the tickets."""
    labor: dict[int, tuple[list[dict], Decimal, Decimal]] = defaultdict(lambda: ([], Decimal("0.00"), Decimal("0.00")))
    for ticket_id, line_id, description, hours, rate, mechanic_id in LABOR_ROWS.rows(ids):
        lines, total, billed = labor[ticket_id]
        line_total = (hours * rate).quantize(CENT)
        lines.append(
            {
                "id": line_id,
                "description": description,
                "hours": _money(hours),
                "rate": _money(rate),
                "mechanic_id": mechanic_id,
                "line_total": _money(line_total),
            }
        )
        labor[ticket_id] = (lines, total + line_total, billed + hours)
    return labor


def ticket_representations(rows: Iterable[dict], request=None) -> list[dict]:
    """Tickets shaped like ServiceTicketSerializer's output, in the order given: a query each for their mechanics,
    part lines, labor lines, clocked time and estimates, for all of them. `request` makes `tracking_url` absolute
    (tickets/links.py)."""
    rows = list(rows)
    ids = [row["id"] for row in rows]
    mechanics = defaultdict(list)
    for ticket_id, mechanic_id, name in MECHANIC_ROWS.rows(ids):
        mechanics[ticket_id].append({"id": mechanic_id, "name": name})
    lines = defaultdict(list)
    for ticket_id, part_id, name, quantity, unit_price in PART_ROWS.rows(ids):
        lines[ticket_id].append((part_id, name, quantity, unit_price))
    labor = _labor(ids)
    clocked = _clocked_seconds(ids)
    approvals = approval_summaries(ids)
    tracking_url = tracking_urls(request)

    result = []
    for row in rows:
        parts, parts_total = [], Decimal("0.00")
        for part_id, name, quantity, unit_price in lines[row["id"]]:
            line_total = quantity * unit_price
            parts_total += line_total
            parts.append(
                {
                    "id": part_id,
                    "name": name,
                    "quantity": quantity,
                    "unit_price": _money(unit_price),
                    "line_total": _money(line_total),
                }
            )
        labor_lines, lines_total, billed_hours = labor[row["id"]]
        labor_total = row["labor_cost"] + lines_total
        approval_status, approved_total = approvals.get(row["id"], NO_APPROVAL)
        result.append(
            {
                "id": row["id"],
                "vin": row["vin"],
                "vehicle_id": row["vehicle_id"],
                "service_date": row["service_date"].isoformat(),
                "mileage_in": row["mileage_in"],
                "mileage_out": row["mileage_out"],
                "description": row["description"],
                "customer_id": row["customer_id"],
                "status": row["status"],
                "pickup_date": row["pickup_date"].isoformat() if row["pickup_date"] else None,
                "labor_cost": _money(row["labor_cost"]),
                "mechanics": mechanics[row["id"]],
                "parts": parts,
                "parts_total": _money(parts_total),
                "labor_lines": labor_lines,
                "labor_total": _money(labor_total),
                "billed_hours": _money(billed_hours),
                "total_cost": _money(labor_total + parts_total),
                "clocked_hours": _money(clocked_hours(clocked.get(row["id"]))),
                "created_at": iso_timestamp(row["created_at"]),
                "updated_at": iso_timestamp(row["updated_at"]),
                "completed_at": iso_timestamp(row["completed_at"]),
                "approval_required": row["approval_required"],
                "approval_status": approval_status,
                "approved_total": None if approved_total is None else _money(approved_total),
                "tracking_url": tracking_url(row["id"], row["tracking_version"]),
                "status_since": iso_timestamp(row["status_since"]),
                "stage_durations": row["stage_durations"],
            }
        )
    return result


def _clocked_seconds(ids: list[int]) -> dict[int, int]:
    """The tickets' clocked seconds (their ended entries), summed in the database: one query for the whole page."""
    return dict(CLOCKED_ROWS.rows(ids))


def ticket_representation(ticket: ServiceTicket, *, reread: bool = True, request=None) -> dict:
    """One ticket; re-read from the database unless `ticket` was just loaded (a service may have changed it)."""
    if reread:
        return ticket_representations(ticket_rows(ServiceTicket.objects.filter(pk=ticket.pk)), request)[0]
    return ticket_representations([{column: getattr(ticket, column) for column in TICKET_COLUMNS}], request)[0]
