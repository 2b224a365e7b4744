"""The ticket list in the admin: totals as columns, the mechanic filter, and a constant number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from model_bakery import baker

from inventory.models import Part
from tickets.services import ticket_add_labor_line

pytestmark = pytest.mark.django_db

LIST = reverse("admin:tickets_serviceticket_changelist")


@pytest.fixture
def pads():
    return baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=1000)


def _rows(response) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    return {
        t.pk: (t.listed_parts_total, t.listed_labor_total, t.listed_total) for t in response.context["cl"].result_list
    }


def test_the_list_shows_parts_total_labor_and_total(admin_client, make_ticket, pads):
    billed = make_ticket(parts=[(pads, 3)], labor_cost=Decimal("20.50"))
    # Labor lines count in the labor, each rounded to the cent: 1.25 h × 33.33 = 41.6625 → 41.66.
    ticket_add_labor_line(ticket=billed, description="Pads", hours=Decimal("1.25"), rate=Decimal("33.33"))
    ticket_add_labor_line(ticket=billed, description="Bleed", hours=Decimal("0.50"), rate=Decimal("100.00"))
    empty = make_ticket()
    response = admin_client.get(LIST)
    assert _rows(response) == {
        billed.pk: (Decimal("162.00"), Decimal("112.16"), Decimal("274.16")),
        empty.pk: (Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
    }
    page = response.content.decode()
    for header in ("Parts total", "Labor", "Total"):
        assert header in page
    assert '<td class="field-listed_parts_total">162.00</td>' in page
    assert '<td class="field-listed_labor_total">112.16</td>' in page
    assert '<td class="field-listed_total">274.16</td>' in page
    billed.refresh_from_db()
    assert billed.labor_total == Decimal("112.16")  # the ticket's own total agrees


def test_the_list_sorts_by_total(admin_client, make_ticket, pads):
    small, large = make_ticket(labor_cost=Decimal("5.00")), make_ticket(parts=[(pads, 1)])
    response = admin_client.get(LIST, {"o": "-9"})  # the ninth column, Total, descending
    assert [t.pk for t in response.context["cl"].result_list] == [large.pk, small.pk]


def test_the_list_filters_by_mechanic(admin_client, make_ticket, make_mechanic):
    mo, ada = make_mechanic(name="Moriarty Wrench"), make_mechanic(name="Ada Active")
    theirs, both, _other = make_ticket(mechanics=[mo]), make_ticket(mechanics=[mo, ada]), make_ticket(mechanics=[ada])
    response = admin_client.get(LIST, {"mechanics__id__exact": mo.pk})
    assert response.status_code == 200
    assert {t.pk for t in response.context["cl"].result_list} == {theirs.pk, both.pk}
    assert "Moriarty Wrench" in response.content.decode()  # the filter's choice


def test_the_list_takes_as_many_queries_for_many_tickets_as_for_one(
    admin_client, make_ticket, make_mechanic, pads, django_assert_num_queries
):
    mechanics = [make_mechanic(), make_mechanic()]
    make_ticket(mechanics=mechanics, parts=[(pads, 2)])
    admin_client.get(LIST)  # the session and permissions, loaded once as on any page after the first
    with CaptureQueriesContext(connection) as one_ticket:
        assert admin_client.get(LIST).status_code == 200
    for _ in range(12):
        make_ticket(mechanics=mechanics, parts=[(pads, 2)], labor_cost=Decimal("1.00"))
    with django_assert_num_queries(len(one_ticket)):
        response = admin_client.get(LIST)
    assert len(response.context["cl"].result_list) == 13
