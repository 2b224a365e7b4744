"""Migration tickets 0010: the efficiency leaderboard's rows (CompletedWork) for every ticket completed before it,
from the tickets' own time entries and labor lines, so the board shows after the release what it showed before.

As in test_sync_migrations.py: back to the state before, rows made with the historical models, forward again."""

import datetime
from datetime import UTC
from decimal import Decimal

BEFORE = [("tickets", "0009_updated_at_and_sync_indexes")]
AFTER = [("tickets", "0010_completed_work")]


def moment(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2025, 6, day, hour, tzinfo=UTC)


def test_every_completed_ticket_gets_its_rows(migrate):
    apps = migrate(BEFORE)
    customer = apps.get_model("customers", "Customer").objects.create(
        name="Ada", email="ada@example.com", phone_number="555-0100"
    )
    vehicle = apps.get_model("customers", "Vehicle").objects.create(
        vin="1HGCM82633A004352", customer=customer, vin_check="valid"
    )
    Mechanic = apps.get_model("mechanics", "Mechanic")
    mo, flo, cy = (
        Mechanic.objects.create(name=name, email=f"{name}@example.com", phone_number="555-0101", salary=1)
        for name in ("mo", "flo", "cy")
    )
    ServiceTicket = apps.get_model("tickets", "ServiceTicket")

    def ticket(status: str, completed_at=None, status_since=None):
        return ServiceTicket.objects.create(
            customer=customer, vehicle=vehicle, vin=vehicle.vin, service_date="2025-06-01", description="Brakes",
            status=status, completed_at=completed_at, status_since=status_since or moment(1),
        )  # fmt: skip

    done, older, working = ticket("completed", moment(3)), ticket("completed", None, moment(2)), ticket("in_progress")
    TimeEntry, LaborLine = apps.get_model("tickets", "TimeEntry"), apps.get_model("tickets", "LaborLine")

    def clock(on, mechanic, seconds):
        ended = moment(1) + datetime.timedelta(seconds=seconds)
        TimeEntry.objects.create(ticket=on, mechanic=mechanic, started_at=moment(1), ended_at=ended, seconds=seconds)

    def bill(on, mechanic, hours):
        LaborLine.objects.create(ticket=on, mechanic=mechanic, description="Work", hours=Decimal(hours), rate=90)

    clock(done, mo, 3600), clock(done, mo, 1800), bill(done, mo, "1.25"), bill(done, mo, "0.29")
    bill(done, flo, "2.00")  # billed, never clocked
    clock(done, cy, 0)  # clocked nothing
    bill(done, None, "5.00")  # nobody's
    clock(older, mo, 60), bill(older, flo, "0.10")
    clock(working, mo, 7200), bill(working, mo, "3.00")  # not completed: no rows
    TimeEntry.objects.create(ticket=working, mechanic=flo, started_at=moment(1))  # open: no rows

    apps = migrate(AFTER)

    rows = {
        (row.ticket_id, row.mechanic_id): (row.completed_at, row.clocked_seconds, row.billed_cents)
        for row in apps.get_model("tickets", "CompletedWork").objects.all()
    }
    assert rows == {
        (done.pk, mo.pk): (moment(3), 5400, 154),
        (done.pk, flo.pk): (moment(3), 0, 200),
        (done.pk, cy.pk): (moment(3), 0, 0),
        # A completed ticket without its moment (none is made so now) counts from when it took its status.
        (older.pk, mo.pk): (moment(2), 60, 0),
        (older.pk, flo.pk): (moment(2), 0, 10),
    }
