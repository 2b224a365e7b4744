"""Tickets as JSON on the hot read paths (list, detail, my-tickets, and the answer to every ticket change).

DRF's nested serializers were most of a ticket-list request's time (docs/decisions/0006-hand-built-representations.md):
field objects copied per serializer, and a model instance for every mechanic and part line. These functions give
exactly what ServiceTicketSerializer gives — tests compare the two on the same tickets — from plain rows: the
page's tickets, then one query for their mechanics, one for their part lines, one for their labor lines and
one for their clocked time, whatever the page size.
ServiceTicketSerializer stays the definition of the shape: it validates input and documents the schema.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date
from decimal import Decimal

import orjson
from django.db.models import CharField, ExpressionWrapper, F, Sum, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from mechanic_shop.api.fields import iso_timestamp
from mechanic_shop.core.prepared import PreparedPage, PreparedRows
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
# Dates and timestamps a page of many tickets reads as the database's own text instead of date and datetime objects
# (decision 0034). Turning each stored text into an aware datetime (Django's converters) and that back into ISO 8601
# text was an eighth of a page of 100 tickets; a date's text is already its JSON, a timestamp's only needs its "T" and
# "Z" (_timestamp). The six text columns cost a fixed price to build into the query (about 1.4 M instructions) and
# save about 0.1 M a row, so a page takes them from TEXT_DATES_FROM_ROWS rows on; below, the objects are cheaper.
DATE_COLUMNS = ("service_date", "pickup_date")
TIMESTAMP_COLUMNS = ("created_at", "updated_at", "completed_at", "status_since")
TEXT_DATES_FROM_ROWS = 25
_AS_TEXT = {f"{column}_text": Cast(column, CharField()) for column in DATE_COLUMNS + TIMESTAMP_COLUMNS}
_DATE_NAMES = DATE_COLUMNS + TIMESTAMP_COLUMNS
# Such a page also reads `stage_durations` as its stored JSON text and decodes it with orjson (decision 0039):
# Django's JSONField decodes it with json.loads, a twentieth of a page of 100. Same values: the text is what Django
# wrote; what orjson reads otherwise or refuses (an integer of 19 digits or more, which it may make a float; NaN, a
# lone surrogate) goes to the field's own decoding.
_JSON_TEXT = {"stage_durations_json": ExpressionWrapper(F("stage_durations"), output_field=TextField())}
_STAGE_DURATIONS = ServiceTicket._meta.get_field("stage_durations")
_LONG_NUMBER = re.compile(r"[0-9]{19}")
_OTHER_COLUMNS = tuple(
    column for column in TICKET_COLUMNS if column not in (*DATE_COLUMNS, *TIMESTAMP_COLUMNS, "stage_durations")
)
CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _timestamp(value) -> str | None:
    """A timestamp column as DRF renders it here (iso_timestamp: ISO 8601 in UTC with "Z"), from the database's text
    or from a datetime. Stored timestamps are UTC without an offset: `YYYY-MM-DD HH:MM:SS` with `.ffffff` when there
    are microseconds (SQLite, as Django writes them), or always (MariaDB's DATETIME(6)); isoformat leaves out zero
    microseconds, so `.000000` goes. Any other text goes through the datetime path, so it cannot come out different.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            if value.endswith(".000000"):
                return f"{value[:10]}T{value[11:19]}Z"
            return f"{value[:10]}T{value[11:]}Z"
        if len(value) == 19 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}Z"
        value = _parse_stored_timestamp(value)
    return iso_timestamp(value)


def _same(value):
    return value


def _json(text: str | None):
    """The stored JSON text of `stage_durations` as the field would give it."""
    if text is None:
        return None
    if not _LONG_NUMBER.search(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return _STAGE_DURATIONS.from_db_value(text, None, None)


def _parse_stored_timestamp(text: str):
    parsed = parse_datetime(text)
    if parsed is None:
        raise ValueError(f"Not a timestamp: {text!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


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


def prepared_ticket_pages(make_queryset, *, takes_id: bool = False) -> dict[bool, PreparedPage]:
    """`ticket_rows(make_queryset(*args), dates_as_text=…)` as a PreparedPage (its SQL built once), for each value of
    `dates_as_text`."""
    return {
        as_text: PreparedPage(
            lambda *args, as_text=as_text: ticket_rows(make_queryset(*args), dates_as_text=as_text), takes_id=takes_id
        )
        for as_text in (False, True)
    }


def ticket_rows(queryset, *, dates_as_text: bool = False):
    """The columns a representation needs, as a lazy values() queryset: paginate it before it runs. With
    `dates_as_text` (a page of TEXT_DATES_FROM_ROWS or more), dates and timestamps come as the database's text, under
    `<column>_text`."""
    if dates_as_text:
        return queryset.values(*_OTHER_COLUMNS, **_AS_TEXT, **_JSON_TEXT)
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
    # Dates and timestamps as objects under their own names, or as text under `<name>_text` (ticket_rows'
    # dates_as_text): the names to read and the function that makes each one's JSON, chosen once for the page.
    service_date, pickup_date, created_at, updated_at, completed_at, status_since = _DATE_NAMES
    day, stamp = date.isoformat, iso_timestamp
    stage_durations, durations = "stage_durations", _same
    if rows and "created_at_text" in rows[0]:
        service_date, pickup_date, created_at, updated_at, completed_at, status_since = _AS_TEXT
        day, stamp = str, _timestamp  # a date's text, `YYYY-MM-DD`, is what date.isoformat gives
        (stage_durations,), durations = _JSON_TEXT, _json
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
                "service_date": day(row[service_date]),
                "mileage_in": row["mileage_in"],
                "mileage_out": row["mileage_out"],
                "description": row["description"],
                "customer_id": row["customer_id"],
                "status": row["status"],
                "pickup_date": None if row[pickup_date] is None else day(row[pickup_date]),
                "labor_cost": _money(row["labor_cost"]),
                "mechanics": mechanics[row["id"]],
                "parts": parts,
                "parts_total": _money(parts_total),
                "labor_lines": labor_lines,
                "labor_total": _money(labor_total),
                "billed_hours": _money(billed_hours),
                "total_cost": _money(labor_total + parts_total),
                "clocked_hours": _money(clocked_hours(clocked.get(row["id"]))),
                "created_at": stamp(row[created_at]),
                "updated_at": stamp(row[updated_at]),
                "completed_at": stamp(row[completed_at]),
                "approval_required": row["approval_required"],
                "approval_status": approval_status,
                "approved_total": None if approved_total is None else _money(approved_total),
                "tracking_url": tracking_url(row["id"], row["tracking_version"]),
                "status_since": stamp(row[status_since]),
                "stage_durations": durations(row[stage_durations]),
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
