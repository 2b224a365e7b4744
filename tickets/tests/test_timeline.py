"""Every ticket change writes its event in its own transaction; the timeline endpoint; stage_durations; e-mail."""

import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from model_bakery import baker

from inventory.models import Part
from inventory.services import part_adjust_stock
from mechanic_shop.core.actors import acting_as
from mechanic_shop.core.exceptions import Conflict
from mechanic_shop.events.models import Event, OutgoingEmail, Webhook, WebhookDelivery
from mechanic_shop.events.services import event_json
from mechanic_shop.events.tasks import send_email
from tickets.representations import ticket_representation
from tickets.serializers import ServiceTicketSerializer
from tickets.services import (
    clock_in,
    clock_out,
    ticket_add_labor_line,
    ticket_add_part,
    ticket_assign_mechanic,
    ticket_delete,
    ticket_remove_mechanic,
    ticket_remove_part,
    ticket_set_status,
    ticket_update,
)

pytestmark = pytest.mark.django_db


def types(ticket_id):
    return list(Event.objects.filter(ticket_id=ticket_id).order_by("id").values_list("type", flat=True))


def rolled_back(change):
    """Run the change in a transaction that then rolls back."""
    with contextlib.suppress(RuntimeError), transaction.atomic():
        change()
        raise RuntimeError("rolled back")


def events_url(ticket):
    return reverse("serviceticket-events", args=[ticket.pk])


def test_every_service_writes_its_event(make_ticket, make_mechanic):
    mo = make_mechanic(name="Mo")
    part = baker.make(Part, quantity_in_stock=10, price=Decimal("5.00"))
    ticket = make_ticket()
    ticket_assign_mechanic(ticket=ticket, mechanic=mo)
    ticket_assign_mechanic(ticket=ticket, mechanic=mo)  # already assigned: no change, no event
    ticket_add_part(ticket=ticket, part=part, quantity=3)
    ticket_remove_part(ticket=ticket, part=part, quantity=1)
    ticket_add_labor_line(ticket=ticket, description="Pads", hours=Decimal("1.00"))
    ticket_update(ticket=ticket, description="Brakes and pads", labor_cost=Decimal("10.00"))
    clock_in(ticket=ticket, mechanic=mo)  # moves it to in_progress
    clock_out(ticket=ticket, mechanic=mo)
    ticket_remove_mechanic(ticket=ticket, mechanic=mo)
    ticket_set_status(ticket=ticket, status="cancelled")
    ticket_id = ticket.pk
    ticket_delete(ticket=ticket)
    assert types(ticket_id) == [
        "ticket.created",
        "ticket.mechanic_assigned",
        "ticket.part_added",
        "ticket.part_removed",
        "ticket.labor_changed",
        "ticket.updated",
        "ticket.status_changed",
        "ticket.clock_in",
        "ticket.clock_out",
        "ticket.mechanic_removed",
        "ticket.status_changed",
        "ticket.deleted",
    ]
    events = {e.type: e for e in Event.objects.filter(ticket_id=ticket_id)}
    assert events["ticket.part_removed"].data == {"part_id": part.pk, "quantity": 1}
    assert events["ticket.updated"].data == {
        "changes": {"description": ["Brakes", "Brakes and pads"], "labor_cost": ["0.00", "10.00"]}
    }
    assert Event.objects.filter(ticket_id=ticket_id, type="ticket.status_changed").first().data == {
        "from": "open",
        "to": "in_progress",
    }
    # A command or a shell is the system; a service inside acting_as names its actor.
    assert events["ticket.created"].actor_kind == "system"


def test_a_change_that_fails_or_rolls_back_writes_no_event(make_ticket):
    part = baker.make(Part, quantity_in_stock=1)
    ticket = make_ticket()
    before = Event.objects.count()
    with pytest.raises(Conflict):
        ticket_add_part(ticket=ticket, part=part, quantity=5)
    rolled_back(lambda: ticket_add_part(ticket=ticket, part=part, quantity=1))
    assert Event.objects.count() == before


