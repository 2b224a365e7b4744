"""Estimates on the timeline and in the customer's mail: `estimate.sent`, `estimate.approved` and
`estimate.declined` are written with the decision, and the mails carry absolute links."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from inventory.models import Part
from mechanic_shop.events.models import Event, OutgoingEmail
from tickets.services import ticket_add_labor_line, ticket_set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_ticket, customer):
    pads = baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=10)
    made = make_ticket(customer, parts=[(pads, 2)])
    ticket_add_labor_line(ticket=made, description="Replace pads", hours=Decimal("1.50"), rate=Decimal("100.00"))
    return made


def _estimate(client, ticket) -> dict:
    response = client.post(reverse("serviceticket-estimates", args=[ticket.pk]))
    assert response.status_code == 201
    return response.json()


def _token(body) -> str:
    return body["approval_url"].rsplit("/", 1)[1]


def test_sending_an_estimate_is_an_event_and_a_mail_with_its_link(admin_client_api, ticket, customer, settings):
    settings.PUBLIC_BASE_URL = ""
    body = _estimate(admin_client_api, ticket)
    event = Event.objects.get(type="estimate.sent")
    assert (event.ticket_id, event.actor_kind, event.data["estimate_id"]) == (ticket.pk, "staff", body["id"])
    assert event.data["total"] == "258.00"
    mail = OutgoingEmail.objects.get(subject__contains="an estimate")
    assert mail.to == customer.email
    assert body["approval_url"].startswith("http://testserver/approve/")
    assert body["approval_url"] in mail.text_body  # absolute: built on the request being served


def test_a_decision_is_an_event_without_the_signer(admin_client_api, anon_client, ticket):
    body = _estimate(admin_client_api, ticket)
    labor_line = next(line for line in body["lines"] if line["kind"] == "labor")
    response = anon_client.post(
        reverse("public-estimate-approve", args=[_token(body)]),
        {"signed_by": "Dana Driver", "declined_line_ids": [labor_line["id"]]},
        format="json",
    )
    assert response.status_code == 200
    event = Event.objects.get(type="estimate.approved")
    assert event.actor_kind == "public"
    assert event.data == {
        "estimate_id": body["id"],
        "approved_total": "108.00",
        "declined_line_ids": [labor_line["id"]],
    }
    assert "Dana" not in str(event.data)
    # The declined labor line left through the labor services: its own event, in the same transaction.
    assert Event.objects.filter(type="ticket.labor_changed", data__change="removed").count() == 1


def test_declining_is_an_event(admin_client_api, anon_client, ticket):
    body = _estimate(admin_client_api, ticket)
    response = anon_client.post(reverse("public-estimate-decline", args=[_token(body)]), {"signed_by": "Dana"},
                                format="json")  # fmt: skip
    assert response.status_code == 200
    assert Event.objects.get(type="estimate.declined").data == {"estimate_id": body["id"]}


def test_a_refused_decision_writes_no_event(admin_client_api, anon_client, ticket):
    body = _estimate(admin_client_api, ticket)
    url = reverse("public-estimate-approve", args=[_token(body)])
    assert anon_client.post(url, {"signed_by": ""}, format="json").status_code == 400
    assert not Event.objects.filter(type__in=["estimate.approved", "estimate.declined"]).exists()


def test_the_status_mails_carry_the_tracking_link(ticket, settings):
    settings.PUBLIC_BASE_URL = "https://shop.example.com"
    ticket_set_status(ticket=ticket, status="in_progress")
    mail = OutgoingEmail.objects.get(subject__contains="being worked on")
    assert "https://shop.example.com/track/" in mail.text_body
