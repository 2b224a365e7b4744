"""The Django admin: smoke tests, and the ticket rules it must keep (the parts admin: inventory/tests/test_admin.py;
the ticket's page: test_admin_ticket_page.py, and who sees what: test_admin_visibility.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from inventory.models import Part
from mechanics.models import Mechanic
from tickets.models import ServiceTicket
from tickets.services import ticket_add_part, ticket_set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_ticket, make_mechanic, customer):
    return make_ticket(customer, service_date="2026-01-01", description="Brakes", mechanics=[make_mechanic(name="Mo")])


@pytest.mark.parametrize(
    "model", ["customers_customer", "mechanics_mechanic", "inventory_part", "tickets_serviceticket"]
)
def test_changelist_search_and_add_pages_answer(admin_client, ticket, model):
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{model}_changelist"), {"q": "brakes"}).status_code == 200
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_ticket_change_page_shows_mechanics_and_parts(admin_client, ticket):
    part = baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=4)
    ticket_add_part(ticket=ticket, part=part, quantity=2)
    page = admin_client.get(reverse("admin:tickets_serviceticket_change", args=[ticket.pk])).content.decode()
    assert "Mo" in page
    assert "Parts on this ticket" in page
    assert "Brake pad set" in page


def test_ticket_filter_by_status(admin_client, ticket):
    response = admin_client.get(reverse("admin:tickets_serviceticket_changelist"), {"status__exact": "open"})
    assert response.status_code == 200
    assert "1HGCM82633A004352" in response.content.decode()


def test_status_actions_follow_the_lifecycle(admin_client, ticket):
    url = reverse("admin:tickets_serviceticket_changelist")
    admin_client.post(url, {"action": "complete", "_selected_action": [ticket.pk]})
    ticket.refresh_from_db()
    assert ticket.status == "open"  # open → completed is refused
    admin_client.post(url, {"action": "start_work", "_selected_action": [ticket.pk]})
    admin_client.post(url, {"action": "complete", "_selected_action": [ticket.pk]})
    ticket.refresh_from_db()
    assert ticket.status == "completed"
    assert ticket.completed_at is not None
    assert Mechanic.objects.get().completed_ticket_count == 1


def test_cancel_action_returns_parts(admin_client, ticket):
    part = baker.make(Part, price=1, quantity_in_stock=4)
    ticket_add_part(ticket=ticket, part=part, quantity=3)
    admin_client.post(
        reverse("admin:tickets_serviceticket_changelist"), {"action": "cancel", "_selected_action": [ticket.pk]}
    )
    part.refresh_from_db()
    assert part.quantity_in_stock == 4
    assert not ticket.lines.exists()


def test_completed_ticket_cannot_be_deleted_in_admin(admin_client, ticket):
    ticket_set_status(ticket=ticket, status="in_progress")
    ticket_set_status(ticket=ticket, status="completed")
    response = admin_client.post(reverse("admin:tickets_serviceticket_delete", args=[ticket.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ServiceTicket.objects.filter(pk=ticket.pk).exists()


def test_admin_delete_returns_parts(admin_client, ticket):
    part = baker.make(Part, price=1, quantity_in_stock=4)
    ticket_add_part(ticket=ticket, part=part, quantity=3)
    admin_client.post(reverse("admin:tickets_serviceticket_delete", args=[ticket.pk]), {"post": "yes"})
    part.refresh_from_db()
    assert part.quantity_in_stock == 4
    assert not ServiceTicket.objects.exists()


def test_a_list_action_does_what_it_may_and_names_what_it_refused(admin_client, ticket, make_ticket):
    started = make_ticket(status="in_progress", description="Started")
    url = reverse("admin:tickets_serviceticket_changelist")
    response = admin_client.post(url, {"action": "complete", "_selected_action": [ticket.pk, started.pk]}, follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert shown[0] == "1 ticket(s) completed."
    assert shown[1].startswith(f"Not changed: #{ticket.pk}: A ticket cannot go from open to completed")
    assert ServiceTicket.objects.get(pk=started.pk).status == "completed"  # each in its own transaction
    assert ServiceTicket.objects.get(pk=ticket.pk).status == "open"