def test_low_stock_once_when_the_stock_falls_to_the_reorder_level(make_ticket):
    part = baker.make(Part, quantity_in_stock=5, reorder_level=3)
    ticket = make_ticket()
    ticket_add_part(ticket=ticket, part=part, quantity=1)  # 4: above
    ticket_add_part(ticket=ticket, part=part, quantity=1)  # 3: at the level
    ticket_add_part(ticket=ticket, part=part, quantity=1)  # 2: still below, no second event
    low = Event.objects.filter(type="part.low_stock")
    assert [e.data for e in low] == [
        {"part_id": part.pk, "quantity_in_stock": 3, "reorder_level": 3, "ticket_id": ticket.pk}
    ]
    part_adjust_stock(part=part, delta=5)
    part_adjust_stock(part=part, delta=-6)  # 7 → 1: falls again
    assert Event.objects.filter(type="part.low_stock").count() == 2


def test_a_part_without_a_reorder_level_is_never_low(make_ticket):
    part = baker.make(Part, quantity_in_stock=2, reorder_level=0)
    ticket_add_part(ticket=make_ticket(), part=part, quantity=2)
    assert not Event.objects.filter(type="part.low_stock").exists()


def test_stage_durations_and_status_since(make_ticket):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        ticket = make_ticket()
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        ticket_set_status(ticket=ticket, status="in_progress")
    with time_machine.travel(start + timedelta(hours=3, seconds=30), tick=False):
        ticket_set_status(ticket=ticket, status="completed")
    ticket.refresh_from_db()
    assert ticket.stage_durations == {"open": 3600, "in_progress": 7230}
    assert ticket.status_since == start + timedelta(hours=3, seconds=30)
    body = ticket_representation(ticket)
    assert body["stage_durations"] == {"open": 3600, "in_progress": 7230}
    assert body == ServiceTicketSerializer(ticket).data


def test_staff_read_the_whole_timeline_oldest_first(staff_client, make_ticket):
    ticket = make_ticket(status="in_progress")
    body = staff_client("tickets.view_serviceticket").get(events_url(ticket)).json()
    assert [e["type"] for e in body["results"]] == ["ticket.created", "ticket.status_changed"]
    first = body["results"][0]
    assert set(first) == {"id", "type", "ticket_id", "created_at", "updated_at", "actor", "data"}
    assert first["updated_at"] == first["created_at"]  # an event never changes
    assert first["ticket_id"] == ticket.pk
    assert first["actor"] == {"kind": "system", "id": None}


def test_the_customer_sees_only_status_changes_and_no_staff_id(
    customer, customer_client, other_customer_client, make_ticket, staff_client, make_staff
):
    ticket = make_ticket(customer)
    staff = staff_client("tickets.change_serviceticket", "tickets.view_serviceticket")
    staff.patch(reverse("serviceticket-detail", args=[ticket.pk]), {"status": "in_progress"}, format="json")
    staff_view = staff.get(events_url(ticket)).json()["results"]
    assert staff_view[-1]["actor"]["kind"] == "staff"
    assert staff_view[-1]["actor"]["id"]
    body = customer_client.get(events_url(ticket)).json()
    assert [e["type"] for e in body["results"]] == ["ticket.status_changed"]
    assert body["results"][0]["actor"] == {"kind": "staff", "id": None}
    assert other_customer_client.get(events_url(ticket)).status_code == 404
    assert staff_client().get(events_url(ticket)).status_code == 403


def test_the_api_names_its_caller_and_acting_as_overrides(customer, make_ticket):
    ticket = make_ticket(customer)
    with acting_as("public"):
        ticket_set_status(ticket=ticket, status="in_progress")
    event = Event.objects.filter(ticket_id=ticket.pk).last()
    assert (event.actor_kind, event.actor_id) == ("public", None)


