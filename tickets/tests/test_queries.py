"""Query budgets: the same number of queries whatever the page size."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from inventory.models import Part
from tickets.estimates import estimate_create
from tickets.models import EstimateLine
from tickets.services import ticket_add_labor_line, ticket_set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked_staff(staff_client, make_mechanic):
    client = staff_client("tickets.view_serviceticket", "mechanics.view_mechanic", "inventory.view_part")
    client.mechanic = make_mechanic(user=client.user)
    return client


@pytest.fixture
def tickets(make_ticket, make_mechanic, customer, linked_staff):
    mechanics = [linked_staff.mechanic, make_mechanic()]
    parts = baker.make(Part, quantity_in_stock=1000, price=Decimal("3.00"), _quantity=2)
    tickets = []
    for i in range(30):
        ticket = make_ticket(customer, description=f"Job {i}", mechanics=mechanics, parts=parts)
        for hours in ("1.00", "0.50"):
            ticket_add_labor_line(ticket=ticket, description="Work", hours=Decimal(hours), mechanic_id=mechanics[0].pk)
        if i % 3 == 0:
            ticket_set_status(ticket=ticket, status="in_progress")
            ticket_set_status(ticket=ticket, status="completed")
        tickets.append(ticket)
    return tickets


@pytest.mark.parametrize(
    ("client_name", "url_name", "budget"),
    [
        # user + count + page + mechanics + part lines + labor lines + clocked time (staff permissions come from the
        # cache after the first call) + estimates (approval status and total); my-tickets also finds the mechanic,
        # and its open clock entries on the page
        ("linked_staff", "serviceticket-list", 8),
        ("customer_client", "customer-my-tickets-list", 9),
        ("linked_staff", "mechanic-my-tickets-list", 10),
        ("linked_staff", "mechanic-leaderboard", 3),
        ("linked_staff", "part-list", 3),
        ("linked_staff", "mechanic-list", 3),
    ],
)
# Incremental sync (decision 0024) filters and sorts in the same queries: the same budgets.
@pytest.mark.parametrize("sync", [{}, {"updated_after": "2000-01-01T00:00:00Z", "ordering": "-updated_at"}])
def test_lists_cost_the_same_for_3_and_30_items(
    request, tickets, django_assert_max_num_queries, client_name, url_name, budget, sync
):
    client = request.getfixturevalue(client_name)
    url = reverse(url_name)
    client.get(url)  # warm the permission cache
    for size in (3, 30):
        with django_assert_max_num_queries(budget):
            response = client.get(url, {"page_size": size, **sync})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, response.json()["count"])


def test_ticket_detail_is_constant(linked_staff, tickets, django_assert_max_num_queries):
    linked_staff.get(reverse("serviceticket-detail", args=[tickets[0].pk]))
    with django_assert_max_num_queries(7):  # the estimates' query added one
        response = linked_staff.get(reverse("serviceticket-detail", args=[tickets[0].pk]))
    assert len(response.json()["parts"]) == 2
    assert len(response.json()["labor_lines"]) == 2
    assert len(response.json()["mechanics"]) == 2


def test_leaderboard_is_one_indexed_read_of_mechanics(linked_staff, tickets, django_assert_num_queries):
    linked_staff.get(reverse("mechanic-leaderboard"))
    with django_assert_num_queries(3) as captured:  # user, count, page
        response = linked_staff.get(reverse("mechanic-leaderboard"))
    ranking = response.json()["results"]
    assert [r["ticket_count"] for r in ranking] == [10, 10]
    assert all("tickets_" not in q["sql"] for q in captured.captured_queries)


def test_taking_a_part_onto_a_ticket_has_a_fixed_query_budget(staff_client, make_ticket, django_assert_num_queries):
    """The write path of the benchmark: no savepoint sneaks in where one service calls another."""
    client = staff_client("tickets.change_serviceticket")
    ticket = make_ticket()
    part = baker.make(Part, quantity_in_stock=10, price=Decimal("3.00"))
    url = reverse("serviceticket-add-part", args=[ticket.pk, part.pk])
    client.put(url, {"quantity": 1}, format="json")  # warms the caller's cached permissions
    # user, ticket, part; in the service's transaction (a savepoint here, inside the test's): lock the ticket, lock
    # the part, write its stock, write the stock movement, touch the ticket, find the line, add to it, read its
    # quantity, write the ticket.part_added event and read the active webhooks that may take it; then the answer:
    # ticket, mechanics, part lines, labor lines, clocked time, estimates.
    with django_assert_num_queries(21) as captured:
        response = client.put(url, {"quantity": 2}, format="json")
    assert response.status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    # The test runs inside a transaction, so the service's own atomic block is the one savepoint.
    assert sum(statement.startswith("SAVEPOINT") for statement in sql) == 1
    part.refresh_from_db()
    assert part.quantity_in_stock == 7


def test_estimate_lists_cost_the_same_for_3_and_30_estimates(linked_staff, tickets, django_assert_num_queries):
    """The estimates list and a ticket's estimates: the page, then one query for all its lines."""
    ticket = tickets[1]  # open: every third ticket is completed
    for one_ticket in tickets[1::3]:
        estimate_create(ticket=one_ticket)
    for _ in range(29):
        estimate_create(ticket=ticket)
    for url in (reverse("estimate-list"), reverse("serviceticket-estimates", args=[ticket.pk])):
        linked_staff.get(url)  # warm the permission cache
        for size in (3, 30):
            # user + count + page + lines (+ the ticket, for a ticket's estimates)
            with django_assert_num_queries(4 if url == reverse("estimate-list") else 5):
                response = linked_staff.get(url, {"page_size": size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == size
            results = response.json()["results"]
            assert [len(estimate["lines"]) for estimate in results] == [
                EstimateLine.objects.filter(estimate_id=estimate["id"]).count() for estimate in results
            ]
            assert all(estimate["lines"] for estimate in results)
