"""The fast ticket JSON must be exactly what ServiceTicketSerializer gives, so the two cannot drift apart."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from model_bakery import baker

from tickets.models import ServiceTicket
from tickets.representations import ticket_representation, ticket_representations, ticket_rows
from tickets.serializers import ServiceTicketSerializer
from tickets.services import ticket_add_labor_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(make_customer, make_mechanic, make_ticket):
    customer = make_customer(with_login=False)
    mechanics = [make_mechanic() for _ in range(3)]
    parts = [
        baker.make("inventory.Part", name=name, price=Decimal(price), quantity_in_stock=100)
        for name, price in (("Oil filter", "8.99"), ("Brake pad set", "54.00"), ("Bolt", "0.10"))
    ]
    tickets = [
        make_ticket(
            customer,
            vin="1HGCM82633A00435" + str(i),
            service_date=date(2026, 2, i + 1),
            description=f"Job {i}",
            mechanics=mechanics[: i % 3 + 1],
            labor_cost=Decimal("120.50") * i,
            pickup_date=date(2026, 2, i + 3) if i % 2 else None,
            parts=[(part, i + 1) for part in parts[: i % 3]],
            status=ServiceTicket.Status.COMPLETED if i == 1 else ServiceTicket.Status.OPEN,
        )
        for i in range(4)
    ]
    for i, ticket in enumerate(tickets):
        if not ticket.is_closed:  # labor lines on the open ones, some by a mechanic, some not
            for n in range(i):
                ticket_add_labor_line(
                    ticket=ticket,
                    description=f"Step {n}",
                    hours=Decimal("1.25") * (n + 1),
                    rate=Decimal("87.50"),
                    mechanic_id=mechanics[0].pk if n % 2 else None,
                )
    return tickets


def serializer_output(tickets_in_order):
    fresh = [ServiceTicket.objects.get(pk=t.pk) for t in tickets_in_order]
    return [dict(ServiceTicketSerializer(t).data) for t in fresh]


def test_page_matches_the_serializer(tickets):
    queryset = ServiceTicket.objects.order_by("-created_at", "-id")
    fast = ticket_representations(ticket_rows(queryset))
    assert fast == serializer_output(list(queryset))
    assert [t["id"] for t in fast] == [t.pk for t in queryset]


def test_one_ticket_matches_the_serializer(tickets):
    completed = tickets[1]
    fast = ticket_representation(completed)
    assert fast == serializer_output([completed])[0]
    assert fast["status"] == "completed"
    assert fast["completed_at"].endswith("Z")
    assert fast["parts_total"] == "17.98"
    assert fast["total_cost"] == "138.48"


def test_a_ticket_without_mechanics_or_parts_matches_the_serializer(make_ticket):
    ticket = make_ticket(labor_cost=0)
    fast = ticket_representation(ticket)
    assert fast == serializer_output([ticket])[0]
    assert fast["mechanics"] == []
    assert fast["parts"] == []
    assert fast["total_cost"] == "0.00"


def test_page_costs_six_queries_whatever_its_size(tickets, django_assert_num_queries):
    # the tickets, their mechanics, their part lines, their labor lines, their clocked time, their estimates
    with django_assert_num_queries(6):
        ticket_representations(ticket_rows(ServiceTicket.objects.all()[:1]))
    with django_assert_num_queries(6):
        ticket_representations(ticket_rows(ServiceTicket.objects.all()))


def test_list_reads_only_the_requested_page(tickets, admin_client_api):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client_api.get(reverse("serviceticket-list"), {"page_size": 2})
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [tickets[3].pk, tickets[2].pk]
    selects = [q["sql"] for q in queries if "tickets_serviceticket" in q["sql"] and "COUNT" not in q["sql"]]
    assert selects
    assert all("LIMIT 2" in sql for sql in selects)
