"""What moves `updated_at`: every change of an object, its lines, mechanics, clock entries and estimates
moves the object's own; a stock movement moves its part's; an order's lines move the order's. Through the API, each
change at a moment of its own (time-machine). Decision: docs/decisions/0024-incremental-sync.md."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from inventory.models import Part, PurchaseOrder
from inventory.purchasing import LineIn, purchase_order_create, supplier_create
from inventory.services import part_create
from mechanic_shop.events.models import Webhook, WebhookDelivery
from mechanic_shop.events.services import webhook_create, webhook_ping
from mechanic_shop.events.tasks import _attempt
from tickets.estimates import estimate_approve, estimate_create, estimate_decline
from tickets.models import Estimate, LaborLine, ServiceTicket, TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def moments():
    """Successive whole seconds from a minute from now (the API tokens, made now, are valid then), one per change."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    return iter(start + timedelta(seconds=n) for n in range(1000))


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def ticket(make_ticket, make_mechanic, moments):
    with at(next(moments)):
        mo = make_mechanic(name="Mo")
        pads = part_create(name="Pads", price=Decimal("10.00"), quantity_in_stock=20)
        return make_ticket(mechanics=[mo], parts=[pads])


def updated(model, pk) -> datetime:
    return model.objects.values_list("updated_at", flat=True).get(pk=pk)


def test_each_change_of_a_ticket_s_parts_labor_and_mechanics_moves_it(admin_client_api, ticket, make_mechanic, moments):
    url = f"/service-tickets/{ticket.pk}"
    pads = ticket.lines.get().part
    with at(next(moments)):
        al = make_mechanic(name="Al")

    def change(method, path, body=None, status=200):
        moment = next(moments)
        with at(moment):
            response = getattr(admin_client_api, method)(url + path, body, format="json")
        assert response.status_code == status, (path, response.content)
        assert updated(ServiceTicket, ticket.pk) == moment, path
        return response

    change("put", f"/add-part/{pads.pk}", {"quantity": 2})
    change("put", f"/remove-part/{pads.pk}", {"quantity": 1})
    change("put", f"/assign-mechanic/{al.pk}")
    change("put", f"/remove-mechanic/{al.pk}")
    change("put", "/edit", {"add_ids": [al.pk], "remove_ids": []})
    change("post", "/labor-lines", {"description": "Bleed", "hours": "1.00"}, status=201)
    line_id = LaborLine.objects.get(ticket=ticket).pk
    change("patch", f"/labor-lines/{line_id}", {"hours": "2.00"})
    assert updated(LaborLine, line_id) == updated(ServiceTicket, ticket.pk)  # the line's own moved too
    change("delete", f"/labor-lines/{line_id}")
    mo = ticket.mechanic_links.order_by("id").first().mechanic
    entry = change("post", "/clock-in", {"mechanic_id": mo.pk}, status=201).json()
    change("post", "/clock-out", {"mechanic_id": mo.pk})
    assert updated(TimeEntry, entry["id"]) == updated(ServiceTicket, ticket.pk)  # the entry's own moved too
    change("post", "/clock-in", {"mechanic_id": mo.pk}, status=201)  # in progress now: no status change
    change("post", "/clock-out", {"mechanic_id": mo.pk})
    change("post", "/estimates", status=201)
    change("patch", "", {"description": "Brakes and pads"})


def test_a_customer_s_decision_on_an_estimate_moves_the_estimate_and_its_ticket(ticket, moments):
    with at(first_made := next(moments)):
        first = estimate_create(ticket=ticket)
    with at(superseded := next(moments)):
        second = estimate_create(ticket=ticket)
    assert updated(Estimate, first.pk) == superseded != first_made  # superseded: it changed
    assert updated(ServiceTicket, ticket.pk) == superseded
    with at(declined := next(moments)):
        estimate_decline(estimate_id=second.pk, signed_by="Ann")
    assert updated(Estimate, second.pk) == updated(ServiceTicket, ticket.pk) == declined
    with at(next(moments)):
        third = estimate_create(ticket=ticket)
    with at(approved := next(moments)):
        estimate_approve(estimate_id=third.pk, signed_by="Ann")
    assert updated(Estimate, third.pk) == updated(ServiceTicket, ticket.pk) == approved


def test_a_stock_movement_moves_its_part(admin_client_api, ticket, moments):
    pads = ticket.lines.get().part
    with at(adjusted := next(moments)):
        response = admin_client_api.post(f"/inventory/{pads.pk}/adjust", {"delta": 5}, format="json")
    assert response.status_code == 201, response.content
    assert updated(Part, pads.pk) == adjusted
    # Taken onto a ticket: a movement too.
    with at(taken := next(moments)):
        response = admin_client_api.put(f"/service-tickets/{ticket.pk}/add-part/{pads.pk}", {}, format="json")
    assert response.status_code == 200
    assert updated(Part, pads.pk) == taken


def test_an_order_s_lines_and_receipt_move_the_order(admin_client_api, moments):
    with at(next(moments)):
        supplier = supplier_create(name="Acme")
        bolt = part_create(name="Bolt", price=Decimal("1.00"))
        order = purchase_order_create(supplier=supplier, lines=[LineIn(part_id=bolt.pk, quantity=5)])
    url = f"/purchase-orders/{order.pk}"
    with at(changed := next(moments)):
        body = {"lines": [{"part_id": bolt.pk, "quantity": 7}]}
        assert admin_client_api.patch(url, body, format="json").status_code == 200
    assert updated(PurchaseOrder, order.pk) == changed
    with at(next(moments)):
        assert admin_client_api.post(f"{url}/order", format="json").status_code == 200
    with at(received := next(moments)):
        response = admin_client_api.post(f"{url}/receive", format="json")
    assert response.status_code == 200, response.content
    assert updated(PurchaseOrder, order.pk) == updated(Part, bolt.pk) == received


def test_a_delivery_moves_when_its_outcome_is_recorded(settings, moments, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    with at(made := next(moments)):
        webhook = webhook_create(url="http://127.0.0.1:9/hook", events=["*"])
        webhook_ping(webhook=webhook)
    delivery = WebhookDelivery.objects.select_related("event").get(webhook=webhook)
    assert delivery.updated_at == made
    monkeypatch.setattr("mechanic_shop.events.outbound.post", lambda url, body, headers: 204)
    with at(sent := next(moments)):
        _attempt(Webhook.objects.get(pk=webhook.pk), delivery)
    assert updated(WebhookDelivery, delivery.pk) == sent
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == WebhookDelivery.Status.DELIVERED


def test_closing_a_ticket_ends_its_open_entries_and_moves_them(admin_client_api, ticket, moments):
    mo = ticket.mechanic_links.get().mechanic
    with at(next(moments)):
        response = admin_client_api.post(
            f"/service-tickets/{ticket.pk}/clock-in", {"mechanic_id": mo.pk}, format="json"
        )
    assert response.status_code == 201, response.content
    with at(closed := next(moments)):
        response = admin_client_api.patch(f"/service-tickets/{ticket.pk}", {"status": "completed"}, format="json")
    assert response.status_code == 200, response.content
    entry = TimeEntry.objects.get(ticket=ticket)
    assert entry.ended_at == entry.updated_at == updated(ServiceTicket, ticket.pk) == closed