def test_tasks_are_enqueued_only_when_the_change_commits(make_ticket, django_capture_on_commit_callbacks):
    Webhook.objects.create(url="http://example.com/hook", events=["*"], secret="whsec_AAAA")
    ticket = make_ticket()
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rolled_back(lambda: ticket_set_status(ticket=ticket, status="in_progress"))
    assert callbacks == []
    assert not DBTaskResult.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=ticket, status="in_progress")
    assert WebhookDelivery.objects.filter(event__type="ticket.status_changed", status="pending").count() == 1
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert "mechanic_shop.events.tasks.deliver_webhook" in paths
    assert "mechanic_shop.events.tasks.send_email" in paths


def test_status_mail_to_the_customer_plain_and_html(make_customer, make_ticket):
    customer = make_customer(with_login=False, name="Ada", email="ada@example.com")
    ticket = make_ticket(customer)
    ticket_set_status(ticket=ticket, status="in_progress")
    ticket_set_status(ticket=ticket, status="completed")
    emails = list(OutgoingEmail.objects.order_by("id"))
    assert [e.to for e in emails] == ["ada@example.com", "ada@example.com"]
    assert "Mechanic Shop" in emails[1].subject
    assert ticket.vin in emails[1].subject
    assert "ready" in emails[1].subject
    assert "Hello Ada" in emails[1].text_body
    assert "<p>Hello Ada,</p>" in emails[1].html_body
    assert "http" not in emails[1].text_body  # no tracking link yet
    send_email.call(emails[1].pk)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ada@example.com"]
    assert sent.alternatives[0][1] == "text/html"
    emails[1].refresh_from_db()
    assert emails[1].status == "sent"
    assert emails[1].attempts == 1


def test_no_mail_for_a_customer_who_opted_out_or_for_other_moves(make_customer, make_ticket):
    quiet = make_customer(with_login=False, notify_by_email=False)
    make_ticket(quiet, status="completed")
    make_ticket(status="open")
    assert not OutgoingEmail.objects.exists()


def test_a_mail_that_cannot_be_sent_is_retried_then_fails(make_ticket, settings):
    settings.EMAIL_BACKEND = "mechanic_shop.events.tests.test_email_backend.FailingBackend"
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    ticket = make_ticket()
    ticket_set_status(ticket=ticket, status="cancelled")
    email = OutgoingEmail.objects.get()
    assert send_email.call(email.pk) == "retrying"
    assert send_email.call(email.pk) == "failed"
    email.refresh_from_db()
    assert email.attempts == 2
    assert "SMTP is down" in email.error


def test_a_page_of_the_timeline_is_the_statement_the_filters_build(admin_client_api, make_ticket, make_mechanic):
    """With nothing but the page asked for, staff read a ticket's timeline through a statement built once (decision
    0039, as a ticket's estimates): the same SQL, count and events as the filters' own path, each event as
    `event_json` shows it (the webhooks' shape)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket = make_ticket(mechanics=[make_mechanic()], parts=[(baker.make(Part, quantity_in_stock=9), 2)])
    ticket_set_status(ticket=ticket, status="in_progress")
    make_ticket(status="in_progress")  # another ticket's events are not in the page
    expected = list(Event.objects.filter(ticket_id=ticket.pk).order_by("id"))
    assert len(expected) >= 3

    def page(params):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client_api.get(events_url(ticket), params)
        assert response.status_code == 200
        return response.json(), [q["sql"] for q in queries if "events_event" in q["sql"]]

    for params in ({"page_size": 2}, {"page_size": 2, "page": 2}, {}):
        prepared, prepared_sql = page(params)
        # `ordering=id` is no ordering the sync filter knows: it sends the request down the filters' path unchanged.
        built, built_sql = page({**params, "ordering": "id"})
        assert (prepared["count"], prepared["results"]) == (built["count"], built["results"])
        assert len(prepared_sql) == len(built_sql) == 2  # the count, then the page
        assert prepared_sql[1] == built_sql[1]
        assert prepared_sql[0].upper().startswith("SELECT COUNT(*) FROM (")  # the page's own statement, counted
        assert "ORDER BY" not in prepared_sql[0].upper()  # without its ordering
        size, number = params.get("page_size", 10), params.get("page", 1)
        assert prepared["count"] == len(expected)
        assert prepared["results"] == [event_json(e) for e in expected[(number - 1) * size : number * size]]
