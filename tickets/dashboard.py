"""What the front desk's index page shows: tickets by status, today's completed tickets, parts to reorder (at or
below their own reorder level).

A fixed number of queries whatever the size of the shop, and each block only for a user who may view what it shows.
"""

from dataclasses import dataclass, field
from datetime import datetime, time

from django.db.models import Count, Q
from django.utils import timezone

from inventory.models import Part
from inventory.purchasing import below_reorder_level
from tickets.models import ServiceTicket

# Rows listed per block; the counts are of all of them.
LIST_LIMIT = 10


@dataclass
class StatusBar:
    status: str
    label: str
    count: int
    percent: int  # of the largest count, for the bar's width


@dataclass
class FloorSummary:
    show_tickets: bool = False
    show_customers: bool = False
    show_parts: bool = False
    statuses: list[StatusBar] = field(default_factory=list)
    on_the_floor: int = 0
    completed_today: int = 0
    completed_today_tickets: list[ServiceTicket] = field(default_factory=list)
    reorder_count: int = 0
    reorder_parts: list[Part] = field(default_factory=list)


def floor_summary(*, user, now: datetime | None = None) -> FloorSummary:
    """The index page's figures for `user`: ticket blocks with `view_serviceticket`, parts with `view_part`."""
    now = now or timezone.now()
    summary = FloorSummary(
        show_tickets=user.has_perm("tickets.view_serviceticket"),
        show_customers=user.has_perm("customers.view_customer"),
        show_parts=user.has_perm("inventory.view_part"),
    )
    if summary.show_tickets:
        start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
        today = Q(status=ServiceTicket.Status.COMPLETED, completed_at__gte=start_of_day)
        # One query for every count.
        counts = ServiceTicket.objects.order_by().aggregate(
            completed_today=Count("pk", filter=today),
            **{status.value: Count("pk", filter=Q(status=status)) for status in ServiceTicket.Status},
        )
        largest = max(counts[status.value] for status in ServiceTicket.Status) or 1
        summary.statuses = [
            StatusBar(status.value, status.label, counts[status.value], round(100 * counts[status.value] / largest))
            for status in ServiceTicket.Status
        ]
        summary.on_the_floor = counts[ServiceTicket.Status.OPEN] + counts[ServiceTicket.Status.IN_PROGRESS]
        summary.completed_today = counts["completed_today"]
        # Their part lines in one more query, for the totals.
        tickets = (
            ServiceTicket.objects.filter(today)
            .order_by("-completed_at", "-id")
            .prefetch_related("lines", "labor_lines")
        )
        if summary.show_customers:
            tickets = tickets.select_related("customer")  # the customer's name on each row, in the same query
        summary.completed_today_tickets = list(tickets[:LIST_LIMIT])
    if summary.show_parts:
        # Parts at or below their own reorder level (those with one), the emptiest first: a count and a page.
        low = below_reorder_level()
        summary.reorder_count = low.count()
        summary.reorder_parts = list(low.order_by("quantity_in_stock", "id")[:LIST_LIMIT])
    return summary
