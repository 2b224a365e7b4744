"""The efficiency leaderboard computed the plain way, for tests to hold the endpoint's answer against: from the
completed tickets' own time entries and labor lines, one row at a time in Python."""

from collections import Counter
from datetime import date

from mechanics.models import Mechanic
from tickets.leaderboard import Standing
from tickets.models import LaborLine, ServiceTicket, TimeEntry


def board_from_entries(completed_after: date | None = None, completed_before: date | None = None) -> list[dict]:
    """Each active mechanic with clocked time on the tickets completed from `completed_after` to `completed_before`
    (UTC dates, both inclusive), as the endpoint shows them: billed ÷ clocked rounded half up at two places, the
    highest first, ties by id."""
    tickets = ServiceTicket.objects.filter(status=ServiceTicket.Status.COMPLETED)
    if completed_after is not None:
        tickets = tickets.filter(completed_at__date__gte=completed_after)
    if completed_before is not None:
        tickets = tickets.filter(completed_at__date__lte=completed_before)
    clocked: Counter[int] = Counter()
    billed: Counter[int] = Counter()
    for entry in TimeEntry.objects.filter(ticket__in=tickets):
        clocked[entry.mechanic_id] += entry.seconds
    for line in LaborLine.objects.filter(ticket__in=tickets).exclude(mechanic=None):
        billed[line.mechanic_id] += int(line.hours * 100)
    standings = [
        Standing(
            id=mechanic.pk,
            name=mechanic.name,
            clocked_seconds=clocked[mechanic.pk],
            billed_cents=billed[mechanic.pk],
            # billed ÷ clocked in hundredths = cents × 3600 ÷ seconds; half up: ⌊(⌊2x⌋ + 1) ÷ 2⌋.
            efficiency_pct=(billed[mechanic.pk] * 7200 // clocked[mechanic.pk] + 1) // 2,
        )
        for mechanic in Mechanic.objects.filter(is_active=True, pk__in=[pk for pk, s in clocked.items() if s > 0])
    ]
    standings.sort(key=lambda standing: (-standing.efficiency_pct, standing.id))
    return [standing.as_row() for standing in standings]
