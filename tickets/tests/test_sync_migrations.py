"""Migrations tickets 0009 and events 0002: estimates, time entries and webhook deliveries get `updated_at`,
backfilled from their last known change (decision 0024), not from the moment of the migration.

As in test_migrations.py: back to the state before, rows made with the historical models, forward again."""

import datetime
from datetime import UTC

BEFORE = [("tickets", "0008_status_since_and_stage_durations"), ("events", "0001_initial")]
AFTER = [("tickets", "0009_updated_at_and_sync_indexes"), ("events", "0002_delivery_updated_at_and_sync_indexes")]


def moment(hour: int) -> datetime.datetime:
    return datetime.datetime(2025, 6, 1, hour, tzinfo=UTC)


def test_updated_at_is_backfilled_from_the_last_known_change(migrate):
    apps = old = migrate(BEFORE)
    customer = apps.get_model("customers", "Customer").objects.create(
        name="Ada", email="ada@example.com", phone_number="555-0100"
    )
    vehicle = apps.get_model("customers", "Vehicle").objects.create(
        vin="1HGCM82633A004352", customer=customer, vin_check="valid"
    )
    ticket = apps.get_model("tickets", "ServiceTicket").objects.create(
        customer=customer, vehicle=vehicle, vin=vehicle.vin, service_date="2025-06-01", description="Brakes"
    )
    mechanic = apps.get_model("mechanics", "Mechanic").objects.create(
        name="Mo", email="mo@example.com", phone_number="555-0101", salary=1
    )
    Estimate = apps.get_model("tickets", "Estimate")
    pending = Estimate.objects.create(ticket=ticket, total=10, created_at=moment(8), expires_at=moment(20))
    decided = Estimate.objects.create(
        ticket=ticket, total=10, created_at=moment(9), expires_at=moment(20), status="approved", decided_at=moment(11)
    )
    TimeEntry = apps.get_model("tickets", "TimeEntry")
    running = TimeEntry.objects.create(ticket=ticket, mechanic=mechanic, started_at=moment(12))
    ended = TimeEntry.objects.create(
        ticket=ticket, mechanic=mechanic, started_at=moment(9), ended_at=moment(10), seconds=3600
    )
    webhook = apps.get_model("events", "Webhook").objects.create(url="http://127.0.0.1:9/", events=["*"], secret="s")
    event = apps.get_model("events", "Event").objects.create(type="ticket.created", created_at=moment(7))
    delivery = apps.get_model("events", "WebhookDelivery").objects.create(
        webhook=webhook, event=event, status="delivered", created_at=moment(7)
    )

    apps = migrate(AFTER)

    def updated(model: str, pk: int) -> datetime.datetime:
        app = "events" if model in ("WebhookDelivery",) else "tickets"
        return apps.get_model(app, model).objects.values_list("updated_at", flat=True).get(pk=pk)

    assert updated("Estimate", pending.pk) == moment(8)  # never decided: its creation
    assert updated("Estimate", decided.pk) == moment(11)  # its decision
    assert updated("TimeEntry", running.pk) == moment(12)  # still open: its start
    assert updated("TimeEntry", ended.pk) == moment(10)  # its end
    assert updated("WebhookDelivery", delivery.pk) == moment(7)  # its creation

    # The previous release keeps inserting while the new one rolls out: its rows get the database's default.
    late = old.get_model("tickets", "TimeEntry").objects.create(ticket_id=ticket.pk, mechanic_id=mechanic.pk,
                                                                started_at=moment(13))  # fmt: skip
    assert updated("TimeEntry", late.pk) is not None
    late_estimate = old.get_model("tickets", "Estimate").objects.create(
        ticket_id=ticket.pk, total=1, created_at=moment(13), expires_at=moment(20)
    )
    assert updated("Estimate", late_estimate.pk) is not None
    late_delivery = old.get_model("events", "WebhookDelivery").objects.create(
        webhook_id=webhook.pk, event_id=event.pk, attempt=2
    )
    assert updated("WebhookDelivery", late_delivery.pk) is not None
