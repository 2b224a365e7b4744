"""The admin site (tickets/admin_site.py): the shop's name, "View site" on the API docs, and the front desk's index
page (tickets/dashboard.py) with each block only for a user who may view what it shows."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from inventory.models import Part

pytestmark = pytest.mark.django_db
INDEX = reverse("admin:index")


@pytest.fixture
def floor(make_ticket, make_customer):
    """Two open tickets, one in progress, one completed today (with a 20.00 part), one cancelled; two parts at or
    below their reorder level, one above it and one out of stock without a level."""
    pads = baker.make(Part, name="Brake pad set", price=Decimal("20.00"), quantity_in_stock=6, reorder_level=5)
    baker.make(Part, name="Wiper blade", price=Decimal("9.00"), quantity_in_stock=0, reorder_level=1)
    baker.make(Part, name="Oil filter", price=Decimal("7.00"), quantity_in_stock=50, reorder_level=10)
    baker.make(Part, name="Spare bulb", price=Decimal("3.00"), quantity_in_stock=0, reorder_level=0)
    dana = make_customer(name="Dana Driver", with_login=False)
    make_ticket(dana)
    make_ticket(dana)
    make_ticket(dana, status="in_progress")
    done = make_ticket(dana, parts=[pads], status="completed", labor_cost=Decimal("100.00"))
    make_ticket(dana, status="cancelled")
    return done


def test_header_and_title_name_the_shop(admin_client, settings):
    settings.SHOP_NAME = "Gears & Sons"
    page = admin_client.get(INDEX).content.decode()
    assert '<a href="/admin/">Gears &amp; Sons</a>' in page
    assert "<title>What is on the floor now | Gears &amp; Sons admin</title>" in page
    assert "Django administration" not in page


def test_view_site_opens_the_api_docs(admin_client):
    page = admin_client.get(INDEX).content.decode()
    assert f'<a href="{reverse("swagger-ui")}">View site</a>' in page
    assert reverse("swagger-ui") == "/api/docs"


def test_index_shows_tickets_by_status_today_and_parts_to_reorder(admin_client, floor):
    response = admin_client.get(INDEX)
    assert response.status_code == 200
    summary = response.context["floor"]
    assert [(bar.status, bar.count, bar.percent) for bar in summary.statuses] == [
        ("open", 2, 100),
        ("in_progress", 1, 50),
        ("completed", 1, 50),
        ("cancelled", 1, 50),
    ]
    assert summary.on_the_floor == 3
    assert summary.completed_today == 1
    assert summary.completed_today_tickets == [floor]
    # The pads went down to their reorder level (5) on the completed ticket; the wipers are out; the bulbs are out
    # too, but have no reorder level (not stocked for reordering).
    assert [(part.name, part.quantity_in_stock) for part in summary.reorder_parts] == [
        ("Wiper blade", 0),
        ("Brake pad set", 5),
    ]
    assert summary.reorder_count == 2
    page = response.content.decode()
    assert 'id="floor-status-chart"' in page
    assert 'style="width: 50%"' in page
    assert f'href="{reverse("admin:tickets_serviceticket_change", args=[floor.pk])}"' in page
    assert "120.00" in page  # its total: labor and the pads
    assert "Dana Driver" in page
    assert "Wiper blade" in page
    assert "Oil filter" not in page
    assert "Spare bulb" not in page
    assert "To reorder" in page


def test_index_blocks_follow_view_permissions(client, make_staff, floor):
    client.force_login(make_staff("inventory.view_part"))
    page = client.get(INDEX).content.decode()
    assert "To reorder" in page
    assert "Wiper blade" in page
    assert "Tickets by status" not in page
    assert "Completed today" not in page

    client.force_login(make_staff("tickets.view_serviceticket"))
    page = client.get(INDEX).content.decode()
    assert "Tickets by status" in page
    assert f"#{floor.pk} {floor.vin}" in page
    assert "Dana Driver" not in page  # no view_customer: no customer's name
    assert "To reorder" not in page

    client.force_login(make_staff())
    page = client.get(INDEX).content.decode()
    assert 'id="floor"' not in page


def test_index_is_a_fixed_number_of_queries(admin_client, floor, make_ticket, django_assert_num_queries):
    admin_client.get(INDEX)  # the session and permission caches warm
    # session, user, the counts, today's tickets, their part lines and labor lines, the count and the parts to reorder,
    # the recent actions
    with django_assert_num_queries(9):
        assert admin_client.get(INDEX).status_code == 200
    for _ in range(3):
        make_ticket(status="completed", parts=[baker.make(Part, price=1, quantity_in_stock=2, reorder_level=3)])
    with django_assert_num_queries(9):
        page = admin_client.get(INDEX).content.decode()
    assert page.count("tickets/serviceticket/") >= 4
    assert len(admin_client.get(INDEX).context["floor"].reorder_parts) == 5


def test_index_links_to_all_parts_to_reorder_past_the_first_page(admin_client, django_assert_num_queries):
    baker.make(Part, price=1, quantity_in_stock=0, reorder_level=4, _quantity=12)
    admin_client.get(INDEX)
    # No ticket completed today: no part or labor lines to read; the rest as above.
    with django_assert_num_queries(7):
        response = admin_client.get(INDEX)
    summary = response.context["floor"]
    assert (summary.reorder_count, len(summary.reorder_parts)) == (12, 10)
    assert '/admin/inventory/part/?reorder=below">All 12 parts to reorder</a>' in response.content.decode()
